"""The authorization endpoint: request, login, consent, redirect (RFC 6749 4.1.1, 4.1.2).

    Browser                    Authorization server
      | (A) GET /authorize?response_type=code&client_id&redirect_uri&scope&state
      |------------------------------>|  check client and redirect_uri (no redirect if bad)
      |<------ 200 login page --------|
      | (B) POST username, password   |  wrong: the login page again (WSO2's retry)
      |------------------------------>|
      |<------ 200 consent page ------|  skipped after Approve Always for the same scope
      | (C) POST consent=approve      |
      |------------------------------>|
      |<-- 302 Found Location: redirect_uri?code&state&iss

The login and consent forms carry the pending request's key (`sessionDataKey`,
as in WSO2) and a CSRF token, and only work from the browser that opened the
login page: its cookie, a value the server minted (`browser_cookie`), is bound to
the request (RFC 6749 10.12, RFC 9700 4.7). Each request ends once: of two posts of
one page, only the one that ends it gets a code.
"""

from __future__ import annotations

import hmac
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from . import browser_cookie, pkce
from .callback_patterns import PatternTimeout, fullmatch_any
from .config import ServerConfig
from .errors import (
    AccessDenied,
    FatalAuthorizationError,
    InvalidRequest,
    OAuthError,
    RateLimited,
    UnauthorizedClient,
    UnregisteredRedirectUri,
    UnsupportedResponseType,
)
from .httpio import client_address, rate_limited, read_form, redirect
from .pages import error_page, render
from .params import Params
from .passwords import check_off_the_loop
from .registration import REGEXP_PREFIX
from .scopes import parse_scope
from .store import Client, PendingAuthorization, Store

BROWSER_COOKIE = browser_cookie.NAME  # __Host-cgk_browser under TLS (`browser_cookie`)
# RFC 6749 4.1.1 puts no limit on state; JWT-shaped states of a kilobyte or so exist
MAX_STATE = 2048
RETRY_MESSAGE = "Login failed! Please recheck the username and password and try again."
NOT_SENT_BACK = (
    "The client or its redirect URI could not be verified, so this server does not send "
    "you back to it (RFC 6749 4.1.2.1)."
)
NOT_SENT_BACK_STATE = (
    "An error response must carry the exact state the client sent (RFC 6749 4.1.2.1), "
    "and this one is too long to keep, so this server does not send you back to it."
)


