"""Small real authorization servers, on a socket, for behaviours our server cannot show.

Each is one Starlette app whose habits are chosen by its arguments, so a test knows
the truth of each checklist item against it both ways:

- `login_elsewhere`: /authorize answers 303 to /login?sid=..., a URL without the
  request's state, as many providers move the request to an interaction page;
- `referrer_policy`: the Referrer-Policy header on every page and redirect, or none;
- `any_password`: the login takes any username and password, as a dev login does;
- `require_pkce`: a request without code_challenge is refused (invalid_request);
- `grant_without_scope=False`: a request without scope is granted nothing, and
  answered access_denied;
- `consent`: None, no consent page; else a page with Allow and Deny whose approval
  is remembered per user and client, and a later request for more scope is
  "ask"ed again, or granted without asking what was approved only ("drop"), or all
  of it ("widen", the bug the consent probe looks for).

No lockout, no CSRF token: only what the tests need. Codes are
single-use, PKCE (S256) is checked when a challenge was sent, and a code_verifier
for a code issued without a challenge is refused (RFC 9700 2.1.1).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from codegrant_kit.runner import BackgroundServer, bind_socket, issuer_for
from codegrant_kit.server import ServerConfig, Store


async def _form(request: Request) -> dict[str, str]:
    """The urlencoded body, read with the standard library: Starlette's request.form()
    needs python-multipart, which the kit does not depend on."""
    return dict(parse_qsl((await request.body()).decode("utf-8", "replace")))


@dataclass
class Pending:
    client_id: str
    redirect_uri: str
    state: str | None
    scope: str | None
    challenge: str | None
    user: str = ""


@dataclass
class Issued:
    client_id: str
    redirect_uri: str
    challenge: str | None
    scope: str | None
    used: bool = False


@dataclass
class Seen:
    """What the server received: every authorization request's query, in order."""

    authorizations: list[dict[str, str]] = field(default_factory=list)


