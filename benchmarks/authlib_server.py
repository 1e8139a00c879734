"""Baseline (a): an Authlib authorization server doing the kit's flow, step for step.

    .venv/bin/python benchmarks/authlib_server.py --port 0

`authlib.oauth2.rfc6749` grants (AuthorizationCodeGrant, RefreshTokenGrant with
rotation) behind a small Starlette glue, under the very uvicorn settings the kit
uses (`_serve.py`). The login and consent steps are the kit's: the same pages
(the kit's own Jinja2 templates, compiled once), the same `sessionDataKey`,
CSRF token and browser cookie, so one client drives both servers and the ratio
measures the OAuth machinery. Passwords are compared in plain text, as Authlib's
examples do; the kit is measured with `--password-hash fast` to match.

It knows one client (benchmarks/_lean.py: CLIENT_ID, CLIENT_SECRET, CALLBACK)
and one user (admin:admin). Not a server for anything but this benchmark.
"""

from __future__ import annotations

import hmac
import os
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import jinja2

os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")  # plain http on loopback

from _lean import CALLBACK, CLIENT_ID, CLIENT_SECRET, PASSWORD, SCOPE, USER
from _serve import serve_main
from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin,
    ClientMixin,
    OAuth2Payload,
    OAuth2Request,
    TokenMixin,
    grants,
)
from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

