"""CORS at the token and revocation endpoints, for browser apps (Fetch Standard, CORS protocol).

A single-page app on https://app.example calls POST /token with `fetch`. Its browser
sends `Origin: https://app.example` and lets the page read the answer only if it
carries `Access-Control-Allow-Origin: https://app.example`. This server says so only
for an origin the client registered: the origin (scheme, host, port) of one of its
redirect URIs, where a browser app lives (OAuth 2.0 for Browser-Based Applications,
draft-ietf-oauth-browser-based-apps 6.3: the authorization server supports CORS at
the token endpoint for the app's origin). Any other page in the same browser gets an
answer it cannot read. No credentials are allowed: the token endpoint needs no cookie,
and `*` with credentials is refused by browsers and by this server.

    POST /token  Origin: https://app.example   (client_id=app, registered
                                                 https://app.example/cb)
    200 ...  Access-Control-Allow-Origin: https://app.example   Vary: Origin

A preflight (OPTIONS, for a request with headers such as DPoP) has no body, so no
client_id: it is allowed for an origin some client registered, and the answer to the
request itself is then decided for its own client.

LAB cors_any_origin: every origin is allowed, with credentials, the misconfiguration
that reflects whatever Origin arrives.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from .client_auth import parse_basic
from .errors import OAuthError
from .httpio import json_error, read_body
from .params import Params
from .records import Client
from .store import Store

Handler = Callable[[Request], Awaitable[Response]]
ALLOWED_HEADERS = "Content-Type, Authorization, DPoP"
MAX_AGE = "600"  # seconds a browser may keep a preflight's answer


def origin_of(uri: str) -> str | None:
    """The origin of an http(s) URI, as a browser sends it in Origin; None for others.

    >>> origin_of("https://app.example:8443/cb?x=1")
    'https://app.example:8443'
    """
    try:
        parts = urlsplit(uri)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    netloc = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{netloc}" + (f":{port}" if port and port != default else "")


def registered_origins(client: Client) -> set[str]:
    """The origins of the client's redirect URIs: where its browser app is served."""
    return {o for o in map(origin_of, client.redirect_uris) if o is not None}


def _client_id(request: Request, params: Params) -> str | None:
    body_id = params.get("client_id")
    if body_id is not None:
        return body_id
    try:
        return parse_basic(request.headers.get("authorization") or "")[0]
    except OAuthError:
        return None


class Cors:
    """Wraps an endpoint's handler: answers preflights, adds the CORS headers it may."""

    def __init__(self, store: Store, handler: Handler) -> None:
        self.store = store
        self.config = store.config
        self.handler = handler

    async def handle(self, request: Request) -> Response:
        origin = request.headers.get("origin")
        asked = request.headers.get("access-control-request-method")
        if request.method == "OPTIONS" and origin is not None and asked is not None:
            return self.preflight(origin, asked)  # any other OPTIONS gets the endpoint's 405
        if origin is None:  # not a cross-origin browser request: nothing to add
            return await self.handler(request)
        try:
            body = await read_body(request)
        except OAuthError as exc:
            return json_error(exc)
        try:
            params = Params.parse(body) if _is_form(request) else Params([])
        except OAuthError:
            params = Params([])  # the endpoint itself says what is wrong with the body

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        response = await self.handler(Request(request.scope, receive))
        client_id = _client_id(request, params)
        client = self.store.get_client(client_id) if client_id else None
        self.allow(response, origin, client is not None and origin in registered_origins(client))
        return response

    def preflight(self, origin: str, method: str) -> Response:
        response = Response(status_code=204)
        if method == "POST":
            registered = any(origin in registered_origins(c) for c in self.store.clients())
            self.allow(response, origin, registered)
            if "access-control-allow-origin" in response.headers:
                response.headers["Access-Control-Allow-Methods"] = "POST"
                response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
                response.headers["Access-Control-Max-Age"] = MAX_AGE
        return response

    def allow(self, response: Response, origin: str, registered: bool) -> None:
        # the answer differs by Origin: a shared cache must keep one per Origin
        response.headers["Vary"] = "Origin"
        if self.config.lab("cors_any_origin"):
            # LAB: reflect any Origin, credentials too
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Credentials"] = "true"
        elif registered:
            # only the client's own origin, never "*", never with credentials
            response.headers["Access-Control-Allow-Origin"] = origin


def _is_form(request: Request) -> bool:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return content_type == "application/x-www-form-urlencoded"
