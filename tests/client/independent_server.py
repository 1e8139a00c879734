"""A second authorization server that owes nothing to codegrant_kit: Authlib over plain WSGI.

The RFC logic (the code grant, PKCE, refresh with rotation, revocation,
introspection, registration, RFC 9207's ``iss``, RFC 6750's bearer checks) is
Authlib's; this file only stores things in dicts and draws the pages. It runs on
the standard library's ``wsgiref`` in a thread, on a free port of 127.0.0.1.

It differs from our server the ways real servers differ, so the client layer is
shown to cope with more than one server's habits:

- a Keycloak-like issuer with a path (``/realms/demo``), its metadata only at
  ``{issuer}/.well-known/openid-configuration``;
- the authorization endpoint redirects to a separate login page, as WSO2 redirects
  to ``/authenticationendpoint/login.do``; the session lives in a cookie, and a
  browser that drops it gets Keycloak's "Cookie not found" page;
- the login form's action is relative, and a wrong password shows Keycloak's
  ``kc-feedback-text`` message;
- consent is a set of radio buttons and one Continue button;
- the API lives outside the issuer's path, and wsgiref answers in HTTP/1.0;
- OpenID Connect is Authlib's too (``authlib.oidc.core``): an ID token signed RS256
  by a joserfc key, with nonce, auth_time and at_hash, and a userinfo endpoint.
"""

from __future__ import annotations

import html
import json
import secrets
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from socketserver import ThreadingMixIn
from types import TracebackType
from typing import Any, ClassVar
from urllib.parse import parse_qsl
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import AuthorizationServer, OAuth2Error, ResourceProtector
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin,
    ClientMixin,
    JsonPayload,
    JsonRequest,
    OAuth2Payload,
    OAuth2Request,
    TokenMixin,
    grants,
)
from authlib.oauth2.rfc6750 import BearerTokenGenerator, BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7591 import ClientRegistrationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc9207 import IssuerParameter
from authlib.oidc.core import AuthorizationCodeMixin as OpenIdCodeMixin
from authlib.oidc.core.grants import OpenIDCode
from joserfc.jwk import RSAKey

SCOPES = ("openid", "profile", "photos")
CODE_LIFETIME = 60  # seconds
COOKIE = "KC_SESSION"