class SmallServer(BackgroundServer):
    def __init__(
        self,
        *,
        users: dict[str, str] | None = None,
        scopes: tuple[str, ...] = ("read",),
        login_elsewhere: bool = False,
        referrer_policy: str | None = None,
        any_password: bool = False,
        require_pkce: bool = False,
        grant_without_scope: bool = True,
        consent: str | None = None,
    ) -> None:
        sock = bind_socket("127.0.0.1", 0)
        self.users = users if users is not None else {"alice": "sunshine"}
        self.scopes = scopes
        self.login_elsewhere = login_elsewhere
        self.referrer_policy = referrer_policy
        self.any_password = any_password
        self.require_pkce = require_pkce
        self.grant_without_scope = grant_without_scope
        self.consent = consent
        self._approved: dict[tuple[str, str], set[str]] = {}
        self.seen = Seen()
        self._clients: dict[str, tuple[str, list[str]]] = {}
        self._pending: dict[str, Pending] = {}
        self._codes: dict[str, Issued] = {}
        app = Starlette(
            routes=[
                Route("/.well-known/oauth-authorization-server", self._metadata),
                Route("/register", self._register, methods=["POST"]),
                Route("/authorize", self._authorize),
                Route("/login", self._login_page),
                Route("/login", self._login, methods=["POST"]),
                Route("/consent", self._consent, methods=["POST"]),
                Route("/token", self._token, methods=["POST"]),
            ]
        )
        config = ServerConfig(issuer=issuer_for("127.0.0.1", sock.getsockname()[1]))
        app.state.config = config  # BackgroundServer reads these two
        app.state.store = Store(config)
        super().__init__(sock, app)
        self.start()

    def __enter__(self) -> SmallServer:
        return self

    def _headers(self) -> dict[str, str]:
        headers = {"Cache-Control": "no-store"}
        if self.referrer_policy is not None:
            headers["Referrer-Policy"] = self.referrer_policy
        return headers

    def _redirect(self, url: str, status: int = 302) -> Response:
        return RedirectResponse(url, status_code=status, headers=self._headers())

    async def _metadata(self, request: Request) -> Response:
        metadata: dict[str, object] = {
            "issuer": self.url,
            "authorization_endpoint": self.url + "/authorize",
            "token_endpoint": self.url + "/token",
            "registration_endpoint": self.url + "/register",
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
        }
        if self.scopes:
            metadata["scopes_supported"] = list(self.scopes)
        return JSONResponse(metadata)

    async def _register(self, request: Request) -> Response:
        body = await request.json()
        client_id, secret = secrets.token_urlsafe(8), secrets.token_urlsafe(24)
        self._clients[client_id] = (secret, list(body.get("redirect_uris", [])))
        return JSONResponse(
            {
                "client_id": client_id,
                "client_secret": secret,
                "client_secret_expires_at": 0,
                "redirect_uris": body.get("redirect_uris", []),
                "token_endpoint_auth_method": "client_secret_basic",
                "grant_types": ["authorization_code"],
            },
            status_code=201,
        )

    async def _authorize(self, request: Request) -> Response:
        query = dict(request.query_params)
        self.seen.authorizations.append(query)
        client = self._clients.get(query.get("client_id", ""))
        redirect_uri = query.get("redirect_uri", "")
        if client is None or redirect_uri not in client[1]:
            return HTMLResponse(
                "<html><title>Error</title><body><p>Unknown client or redirect_uri.</p></body>",
                status_code=400,
                headers=self._headers(),
            )
        state = query.get("state")
        if self.require_pkce and not query.get("code_challenge"):
            said = "PKCE is required: send a code_challenge."
            return self._back(redirect_uri, state, error="invalid_request", error_description=said)
        sid = secrets.token_urlsafe(12)
        self._pending[sid] = Pending(
            query["client_id"], redirect_uri, state, query.get("scope"), query.get("code_challenge")
        )
        if self.login_elsewhere:
            return self._redirect(f"{self.url}/login?sid={sid}", 303)
        return self._page(sid)

    def _page(self, sid: str, message: str = "") -> Response:
        notice = f"<p class='error'>{html.escape(message)}</p>" if message else ""
        body = (
            "<html><head><title>Sign in</title></head><body><h1>Sign in</h1>"
            f"{notice}<form method='post' action='{self.url}/login'>"
            f"<input type='hidden' name='sid' value='{sid}'>"
            "<input type='text' name='username'><input type='password' name='password'>"
            "<button type='submit'>Sign in</button></form>"
            "<img src='https://tracker.example/pixel.gif'></body></html>"
        )
        return HTMLResponse(body, headers=self._headers())

    async def _login_page(self, request: Request) -> Response:
        return self._page(request.query_params.get("sid", ""))

    async def _login(self, request: Request) -> Response:
        form = await _form(request)
        sid = str(form.get("sid", ""))
        pending = self._pending.get(sid)
        if pending is None:
            return HTMLResponse("<p>This sign-in has expired.</p>", status_code=400)
        username, password = str(form.get("username", "")), str(form.get("password", ""))
        known = self.users.get(username)
        if not self.any_password and (
            known is None or not hmac.compare_digest(known.encode(), password.encode())
        ):
            return self._page(sid, "Invalid username or password.")
        if not pending.scope and not self.grant_without_scope:
            del self._pending[sid]
            return self._back(pending.redirect_uri, pending.state, error="access_denied")
        pending.user = username
        asked = set((pending.scope or "").split())
        approved = self._approved.get((username, pending.client_id))
        if self.consent is None or (approved is not None and asked <= approved):
            return self._issue(sid, pending.scope)
        if approved is not None and self.consent == "drop":
            return self._issue(sid, " ".join(s for s in asked if s in approved))
        if approved is not None and self.consent == "widen":
            return self._issue(sid, pending.scope)
        body = (
            "<html><head><title>Authorize</title></head><body>"
            f"<p>Allow access to {html.escape(pending.scope or '')}?</p>"
            f"<form method='post' action='{self.url}/consent'>"
            f"<input type='hidden' name='sid' value='{sid}'>"
            "<button type='submit' name='decision' value='allow'>Allow</button>"
            "<button type='submit' name='decision' value='deny'>Deny</button>"
            "</form></body></html>"
        )
        return HTMLResponse(body, headers=self._headers())

    async def _consent(self, request: Request) -> Response:
        form = await _form(request)
        sid = str(form.get("sid", ""))
        pending = self._pending.get(sid)
        if pending is None or not pending.user:
            return HTMLResponse("<p>This consent has expired.</p>", status_code=400)
        if form.get("decision") != "allow":
            del self._pending[sid]
            return self._back(pending.redirect_uri, pending.state, error="access_denied")
        key = (pending.user, pending.client_id)
        self._approved.setdefault(key, set()).update((pending.scope or "").split())
        return self._issue(sid, pending.scope)

    def _issue(self, sid: str, scope: str | None) -> Response:
        pending = self._pending.pop(sid)
        code = secrets.token_urlsafe(16)
        self._codes[code] = Issued(
            pending.client_id, pending.redirect_uri, pending.challenge, scope
        )
        return self._back(pending.redirect_uri, pending.state, code=code)

    def _back(self, redirect_uri: str, state: str | None, **params: str) -> Response:
        if state is not None:
            params["state"] = state
        return self._redirect(f"{redirect_uri}?{urlencode(params)}")

    async def _token(self, request: Request) -> Response:
        form = await _form(request)
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        client_id, _, secret = (
            base64.b64decode(encoded).decode().partition(":") if scheme == "Basic" else ("", "", "")
        )
        client = self._clients.get(client_id)
        if client is None or not hmac.compare_digest(client[0].encode(), secret.encode()):
            return _error(401, "invalid_client", "Client authentication failed.")
        issued = self._codes.get(str(form.get("code", "")))
        if issued is None or issued.used or issued.client_id != client_id:
            return _error(400, "invalid_grant", "Unknown or used code.")
        issued.used = True
        verifier = form.get("code_verifier")
        if issued.challenge is None:
            if verifier is not None:
                return _error(400, "invalid_grant", "A code_verifier for a code without PKCE.")
        else:
            digest = hashlib.sha256(str(verifier or "").encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != issued.challenge:
                return _error(400, "invalid_grant", "The code_verifier does not match.")
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(16),
                "token_type": "Bearer",
                "expires_in": 600,
                "scope": issued.scope or "",
            },
            headers={"Cache-Control": "no-store"},
        )


def _error(status: int, error: str, description: str) -> Response:
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )
