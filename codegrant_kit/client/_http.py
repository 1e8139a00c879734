"""HTTP plumbing shared by the modules: the client, sending a built request, reading bodies.

OAuth 2.0 relies on TLS for every endpoint that carries credentials (RFC 6749
Section 1.6, 3.1, 3.2). Real servers in a lab often run on a self-signed
certificate (WSO2 on ``https://localhost:9443``), so every function that opens a
client accepts ``verify``: ``True`` (the CAs httpx trusts, from certifi),
``False`` (no check at all: never outside a lab), a path to a CA file or
directory, or an ``ssl.SSLContext``.

Errors come as a JSON body (RFC 6749 Section 5.2) or as the auth-params of a
``WWW-Authenticate`` challenge (RFC 9110 Section 11.6.1, RFC 6750 Section 3).
"""

from __future__ import annotations

import functools
import json
import os
import re
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import Any, TypeVar, Union

import httpx

Verify = Union[bool, str, "os.PathLike[str]", ssl.SSLContext]
T = TypeVar("T", bound="ClosedOnExit")

# Seconds; a learner's server on a laptop answers in milliseconds.
DEFAULT_TIMEOUT = 10.0


@functools.cache
def default_context() -> ssl.SSLContext:
    """httpx's default context (certifi's CAs), built once: building one takes ~50 ms."""
    return httpx.create_ssl_context()


def ssl_context(verify: Verify) -> ssl.SSLContext | bool:
    """What httpx wants for ``verify``: False or an ``ssl.SSLContext``.

    >>> ssl_context(True) is ssl_context(True)
    True
    """
    if verify is True:
        return default_context()
    if isinstance(verify, (bool, ssl.SSLContext)):
        return verify
    path = os.fspath(verify)
    # httpx 0.28 deprecates a path string; build the context ourselves.
    if os.path.isdir(path):
        return ssl.create_default_context(capath=path)
    return ssl.create_default_context(cafile=path)


def new_client(verify: Verify = True, **kwargs: Any) -> httpx.Client:
    """An ``httpx.Client`` that never follows redirects on its own.

    A redirect in OAuth is a message for the user-agent (RFC 6749 Section 1.7), so
    the kit always shows it rather than following it silently.
    """
    kwargs.setdefault("timeout", DEFAULT_TIMEOUT)
    kwargs["follow_redirects"] = False
    return httpx.Client(verify=ssl_context(verify), **kwargs)


@contextmanager
def using(http: httpx.Client | None, verify: Verify = True) -> Iterator[httpx.Client]:
    """Yield ``http`` if given (left open), else a new client closed afterwards."""
    if http is not None:
        yield http
        return
    with new_client(verify) as client:
        yield client


def send(
    request: httpx.Request,
    http: httpx.Client | None,
    verify: Verify = True,
    *,
    auth: httpx.Auth | None = None,
) -> httpx.Response:
    """Send a request built beforehand, on ``http`` or on a client of its own."""
    with using(http, verify) as client:
        return client.send(request, auth=auth) if auth else client.send(request)


class ClosedOnExit:
    """``with thing: ...`` closes the thing at the end, as ``with httpx.Client()`` does."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self: T) -> T:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def json_object(response: httpx.Response) -> dict[str, Any] | None:
    """The response body as a JSON object, or None if it is not one."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def text_member(body: Mapping[str, Any], name: str) -> str | None:
    """A JSON member that should be a string; one of another type counts as absent.

    >>> text_member({"scope": "read", "expires_in": 3600}, "expires_in") is None
    True
    """
    value = body.get(name)
    return value if isinstance(value, str) else None


def strings_member(body: Mapping[str, Any], name: str) -> tuple[str, ...]:
    """A JSON member that should be an array of strings, with anything else left out."""
    value = body.get(name)
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str))


_AUTH_PARAM = re.compile(r'([A-Za-z_][\w-]*)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]*)')


def parse_www_authenticate(value: str) -> dict[str, str]:
    """The auth-params of a ``WWW-Authenticate`` challenge (RFC 6750 Section 3).

    >>> parse_www_authenticate('Bearer realm="photos", error="invalid_token"')["error"]
    'invalid_token'
    """
    scheme, _, rest = value.strip().partition(" ")
    params = {"scheme": scheme} if scheme else {}
    for name, raw in _AUTH_PARAM.findall(rest):
        if raw.startswith('"'):
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        params[name] = raw
    return params