BROWSER_COOKIE = "cgk_browser"
CODE_LIFETIME, TOKEN_LIFETIME, LOGIN_LIFETIME = 300, 3600, 600  # the kit's defaults
PAGES = jinja2.Environment(
    loader=jinja2.PackageLoader("codegrant_kit.server", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
PAGE_HEADERS = {  # what the kit sends with its pages
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
USERS = {USER: PASSWORD}


# -- models (the mixins Authlib asks for) ----------------------------------------


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    client_name: str
    redirect_uris: tuple[str, ...]
    scope: tuple[str, ...]
    grant_types: tuple[str, ...] = ("authorization_code", "refresh_token")

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return " ".join(self.scope)
        return " ".join(s for s in scope.split() if s in self.scope)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(client_secret.encode(), self.client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "client_secret_basic"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types


@dataclass
class Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str | None
    scope: str
    user: str
    expires_at: float

    def get_redirect_uri(self) -> str | None:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


@dataclass
class Token(TokenMixin):
    access_token: str
    refresh_token: str | None
    client_id: str
    scope: str
    user: str
    expires_at: float

    def check_client(self, client: Client) -> bool:
        return self.client_id == client.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return TOKEN_LIFETIME

    def is_expired(self) -> bool:
        return self.expires_at <= time.time()

    def is_revoked(self) -> bool:
        return False


@dataclass
class Pending:
    query: str
    browser: str
    csrf_token: str
    expires_at: float
    client_name: str
    scope: str
    redirect_uri: str
    user: str | None = None


@dataclass
class Memory:
    clients: dict[str, Client] = field(default_factory=dict)
    codes: dict[str, Code] = field(default_factory=dict)
    access: dict[str, Token] = field(default_factory=dict)
    refresh: dict[str, Token] = field(default_factory=dict)
    pending: dict[str, Pending] = field(default_factory=dict)


DB = Memory()


# -- Authlib's seams -------------------------------------------------------------


class Payload(OAuth2Payload):
    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._data = dict(pairs)
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in pairs:
            self._datalist[key].append(value)

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class GlueRequest(OAuth2Request):
    """What Authlib's Flask and Django glue build from their requests, for Starlette."""

    def __init__(
        self,
        method: str,
        uri: str,
        headers: Any,
        query: list[tuple[str, str]],
        form: list[tuple[str, str]],
    ) -> None:
        super().__init__(method=method, uri=uri, headers=headers)
        self._args, self._form = dict(query), dict(form)
        self.payload = Payload(query + form)

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic"]  # noqa: RUF012 - Authlib's API

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        DB.codes[code] = Code(
            code,
            request.client.client_id,
            request.payload.redirect_uri,
            request.scope,
            request.user,
            time.time() + CODE_LIFETIME,
        )

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        item = DB.codes.get(code)
        if item and item.client_id == client.client_id and item.expires_at > time.time():
            return item
        return None

    def delete_authorization_code(self, authorization_code: Code) -> None:
        DB.codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code: Code) -> str:
        return authorization_code.user


class RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic"]  # noqa: RUF012 - Authlib's API
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation, as the kit does

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        token = DB.refresh.get(refresh_token)
        return token if token and not token.is_expired() else None

    def authenticate_user(self, refresh_token: Token) -> str:
        return refresh_token.user

    def revoke_old_credential(self, refresh_token: Token) -> None:
        if refresh_token.refresh_token:
            DB.refresh.pop(refresh_token.refresh_token, None)


class Server(AuthorizationServer):
    def query_client(self, client_id: str) -> Client | None:
        return DB.clients.get(client_id)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        item = Token(
            token["access_token"],
            token.get("refresh_token"),
            request.client.client_id,
            token.get("scope", ""),
            request.user,
            time.time() + token["expires_in"],
        )
        DB.access[item.access_token] = item
        if item.refresh_token:
            DB.refresh[item.refresh_token] = item

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request  # the endpoints below build it

    def handle_response(self, status: int, body: Any, headers: Any) -> Response:
        if isinstance(body, dict):
            return JSONResponse(body, status, headers=dict(headers))
        return Response(body, status, headers=dict(headers))

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass


def make_server() -> Server:
    server = Server(scopes_supported=[SCOPE, "SANDBOX", "photos:read", "profile"])
    server.register_token_generator(
        "default",
        BearerTokenGenerator(
            access_token_generator=lambda **_: generate_token(42),
            refresh_token_generator=lambda **_: generate_token(48),
            expires_generator=TOKEN_LIFETIME,
        ),
    )
    server.register_grant(CodeGrant)
    server.register_grant(RefreshGrant)
    return server


# -- the Starlette endpoints -------------------------------------------------------


def make_app(issuer: str) -> Starlette:
    server = make_server()
    DB.clients[CLIENT_ID] = Client(
        CLIENT_ID, CLIENT_SECRET, "bench", (CALLBACK,), (SCOPE, "SANDBOX", "photos:read", "profile")
    )

    def page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = PAGES.get_template(name).render(root="", issuer=issuer, lab=[], **context)
        return HTMLResponse(html, status, headers=PAGE_HEADERS)

    def oauth_request(request: Request, query: str, form: list[tuple[str, str]]) -> GlueRequest:
        pairs = parse_qsl(query, keep_blank_values=True, errors="strict")
        return GlueRequest(
            request.method, f"{issuer}/authorize?{query}", request.headers, pairs, form
        )

    async def authorize(request: Request) -> Response:
        if request.method == "GET":
            query = request.scope["query_string"].decode("utf-8")
            req = oauth_request(request, query, [])
            try:
                grant = server.get_consent_grant(req, end_user=None)
            except OAuth2Error as error:
                return server.handle_error_response(req, error)
            browser = request.cookies.get(BROWSER_COOKIE) or secrets.token_urlsafe(16)
            key = secrets.token_urlsafe(16)
            pending = Pending(
                query,
                browser,
                secrets.token_urlsafe(16),
                time.time() + LOGIN_LIFETIME,
                grant.client.client_name,
                req.scope or "",
                req.payload.redirect_uri,
            )
            DB.pending[key] = pending
            response = page(
                "login.html",
                client_name=pending.client_name,
                session_data_key=key,
                csrf_token=pending.csrf_token,
                message="",
                username="",
            )
            response.set_cookie(BROWSER_COOKIE, browser, httponly=True, samesite="lax")
            return response
        form = dict(parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True))
        key = form.get("sessionDataKey", "")
        pending = DB.pending.get(key)
        if pending is None or pending.expires_at <= time.time():
            return page("error.html", 400, title="Expired", description="Start again.", note="")
        cookie = request.cookies.get(BROWSER_COOKIE, "")
        same = hmac.compare_digest(cookie.encode(), pending.browser.encode()) & hmac.compare_digest(
            form.get("csrf_token", "").encode(), pending.csrf_token.encode()
        )
        if not same:
            return page("error.html", 403, title="Refused", description="CSRF.", note="")
        if "consent" in form:
            if pending.user is None:
                return page("error.html", 400, title="Sign in", description="First.", note="")
            DB.pending.pop(key, None)
            req = oauth_request(request, pending.query, [])
            user = pending.user if form["consent"] in ("approve", "approveAlways") else None
            try:
                grant = server.get_consent_grant(req, end_user=user)
            except OAuth2Error as error:
                return server.handle_error_response(req, error)
            response = server.create_authorization_response(req, grant_user=user, grant=grant)
            # RFC 9207 2: iss in the authorization response, as the kit sends it
            location = add_params_to_uri(response.headers["location"], [("iss", issuer)])
            response.headers["location"] = location
            response.headers.update({"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})
            return response
        username, password = form.get("username", ""), form.get("password", "")
        expected = USERS.get(username)
        if expected is None or not hmac.compare_digest(password.encode(), expected.encode()):
            return page(
                "login.html",
                client_name=pending.client_name,
                session_data_key=key,
                csrf_token=pending.csrf_token,
                message="Login failed!",
                username=username,
            )
        pending.user = username
        return page(
            "consent.html",
            client_name=pending.client_name,
            username=username,
            scopes=pending.scope.split(),
            scope_descriptions={},
            redirect_uri=pending.redirect_uri,
            session_data_key=key,
            csrf_token=pending.csrf_token,
            message="",
        )

    async def token(request: Request) -> Response:
        form = parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True)
        req = GlueRequest("POST", f"{issuer}/token", request.headers, [], form)
        return server.create_token_response(req)

    async def home(request: Request) -> Response:
        return PlainTextResponse("Authlib baseline")

    return Starlette(
        routes=[
            Route("/", home),
            Route("/authorize", authorize, methods=["GET", "POST"]),
            Route("/token", token, methods=["POST"]),
        ]
    )


if __name__ == "__main__":
    serve_main(make_app, "Authlib baseline authorization server")
