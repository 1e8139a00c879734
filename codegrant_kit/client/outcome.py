"""What one request got: its result, or the OAuth error the server answered.

A learner comparing several wrong requests wants each answer on one line, not a
traceback per cell. :func:`attempt` runs a step and keeps either its value or the
:class:`~codegrant_kit.client.errors.OAuthResponseError` (RFC 6749 Section 5.2) it
raised; any other exception still propagates, since it is not an answer of the
server.

>>> def replayed():
...     raise OAuthResponseError(status=400, error="invalid_grant",
...                              error_description="This code was used already.")
>>> print(attempt(replayed))
400 invalid_grant: This code was used already.
>>> print(attempt(lambda: "tokens"))
ok
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import OAuthResponseError


@dataclass(frozen=True)
class Outcome:
    """The value a step returned, or the status, error and error_description it met."""

    ok: bool
    value: Any = None
    status: int | None = None  # None for an error that came in a redirect (4.1.2.1)
    error: str | None = None
    error_description: str | None = None

    def __str__(self) -> str:
        if self.ok:
            return "ok"
        status = f"{self.status} " if self.status is not None else ""
        text = f"{status}{self.error or 'no OAuth error code'}"
        return f"{text}: {self.error_description}" if self.error_description else text


def attempt(action: Callable[[], Any]) -> Outcome:
    """Run ``action``; its value, or the OAuth error the server answered, as an Outcome."""
    try:
        return Outcome(ok=True, value=action())
    except OAuthResponseError as exc:
        return Outcome(
            ok=False,
            status=exc.status,
            error=exc.error,
            error_description=exc.error_description,
        )