# ---------------------------------------------------------------- models


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    grant_types: list[str]
    scope: str
    token_endpoint_auth_method: str
    client_name: str = ""

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return ""
        allowed = set(self.scope.split())
        return " ".join(item for item in scope.split() if item in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if endpoint == "token":
            return method == self.token_endpoint_auth_method
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types


@dataclass
class AuthorizationCode(OpenIdCodeMixin, AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str | None
    scope: str
    user: str
    code_challenge: str | None
    code_challenge_method: str | None
    nonce: str | None = None
    issued_at: float = field(default_factory=time.time)

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return int(self.issued_at)

    def get_redirect_uri(self) -> str | None:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


@dataclass
class Token(TokenMixin):
    client_id: str
    user: str
    access_token: str
    token_type: str
    scope: str
    expires_in: int
    refresh_token: str | None = None
    issued_at: float = field(default_factory=time.time)
    revoked: bool = False

    def check_client(self, client: Client) -> bool:
        return client.client_id == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return time.time() > self.issued_at + self.expires_in

    def is_revoked(self) -> bool:
        return self.revoked

    def get_user(self) -> str:
        return self.user

    def get_client(self) -> Any:
        return None


@dataclass
class Session:
    query: str
    user: str | None = None
    execution: str = field(default_factory=lambda: secrets.token_urlsafe(16))


@dataclass
class Store:
    users: dict[str, str]
    clients: dict[str, Client] = field(default_factory=dict)
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    tokens: list[Token] = field(default_factory=list)
    sessions: dict[str, Session] = field(default_factory=dict)
    consents: set[tuple[str, str, str]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def token(self, value: str, hint: str | None = None) -> Token | None:
        for token in self.tokens:
            if hint != "refresh_token" and token.access_token == value:
                return token
            if hint != "access_token" and token.refresh_token == value:
                return token
        return None


# ---------------------------------------------------------------- the WSGI side of Authlib


class Headers(dict[str, str]):
    """Case-insensitive lookups, as Authlib reads ``headers.get("Authorization")``."""

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(key.lower(), default)


class Payload(OAuth2Payload):
    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs
        self._data: dict[str, str] = {}
        for name, value in pairs:
            self._data.setdefault(name, value)

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> dict[str, list[str]]:
        values: dict[str, list[str]] = {}
        for name, value in self._pairs:
            values.setdefault(name, []).append(value)
        return values


class Request(OAuth2Request):
    def __init__(
        self, method: str, uri: str, headers: Headers, query: str, body: bytes = b""
    ) -> None:
        super().__init__(method, uri, headers=headers)
        self.query_pairs = parse_qsl(query, keep_blank_values=True)
        self.raw_body = body
        is_form = "x-www-form-urlencoded" in headers.get("content-type", "")
        self.form_pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True) if is_form else []
        self.payload = Payload(self.query_pairs + self.form_pairs)

    @property
    def args(self) -> dict[str, str]:
        return dict(self.query_pairs)

    @property
    def form(self) -> dict[str, str]:
        return dict(self.form_pairs)


class JsonBody(JsonPayload):
    def __init__(self, data: Any) -> None:
        self._data = data

    @property
    def data(self) -> Any:
        return self._data


@dataclass
class Response:
    status: int
    body: bytes
    headers: list[tuple[str, str]]

    @property
    def location(self) -> str | None:
        return next((value for name, value in self.headers if name == "Location"), None)

    @location.setter
    def location(self, value: str) -> None:
        self.headers = [(n, v) for n, v in self.headers if n != "Location"] + [("Location", value)]


# ---------------------------------------------------------------- Authlib grants and endpoints


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = [
        "client_secret_basic",
        "client_secret_post",
        "none",
    ]
    store: Store

    def save_authorization_code(self, code: str, request: Request) -> None:
        data = request.payload.data
        self.store.codes[code] = AuthorizationCode(
            code=code,
            client_id=request.client.client_id,
            redirect_uri=request.payload.redirect_uri,
            scope=request.payload.scope or "",
            user=request.user,
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
            nonce=data.get("nonce"),
        )

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        item = self.store.codes.get(code)
        fresh = item is not None and time.time() < item.issued_at + CODE_LIFETIME
        return item if fresh and item.client_id == client.client_id else None

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        self.store.codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code: AuthorizationCode) -> str:
        return authorization_code.user


class RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = [
        "client_secret_basic",
        "client_secret_post",
        "none",
    ]
    INCLUDE_NEW_REFRESH_TOKEN = True
    store: Store

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        token = self.store.token(refresh_token, "refresh_token")
        return token if token and not token.revoked else None

    def authenticate_user(self, refresh_token: Token) -> str:
        return refresh_token.user

    def revoke_old_credential(self, refresh_token: Token) -> None:
        refresh_token.revoked = True


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic", "client_secret_post"]

    def __init__(self, server: Any, store: Store) -> None:
        super().__init__(server)
        self.store = store

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        return self.store.token(token_string, token_type_hint)

    def revoke_token(self, token: Token, request: Request) -> None:
        token.revoked = True


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic", "client_secret_post"]

    def __init__(self, server: Any, store: Store, issuer: str) -> None:
        super().__init__(server)
        self.store = store
        self.issuer = issuer

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        return self.store.token(token_string, token_type_hint)

    def check_permission(self, token: Token, client: Client, request: Request) -> bool:
        return token.client_id == client.client_id

    def introspect_token(self, token: Token) -> dict[str, Any]:
        return {
            "active": True,
            "client_id": token.client_id,
            "token_type": token.token_type,
            "username": token.user,
            "scope": token.scope,
            "sub": token.user,
            "iss": self.issuer,
            "exp": int(token.issued_at + token.expires_in),
            "iat": int(token.issued_at),
        }


class Registration(ClientRegistrationEndpoint):
    def __init__(self, server: Any, store: Store, metadata: Mapping[str, Any]) -> None:
        super().__init__(server)
        self.store = store
        self.metadata = metadata

    def authenticate_token(self, request: Any) -> bool:
        return True  # open registration (RFC 7591 Section 3 allows it)

    def get_server_metadata(self) -> Mapping[str, Any]:
        return self.metadata

    def save_client(
        self, client_info: Mapping[str, Any], client_metadata: Mapping[str, Any], request: Any
    ) -> Client:
        client = Client(
            client_id=client_info["client_id"],
            client_secret=client_info["client_secret"],
            redirect_uris=list(client_metadata.get("redirect_uris", [])),
            grant_types=list(client_metadata.get("grant_types", ["authorization_code"])),
            scope=client_metadata.get("scope", " ".join(SCOPES)),
            token_endpoint_auth_method=client_metadata.get(
                "token_endpoint_auth_method", "client_secret_basic"
            ),
            client_name=client_metadata.get("client_name", ""),
        )
        self.store.clients[client.client_id] = client
        return client


class Issuer(IssuerParameter):
    def __init__(self, issuer: str) -> None:
        self.issuer = issuer

    def get_issuer(self) -> str:
        return self.issuer


class Bearer(BearerTokenValidator):
    def __init__(self, store: Store) -> None:
        super().__init__(realm="photos")
        self.store = store

    def authenticate_token(self, token_string: str) -> Token | None:
        return self.store.token(token_string, "access_token")


def user_claims(user: str, scope: str) -> dict[str, Any]:
    """The claims of a user for a scope (OpenID Connect Core 5.4)."""
    claims: dict[str, Any] = {"sub": user}
    if "profile" in scope.split():
        claims |= {"name": user.title(), "preferred_username": user}
    return claims


class OpenIdCode(OpenIDCode):
    """Authlib's OpenID Connect extension of the code grant, given its key and issuer."""

    def __init__(self, store: Store, issuer: str, key: RSAKey) -> None:
        super().__init__(require_nonce=False)
        self.store = store
        self.issuer = issuer
        self.key = key

    def resolve_client_private_key(self, client: Client) -> RSAKey:
        return self.key

    def get_client_algorithm(self, client: Client) -> str:
        return "RS256"

    def get_encode_header(self, client: Client) -> dict[str, str]:
        return {"alg": "RS256", "kid": str(self.key.kid)}

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        return {"iss": self.issuer, "aud": [client.client_id], "exp": int(time.time()) + 300}

    def exists_nonce(self, nonce: str, request: Request) -> bool:
        client_id = request.payload.client_id
        return any(c.nonce == nonce and c.client_id == client_id for c in self.store.codes.values())

    def generate_user_info(self, user: str, scope: str) -> dict[str, Any]:
        return user_claims(user, scope)


class Server(AuthorizationServer):
    def __init__(self, store: Store, issuer: str, metadata: Mapping[str, Any], key: RSAKey) -> None:
        super().__init__(scopes_supported=list(SCOPES))
        self.store = store
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                lambda **_: generate_token(42), lambda **_: generate_token(48), lambda c, g: 300
            ),
        )
        CodeGrant.store = store
        RefreshGrant.store = store
        self.register_grant(
            CodeGrant, [CodeChallenge(required=False), OpenIdCode(store, issuer, key)]
        )
        self.register_grant(RefreshGrant)
        self.register_endpoint(Revocation(self, store))
        self.register_endpoint(Introspection(self, store, issuer))
        self.register_endpoint(Registration(self, store, metadata))
        self.register_extension(Issuer(issuer))

    def query_client(self, client_id: str) -> Client | None:
        return self.store.clients.get(client_id)

    def save_token(self, token: Mapping[str, Any], request: Request) -> None:
        self.store.tokens.append(
            Token(
                client_id=request.client.client_id,
                user=request.user,
                access_token=token["access_token"],
                token_type=token["token_type"],
                scope=token.get("scope", ""),
                expires_in=token.get("expires_in", 300),
                refresh_token=token.get("refresh_token"),
            )
        )

    def create_oauth2_request(self, request: Request) -> Request:
        return request

    def create_json_request(self, request: Request) -> JsonRequest:
        json_request = JsonRequest(request.method, request.uri, request.headers)
        try:
            data = json.loads(request.raw_body or b"{}")
        except json.JSONDecodeError:
            data = {}
        json_request.payload = JsonBody(data)
        return json_request

    def handle_response(
        self, status: int, body: Any, headers: Iterable[tuple[str, str]]
    ) -> Response:
        content = json.dumps(body).encode() if isinstance(body, dict) else str(body).encode()
        return Response(status, content, list(headers))

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass


