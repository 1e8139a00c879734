"""Running a panel's action: bounded by a timeout, its failure said in plain words.

A button handler runs in the kernel. If it waited for ever on a socket, the whole
notebook would hang, so every action runs in a daemon thread joined with a
timeout; the HTTP client's own timeout normally ends it well before that.

>>> run_bounded(lambda: 6 * 7, timeout=1.0)
42
>>> plain_error(ValueError("state must be printable ASCII"))
'state must be printable ASCII'
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from ..client.errors import ClientError, OAuthResponseError

T = TypeVar("T")

# seconds a panel action may take; the client's HTTP timeout (10 s) is per request
DEFAULT_TIMEOUT = 15.0


class ActionTimeout(Exception):
    """The action did not finish in time; its thread is left to die on its own."""


def run_bounded(action: Callable[[], T], timeout: float = DEFAULT_TIMEOUT) -> T:
    """Run ``action`` in a daemon thread and wait at most ``timeout`` seconds."""
    result: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            result.append(action())
        except BaseException as exc:  # handed to the caller's thread below
            failure.append(exc)

    worker = threading.Thread(target=target, name="codegrant-kit panel action", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise ActionTimeout(
            f"No answer within {timeout:g} s. Is the server running, and is the URL right?"
        )
    if failure:
        raise failure[0]
    return result[0]


def plain_error(exc: BaseException) -> str:
    """What went wrong, for a learner: the client layer's explanation, never a traceback."""
    if isinstance(exc, OAuthResponseError):
        return str(exc)  # the status and the explain_error() text
    if isinstance(exc, (ClientError, ActionTimeout, ValueError)):
        return str(exc)
    if isinstance(exc, OSError) or type(exc).__module__.startswith("httpx"):
        # httpx's errors are not OSErrors; the panels leave httpx to the client layer
        return f"Could not talk to the server ({exc}). Is it running, and is the URL right?"
    name = type(exc).__name__
    return f"Something unexpected went wrong ({name}): {exc}"
