"""Pushed Authorization Requests (RFC 9126): push the request, send the browser a reference.

    request = par_request(endpoints, params, auth=...)   # the POST, built, not sent
    pushed = push_authorization_request(endpoints, params, auth=..., http=...)
    pushed.request_uri, pushed.expires_in                # RFC 9126 2.2
    par_authorization_url(endpoints, client_id, pushed.request_uri)

The parameters go to the server over the back channel, with client
authentication; the browser's URL holds only ``client_id`` and ``request_uri``,
so nothing on the front channel can change them. Plain functions over httpx:
they work with any server whose metadata lists a
``pushed_authorization_request_endpoint``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from .discovery import Endpoints
from .errors import ClientError


@dataclass(frozen=True)
class PushedRequest:
    """The server's answer to a push (RFC 9126 2.2)."""

    request_uri: str
    expires_in: int
    raw: Mapping[str, Any]


def par_endpoint(endpoints: Endpoints) -> str:
    """The pushed_authorization_request_endpoint of the server's metadata (RFC 9126 5)."""
    url = endpoints.metadata.get("pushed_authorization_request_endpoint")
    if not isinstance(url, str) or not url:
        raise ClientError(
            "This server's metadata lists no pushed_authorization_request_endpoint: it "
            "does not take pushed authorization requests (RFC 9126 5)."
        )
    return url


def par_required(endpoints: Endpoints) -> bool:
    """Does the server take pushed requests only (require_pushed_authorization_requests)?"""
    return endpoints.metadata.get("require_pushed_authorization_requests") is True


def par_request(
    endpoints: Endpoints,
    params: Mapping[str, str],
    *,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, str] | None = None,
) -> httpx.Request:
    """The PAR POST, built but not sent: the authorization request's parameters as a form.

    ``headers`` carries client authentication in a header (``Authorization: Basic``);
    ``extra`` in the body (``client_assertion``, or ``client_secret`` for
    client_secret_post). RFC 9126 2.1: request_uri must not be among the parameters.

    >>> e = Endpoints("https://as.example", "https://as.example/authorize",
    ...               "https://as.example/token",
    ...               metadata={"pushed_authorization_request_endpoint": "https://as.example/par"})
    >>> par_request(e, {"client_id": "c", "response_type": "code"}).content
    b'client_id=c&response_type=code'
    """
    if "request_uri" in params:
        raise ClientError("A pushed request must not hold request_uri (RFC 9126 2.1).")
    form = {**params, **(extra or {})}
    return httpx.Request(
        "POST",
        par_endpoint(endpoints),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            **(headers or {}),
        },
        content=urlencode(form).encode("ascii"),
    )


def read_par_response(response: httpx.Response) -> PushedRequest:
    """The request_uri and expires_in of a 201 (RFC 9126 2.2), or the error (2.3)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ClientError(f"The PAR endpoint answered {response.status_code} without JSON.")
    # RFC 9126 2.2: "201 Created"
    if response.status_code != 201:
        raise ClientError(
            f"The PAR endpoint refused the request ({response.status_code} "
            f"{body.get('error')}): {body.get('error_description', '')}".rstrip(": ")
        )
    request_uri, expires_in = body.get("request_uri"), body.get("expires_in")
    if not isinstance(request_uri, str) or not isinstance(expires_in, int):
        raise ClientError("The PAR response lacks request_uri or expires_in (RFC 9126 2.2).")
    return PushedRequest(request_uri, expires_in, body)


def push_authorization_request(
    endpoints: Endpoints,
    params: Mapping[str, str],
    *,
    http: httpx.Client,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, str] | None = None,
) -> PushedRequest:
    """Push the request and read the answer (see `par_request` for the arguments)."""
    request = par_request(endpoints, params, headers=headers, extra=extra)
    return read_par_response(http.send(request))


def par_authorization_url(endpoints: Endpoints, client_id: str, request_uri: str) -> str:
    """The URL the browser opens: client_id and request_uri only (RFC 9126 4).

    >>> e = Endpoints("https://as.example", "https://as.example/authorize", "https://as.example/token")
    >>> par_authorization_url(e, "c", "urn:ietf:params:oauth:request_uri:x")
    'https://as.example/authorize?client_id=c&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Ax'
    """
    query = urlencode({"client_id": client_id, "request_uri": request_uri})
    separator = "&" if "?" in endpoints.authorization_endpoint else "?"
    return f"{endpoints.authorization_endpoint}{separator}{query}"