# ---------------------------------------------------------------- pages


def page(title: str, body: str, status: int = 200) -> Response:
    text = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body>"
        f"<div id='kc-content'><h1 id='kc-page-title'>{html.escape(title)}</h1>{body}</div>"
        "</body></html>"
    )
    return Response(status, text.encode(), [("Content-Type", "text/html; charset=utf-8")])


def login_page(session_id: str, session: Session, feedback: str | None = None) -> Response:
    alert = ""
    if feedback:
        text = html.escape(feedback)
        alert = f"<div class='alert-error'><span class='kc-feedback-text'>{text}</span></div>"
    form = (
        f"<form id='kc-form-login' action='authenticate?session={session_id}' method='post'>"
        "<label for='username'>Username or email</label>"
        "<input id='username' name='username' type='text' autofocus>"
        "<label for='password'>Password</label>"
        "<input id='password' name='password' type='password'>"
        f"<input type='hidden' name='execution' value='{session.execution}'>"
        "<input type='checkbox' name='rememberMe'> Remember me"
        "<input type='submit' name='login' id='kc-login' value='Sign In'>"
        "</form>"
    )
    return page("Sign in to your account", alert + form)


def consent_page(session_id: str, session: Session, client: Client, scope: str) -> Response:
    items = "".join(f"<li>{html.escape(item)}</li>" for item in scope.split())
    choices = "".join(
        f"<label><input type='radio' name='consent' value='{value}'"
        f"{' checked' if value == 'approve' else ''}>{label}</label>"
        for value, label in (
            ("approve", "Approve Once"),
            ("approveAlways", "Approve Always"),
            ("deny", "Deny"),
        )
    )
    body = (
        f"<p>{html.escape(client.client_name or client.client_id)} wants to access:</p>"
        f"<ul>{items}</ul>"
        f"<form action='/realms/demo/login-actions/consent?session={session_id}' method='POST'>"
        f"<input type='hidden' name='execution' value='{session.execution}'>{choices}"
        "<button type='submit'>Continue</button><button type='reset'>Clear</button></form>"
    )
    return page("Grant Access", body)