class AuthorizationEndpoint:
    def __init__(self, config: ServerConfig, store: Store) -> None:
        self.config = config
        self.store = store
        self._key: bytes | None = None  # the browser cookie's HMAC key, made when first needed

    async def handle(self, request: Request) -> Response:
        limited = rate_limited(self.store, "authorize", request)
        if limited is not None:
            return self._too_many(request, "Too many requests", limited)
        if request.method == "GET":
            return await self.start(request)
        if request.method == "POST":
            return await self.submit(request)
        return error_page(
            request, self.config, "Method not allowed", "Use GET or POST.", status_code=405
        )

    # -- (A) the authorization request ----------------------------------------

    async def start(self, request: Request) -> Response:
        try:
            params = Params.parse(request.scope["query_string"])
            client, redirect_uri = self._trusted_client(params)
        except UnregisteredRedirectUri as exc:
            if self.config.lab("open_redirect"):
                # LAB: bounce the browser to whatever URI it was given
                error = InvalidRequest(exc.description)
                return self._error_redirect(exc.redirect_uri, error, params.get("state"))
            return error_page(request, self.config, exc.title, exc.description, note=NOT_SENT_BACK)
        except (FatalAuthorizationError, InvalidRequest) as exc:
            title = getattr(exc, "title", "Bad authorization request")
            description = getattr(exc, "description", str(exc))
            return error_page(request, self.config, title, description, note=NOT_SENT_BACK)
        state = params.get("state")
        if state is not None and len(state) > MAX_STATE:
            # RFC 6749 4.1.2.1: an error response carries state, "the exact value
            # received from the client"; it is not kept, so no redirect can be right
            return error_page(
                request,
                self.config,
                "state is too long",
                f"The request's state is {len(state)} characters long; this server keeps "
                f"at most {MAX_STATE}. Send a shorter state (a random value of 32 "
                "characters is plenty against CSRF), or keep what it stands for in the "
                "client's session.",
                note=NOT_SENT_BACK_STATE,
            )
        try:
            fields = self._validate(params, client)
        except OAuthError as exc:
            return self._error_redirect(redirect_uri, exc, state)
        sent = request.cookies.get(self._cookie_name(request), "")
        # RFC 6749 10.12: the forms are tied to a value this server minted, never to
        # one the browser arrived with from elsewhere (planted, or 64 MiB long)
        key = self._browser_key()
        ours = browser_cookie.is_ours(key, sent)
        browser = sent if ours else browser_cookie.mint(key, self.store.new_secret(16))
        try:
            pending = self.store.add_pending(
                browser=browser,
                address=client_address(request),
                client_id=client.client_id,
                redirect_uri=redirect_uri,
                redirect_uri_given=params.get("redirect_uri") is not None,
                state=state,
                **fields,
            )
        except RateLimited as exc:
            return self._too_many(request, "Too many sign-in pages open", exc)
        response = self._login_page(request, pending, client)
        if not ours:  # a browser that has its cookie keeps it: nothing to set again
            response.set_cookie(
                self._cookie_name(request),
                browser,
                path=request.scope.get("root_path") or "/",
                httponly=True,
                samesite="lax",
                secure=self.config.issuer.startswith("https:"),
            )
        return response

    def _cookie_name(self, request: Request) -> str:
        path = request.scope.get("root_path") or "/"
        return browser_cookie.cookie_name(self.config.issuer.startswith("https:"), path)

    def _browser_key(self) -> bytes:
        if self._key is None:
            # made at the first login page, from the server's randomness (so a seeded
            # tutorial repeats), and kept with --db: cookies outlive a restart
            self._key = self.store.keep_secret(
                "browser_cookie_key", lambda: self.store.new_secret(32).encode()
            )
        return self._key

    def _trusted_client(self, params: Params) -> tuple[Client, str]:
        """The client and redirect URI, or an error that must not redirect."""
        if params.repeated & {"client_id", "redirect_uri"}:
            raise FatalAuthorizationError(
                "Bad authorization request",
                "client_id or redirect_uri appears more than once (RFC 6749 3.1).",
            )
        # REQUIRED. The client identifier as described in Section 2.2.
        client_id = params.get("client_id")
        if client_id is None:
            raise FatalAuthorizationError(
                "Unknown application", "The request has no client_id (RFC 6749 4.1.1)."
            )
        client = self.store.get_client(client_id)
        if client is None:
            raise FatalAuthorizationError(
                "Unknown application",
                f"No application is registered with client_id {client_id!r}. Check the "
                "consumer key you copied from the Developer Portal.",
            )
        redirect_uri = params.get("redirect_uri")
        if redirect_uri is None:
            # RFC 6749 3.1.2.3: may be left out when exactly one URI is registered
            if len(client.redirect_uris) != 1:
                raise FatalAuthorizationError(
                    "Missing redirect_uri",
                    "The request has no redirect_uri and the application has "
                    f"{len(client.redirect_uris)} registered, so there is no telling where "
                    "to send you (RFC 6749 3.1.2.3).",
                )
            return client, client.redirect_uris[0]
        # RFC 9700 2.1: redirect URIs are compared by exact string matching
        if redirect_uri in client.redirect_uris:
            return client, redirect_uri
        # RFC 8252 7.3: "MUST allow any port to be specified at the time of the request
        # for loopback IP redirect URIs", the one exception RFC 9700 2.1 makes
        portless = _loopback_without_port(redirect_uri)
        if portless is not None and portless in map(_loopback_without_port, client.redirect_uris):
            return client, redirect_uri
        if self._pattern_matches(client, redirect_uri):
            return client, redirect_uri
        localhost = ""
        if redirect_uri.startswith(("http://localhost:", "http://localhost/")):
            localhost = (
                " 'localhost' is matched exactly, port too: RFC 8252 8.3 advises against it; "
                "register http://127.0.0.1/... to have any port accepted."
            )
        raise UnregisteredRedirectUri(
            "Redirect URI mismatch",
            f"redirect_uri {redirect_uri!r} is not registered for {client.client_name!r}. "
            f"Registered: {', '.join(client.redirect_uris)}. The match is exact, "
            "character by character (RFC 9700 2.1), except for the port of "
            f"http://127.0.0.1 and http://[::1] (RFC 8252 7.3).{localhost}",
            redirect_uri,
        )

    def _pattern_matches(self, client: Client, redirect_uri: str) -> bool:
        """LAB regexp_redirect_uris: WSO2's `regexp=` callbacks, as loose as they are written."""
        if not self.config.lab("regexp_redirect_uris"):
            return False
        patterns = [
            u.removeprefix(REGEXP_PREFIX)
            for u in client.redirect_uris
            if u.startswith(REGEXP_PREFIX)
        ]
        try:
            return fullmatch_any(patterns, redirect_uri)
        except PatternTimeout as exc:
            raise FatalAuthorizationError(
                "Callback pattern took too long",
                f"{exc} A pattern with nested quantifiers, such as (a+)+, backtracks "
                "exponentially: one more reason to match redirect URIs exactly "
                "(RFC 9700 2.1).",
            ) from None

    def _validate(self, params: Params, client: Client) -> dict[str, Any]:
        """The rest of the request; errors here go back to the client."""
        params.check_not_repeated()
        # REQUIRED. Value MUST be set to "code".
        response_type = params.require("response_type")
        if response_type != "code":
            raise UnsupportedResponseType(
                f"response_type {response_type!r} is not supported; use 'code'."
            )
        if "authorization_code" not in client.grant_types:
            raise UnauthorizedClient("This application is not allowed the Code grant.")
        scope = parse_scope(params.get("scope"), client.scope, client.scope)
        challenge = params.get("code_challenge")
        method = params.get("code_challenge_method")
        if challenge is None and method is not None:
            raise InvalidRequest("code_challenge_method was sent without a code_challenge.")
        if challenge is not None:
            # RFC 7636 4.3: the method defaults to "plain", which this server refuses
            if method != "S256":
                raise InvalidRequest(
                    f"code_challenge_method {method or 'plain (the default)'!r} is not "
                    "supported; use S256 (RFC 7636 4.4.1)."
                )
            if not pkce.is_valid_challenge(challenge):
                raise InvalidRequest(
                    "code_challenge must be 43 characters of base64url: "
                    "BASE64URL(SHA256(code_verifier)) (RFC 7636 4.2)."
                )
        return {"scope": scope, "code_challenge": challenge, "code_challenge_method": method}

    # -- (B) and (C): the login and consent forms -------------------------------

    async def submit(self, request: Request) -> Response:
        try:
            form = await read_form(request)
            form.check_not_repeated()
        except InvalidRequest as exc:
            return error_page(request, self.config, "Bad form", exc.description)
        pending = self.store.get_pending(form.get("sessionDataKey") or "")
        if pending is None:
            return error_page(
                request,
                self.config,
                "This page has expired",
                "This sign-in page has expired or was used already. Go back to the "
                "application and start again.",
            )
        if not self._same_browser(request, form, pending):
            return error_page(
                request,
                self.config,
                "Request refused",
                "The form was not sent by the browser that opened it (missing or wrong "
                "CSRF token or cookie), so it was refused (RFC 6749 10.12).",
                status_code=403,
            )
        client = self.store.get_client(pending.client_id)
        assert client is not None  # clients are never deleted
        if form.get("consent") is not None:
            return self._consent(request, form, pending, client)
        return await self._login(request, form, pending, client)

    def _same_browser(self, request: Request, form: Params, pending: PendingAuthorization) -> bool:
        if self.config.lab("login_csrf"):
            return True  # LAB: any page may post these forms
        cookie = request.cookies.get(self._cookie_name(request), "")
        token = form.get("csrf_token") or ""
        return hmac.compare_digest(cookie.encode(), pending.browser.encode()) & hmac.compare_digest(
            token.encode(), pending.csrf_token.encode()
        )

    async def _login(
        self, request: Request, form: Params, pending: PendingAuthorization, client: Client
    ) -> Response:
        username = form.get("username") or ""
        password = form.get("password") or ""
        keys = [("user", username), ("address", client_address(request))]
        wait = self.store.throttle.retry_after(keys)
        if wait is not None:
            # RFC 6749 10.10: slow guessing down; the password is not even checked
            message = (
                f"Too many failed sign-ins for this account or address. Try again in "
                f"{max(1, round(wait / 60))} minute(s)."
            )
            return self._login_page(request, pending, client, message, username, 429)
        if not (username and password):
            ok = False
        else:
            # Argon2id is slow on purpose: the check must not hold up other requests
            ok = await check_off_the_loop(
                self.config.password_hash, self.store.check_password, username, password
            )
        if not ok:
            self.store.throttle.failed(keys)
            failures = self.store.failed_sign_in(pending, username)
            if failures >= self.config.max_login_attempts:
                self.store.end_pending(pending.id)
                return error_page(
                    request,
                    self.config,
                    "Too many failed sign-ins",
                    f"{failures} wrong passwords on one sign-in page. Go back "
                    "to the application and start again.",
                    status_code=429,
                )
            return self._login_page(request, pending, client, RETRY_MESSAGE, username)
        self.store.throttle.succeeded(("user", username))
        if not self.store.sign_in(pending, username):
            # another post of this page ended it while the password was checked
            return self._already_answered(request)
        # LAB consent_any_scope: any earlier Approve Always counts, whatever its scope
        scope = () if self.config.lab("consent_any_scope") else pending.scope
        if self.store.has_consent(username, client.client_id, scope):
            # approved always before, for this scope or a wider one
            return self._approve(request, pending)
        return self._consent_page(request, pending, client)

    def _consent(
        self, request: Request, form: Params, pending: PendingAuthorization, client: Client
    ) -> Response:
        choice = form.get("consent")
        if pending.username is None:
            return error_page(
                request, self.config, "Sign in first", "Consent was sent before signing in."
            )
        if choice not in ("approve", "approveAlways", "deny"):
            return self._consent_page(
                request, pending, client, "Choose Approve Once, Approve Always or Deny.", 400
            )
        if choice == "deny":
            if self.store.end_pending(pending.id) is None:
                return self._already_answered(request)
            return self._error_redirect(
                pending.redirect_uri,
                AccessDenied("The resource owner denied the request."),
                pending.state,
            )
        return self._approve(request, pending, always=choice == "approveAlways")

    def _approve(
        self, request: Request, pending: PendingAuthorization, *, always: bool = False
    ) -> Response:
        # RFC 6749 4.1.2: a code for one authorization; of two posts of one page (two
        # tabs, a double click) only the one that ends the pending authorization gets it
        if self.store.end_pending(pending.id) is None:
            return self._already_answered(request)
        assert pending.username is not None
        if always:
            self.store.remember_consent(pending.username, pending.client_id, pending.scope)
        code = self.store.issue_code(pending)
        # RFC 6749 4.1.2 code and state; RFC 9207 2: iss
        return self._redirect(pending.redirect_uri, {"code": code.code, "state": pending.state})

    def _already_answered(self, request: Request) -> Response:
        return error_page(
            request,
            self.config,
            "Already answered",
            "This sign-in page was answered already, in another tab or by a second click. "
            "Go back to the application: it has its answer, or start again there.",
        )

    # -- responses --------------------------------------------------------------

    def _too_many(self, request: Request, title: str, error: RateLimited) -> Response:
        # RFC 6585 4: 429 Too Many Requests, with Retry-After (RFC 9110 10.2.3)
        response = error_page(request, self.config, title, error.description, status_code=429)
        response.headers["Retry-After"] = str(error.retry_after)
        return response

    def _error_redirect(self, redirect_uri: str, error: OAuthError, state: str | None) -> Response:
        # RFC 6749 4.1.2.1: error, error_description, state; RFC 9207 2: iss
        return self._redirect(
            redirect_uri,
            {"error": error.error, "error_description": error.description, "state": state},
        )

    def _redirect(self, redirect_uri: str, params: dict[str, str | None]) -> Response:
        # RFC 9207 2: iss in every authorization response (LAB no_iss leaves it out)
        iss = None if self.config.lab("no_iss") else self.config.issuer
        return redirect(
            redirect_uri,
            {**params, "iss": iss},
            referrer_policy=not self.config.lab("referrer_leak"),
        )

    def _login_page(
        self,
        request: Request,
        pending: PendingAuthorization,
        client: Client,
        message: str = "",
        username: str = "",
        status_code: int = 200,
    ) -> Response:
        return render(
            request,
            self.config,
            "login.html",
            status_code,
            client_name=client.client_name,
            session_data_key=pending.id,
            csrf_token=pending.csrf_token,
            message=message,
            username=username,
        )

    def _consent_page(
        self,
        request: Request,
        pending: PendingAuthorization,
        client: Client,
        message: str = "",
        status_code: int = 200,
    ) -> Response:
        return render(
            request,
            self.config,
            "consent.html",
            status_code,
            client_name=client.client_name,
            username=pending.username,
            scopes=pending.scope,
            redirect_uri=pending.redirect_uri,
            session_data_key=pending.id,
            csrf_token=pending.csrf_token,
            message=message,
        )


# RFC 8252 7.3: http, a loopback IP literal (not "localhost", 8.3), maybe a port
_LOOPBACK = re.compile(r"http://(127\.0\.0\.1|\[::1\])(?::([0-9]{1,5}))?(?=[/?]|$)")


def _loopback_without_port(uri: str) -> str | None:
    """A loopback redirect URI with its port left out; None for any other URI.

    >>> _loopback_without_port("http://127.0.0.1:51004/cb")
    'http://127.0.0.1/cb'
    """
    match = _LOOPBACK.match(uri)
    if match is None or int(match[2] or 0) > 65535:
        return None
    return f"http://{match[1]}{uri[match.end() :]}"