def json_response(status: int, body: Any, extra: Iterable[tuple[str, str]] = ()) -> Response:
    headers = [("Content-Type", "application/json"), *extra]
    return Response(status, json.dumps(body).encode(), headers)


def redirect(location: str, extra: Iterable[tuple[str, str]] = ()) -> Response:
    return Response(302, b"", [("Location", location), *extra])


# ---------------------------------------------------------------- the application


class IndependentServer:
    """Start with ``with IndependentServer() as server:``; ``server.issuer`` is its issuer."""

    def __init__(
        self, users: Mapping[str, str] | None = None, *, tls: ssl.SSLContext | None = None
    ) -> None:
        self.store = Store(users=dict(users or {"alice": "wonderland"}))
        self._httpd = make_server(
            "127.0.0.1", 0, self.wsgi, server_class=ThreadingServer, handler_class=QuietHandler
        )
        scheme = "http"
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
            scheme = "https"
        self.base = f"{scheme}://127.0.0.1:{self._httpd.server_port}"
        self.prefix = "/realms/demo"
        self.issuer = self.base + self.prefix
        oidc = f"{self.issuer}/protocol/openid-connect"
        self.metadata = {
            "issuer": self.issuer,
            "authorization_endpoint": f"{oidc}/auth",
            "token_endpoint": f"{oidc}/token",
            "revocation_endpoint": f"{oidc}/revoke",
            "introspection_endpoint": f"{oidc}/token/introspect",
            "registration_endpoint": f"{self.issuer}/clients-registrations/openid-connect",
            "scopes_supported": list(SCOPES),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": True,
            "jwks_uri": f"{oidc}/certs",
            "userinfo_endpoint": f"{oidc}/userinfo",
            "id_token_signing_alg_values_supported": ["RS256"],
            "subject_types_supported": ["public"],
        }
        self.api_url = f"{self.base}/api/photos"
        self.key = RSAKey.generate_key(2048, parameters={"kid": "independent-1", "use": "sig"})
        self.oauth = Server(self.store, self.issuer, self.metadata, self.key)
        self.resource = ResourceProtector()
        self.resource.register_token_validator(Bearer(self.store))
        self._thread: threading.Thread | None = None

    def __enter__(self) -> IndependentServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        headers = Headers(
            {
                key[5:].replace("_", "-").lower(): value
                for key, value in environ.items()
                if key.startswith("HTTP_")
            }
        )
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        query = environ.get("QUERY_STRING", "")
        path = environ.get("PATH_INFO", "")
        uri = self.base + path + (f"?{query}" if query else "")
        request = Request(environ["REQUEST_METHOD"], uri, headers, query, body)
        cookies = SimpleCookie(headers.get("cookie", ""))
        cookie = cookies[COOKIE].value if COOKIE in cookies else None
        with self.store.lock:
            response = self.route(request, path, cookie)
        reasons = {200: "OK", 201: "Created", 302: "Found", 400: "Bad Request"}
        reasons |= {401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}
        reasons |= {405: "Method Not Allowed"}
        start_response(f"{response.status} {reasons[response.status]}", response.headers)
        return [response.body]

    def route(self, request: Request, path: str, cookie: str | None) -> Response:
        p = self.prefix
        method = request.method
        if path == f"{p}/.well-known/openid-configuration" and method == "GET":
            return json_response(200, self.metadata)
        if path == f"{p}/protocol/openid-connect/certs" and method == "GET":
            return json_response(200, {"keys": [self.key.as_dict(private=False)]})
        if path == f"{p}/protocol/openid-connect/userinfo" and method in ("GET", "POST"):
            return self.userinfo(request)
        if path == f"{p}/protocol/openid-connect/auth" and method == "GET":
            return self.authorize(request)
        if path == f"{p}/login-actions/authenticate":
            return self.authenticate(request, cookie)
        if path == f"{p}/login-actions/consent":
            return self.consent(request, cookie)
        endpoints: dict[str, Callable[[], Response]] = {
            f"{p}/protocol/openid-connect/token": lambda: self.oauth.create_token_response(request),
            f"{p}/protocol/openid-connect/revoke": lambda: self.oauth.create_endpoint_response(
                "revocation", request
            ),
            f"{p}/protocol/openid-connect/token/introspect": lambda: (
                self.oauth.create_endpoint_response("introspection", request)
            ),
            f"{p}/clients-registrations/openid-connect": lambda: (
                self.oauth.create_endpoint_response("client_registration", request)
            ),
        }
        if path in endpoints:
            if method != "POST":
                return json_response(405, {"error": "invalid_request"})
            return endpoints[path]()
        if path == "/api/photos" and method == "GET":
            return self.photos(request)
        return page("Page not found", "<p>No such page.</p>", 404)

    def authorize(self, request: Request) -> Response:
        try:
            self.oauth.get_consent_grant(request=request, end_user=None)
        except OAuth2Error as error:
            status, _, headers = error(None)
            if status == 302:
                # RFC 9207 Section 2: error responses carry iss too.
                location = dict(headers)["Location"]
                return redirect(add_params_to_uri(location, [("iss", self.issuer)]))
            message = f"{error.error}: {error.get_error_description()}"
            text = f"<p class='instruction'>{html.escape(message)}</p>"
            return page("We are sorry...", text, 400)
        session_id = secrets.token_urlsafe(16)
        self.store.sessions[session_id] = Session(query=request.uri.split("?", 1)[1])
        return redirect(
            f"{self.prefix}/login-actions/authenticate?session={session_id}",
            [("Set-Cookie", f"{COOKIE}={session_id}; Path={self.prefix}; HttpOnly")],
        )

    def _session(self, request: Request, cookie: str | None) -> tuple[str, Session] | Response:
        session_id = request.args.get("session", "")
        session = self.store.sessions.get(session_id)
        if session is None or cookie != session_id:
            return page(
                "We are sorry...",
                "<p class='instruction'>Cookie not found. Please make sure cookies are "
                "enabled in your browser.</p>",
                400,
            )
        if request.method == "POST" and request.form.get("execution") != session.execution:
            return page("We are sorry...", "<p class='instruction'>Invalid request.</p>", 400)
        return session_id, session

    def _original(self, session: Session) -> Request:
        query = session.query
        uri = f"{self.metadata['authorization_endpoint']}?{query}"
        return Request("GET", uri, Headers(), query)

    def authenticate(self, request: Request, cookie: str | None) -> Response:
        found = self._session(request, cookie)
        if isinstance(found, Response):
            return found
        session_id, session = found
        if request.method == "GET":
            return login_page(session_id, session)
        username = request.form.get("username", "")
        password = request.form.get("password", "")
        expected = self.store.users.get(username)
        if expected is None or not secrets.compare_digest(expected, password):
            session.execution = secrets.token_urlsafe(16)
            return login_page(session_id, session, "Invalid username or password.")
        session.user = username
        original = self._original(session)
        client_id = original.payload.client_id
        if (username, client_id, original.payload.scope or "") in self.store.consents:
            return self.finish(session_id, session, approve=True)
        return redirect(f"{self.prefix}/login-actions/consent?session={session_id}")

    def consent(self, request: Request, cookie: str | None) -> Response:
        found = self._session(request, cookie)
        if isinstance(found, Response):
            return found
        session_id, session = found
        if session.user is None:
            return page("We are sorry...", "<p>Sign in first.</p>", 400)
        original = self._original(session)
        client = self.store.clients[original.payload.client_id]
        if request.method == "GET":
            return consent_page(session_id, session, client, original.payload.scope or "")
        choice = request.form.get("consent")
        if choice == "approveAlways":
            self.store.consents.add((session.user, client.client_id, original.payload.scope or ""))
        return self.finish(session_id, session, approve=choice in ("approve", "approveAlways"))

    def finish(self, session_id: str, session: Session, *, approve: bool) -> Response:
        original = self._original(session)
        grant = self.oauth.get_consent_grant(request=original, end_user=session.user)
        del self.store.sessions[session_id]
        return self.oauth.create_authorization_response(
            request=original, grant_user=session.user if approve else None, grant=grant
        )

    def photos(self, request: Request) -> Response:
        try:
            token = self.resource.validate_request(["photos"], request)
        except OAuth2Error as error:
            status, body, headers = error()
            extra = [(name, value) for name, value in headers if name != "Content-Type"]
            return json_response(status, body, extra)
        return json_response(200, [{"id": 1, "owner": token.user, "title": "Lake at dawn"}])

    def userinfo(self, request: Request) -> Response:
        """OpenID Connect Core 5.3, with Authlib's bearer check."""
        try:
            token = self.resource.validate_request(["openid"], request)
        except OAuth2Error as error:
            status, body, headers = error()
            extra = [(name, value) for name, value in headers if name != "Content-Type"]
            return json_response(status, body, extra)
        return json_response(200, user_claims(token.user, token.scope))

    def register(self, *, redirect_uri: str, auth_method: str = "client_secret_basic") -> Client:
        """A client added directly, as an administrator would in the console."""
        client = Client(
            client_id=generate_token(24),
            client_secret=generate_token(32),
            redirect_uris=[redirect_uri],
            grant_types=["authorization_code", "refresh_token"],
            scope=" ".join(SCOPES),
            token_endpoint_auth_method=auth_method,
            client_name="Console app",
        )
        self.store.clients[client.client_id] = client
        return client


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    disable_nagle_algorithm = True  # headers and body leave in separate writes

    def log_message(self, format: str, *args: Any) -> None:
        pass
