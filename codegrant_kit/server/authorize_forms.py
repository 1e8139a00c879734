"""The login and consent forms of the authorization endpoint (RFC 6749 4.1.2, 10.12).

    (B) POST username, password   wrong: the login page again (WSO2's retry)
    (C) POST consent=approve      302 Found Location: redirect_uri?code&state&iss

The forms carry the pending request's key (`sessionDataKey`, as in WSO2) and a
CSRF token, and only work from the browser that opened the login page: its
cookie, a value the server minted (`browser_cookie`), is bound to the request
(RFC 6749 10.12, RFC 9700 4.7). Each request ends once: of two posts of one
page, only the one that ends it gets a code. The request itself, (A), is
checked in `authorize`.
"""

from __future__ import annotations

import hmac
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from . import browser_cookie
from .endpoint import Endpoint
from .errors import AccessDenied, InvalidRequest, OAuthError, RateLimited
from .httpio import client_address, read_form, redirect
from .pages import error_page, render
from .params import Params
from .passwords import check_off_the_loop
from .records import AuthorizationCode, Client, PendingAuthorization
from .sessions import Sessions
from .store import Store

RETRY_MESSAGE = "Login failed! Please recheck the username and password and try again."
CODE_BYTES = 24


def issue_code(store: Store, pending: PendingAuthorization) -> AuthorizationCode:
    """RFC 6749 4.1.2: a new code for a signed-in, approved request, and a new grant."""
    assert pending.username is not None
    now = store.now()
    mint = store.config.randomness.token
    code = AuthorizationCode(
        code=mint(CODE_BYTES),
        client_id=pending.client_id,
        username=pending.username,
        redirect_uri=pending.redirect_uri if pending.redirect_uri_given else None,
        scope=pending.scope,
        code_challenge=pending.code_challenge,
        code_challenge_method=pending.code_challenge_method,
        issued_at=now,
        # RFC 6749 4.1.2: "The authorization code MUST expire shortly after it is issued"
        expires_at=now + store.config.code_lifetime,
        grant_id=mint(16),
        # OIDC Core 3.1.2.1: the nonce is bound to the code, and goes into the ID token
        nonce=pending.nonce,
        auth_time=pending.auth_time,
        dpop_jkt=pending.dpop_jkt,
        resource=pending.resource,  # RFC 8707 2
    )
    store.add_code(code)
    return code


class LoginAndConsent(Endpoint):
    """(B) and (C), and the responses of the authorization endpoint."""

    sessions: Sessions  # who signed in, in which browser (`sessions`)

    def _cookie_name(self, request: Request) -> str:
        path = request.scope.get("root_path") or "/"
        return browser_cookie.cookie_name(self.config.issuer.startswith("https:"), path)

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
        address = client_address(request)
        # per user AND address, as client_auth counts per client and address: usernames
        # are known, so a count per user alone would let anyone lock the real user out
        keys = [("user", f"{username} {address}"), ("address", address)]
        wait = self.services.throttle.retry_after(keys)
        if wait is not None:
            # RFC 6749 10.10: slow guessing down; the password is not even checked
            message = (
                f"Too many failed sign-ins for this account or address. Try again in "
                f"{max(1, round(wait / 60))} minute(s)."
            )
            return self._login_page(request, pending, client, message, username, 429)
        try:
            if not (username and password):
                ok = False
            else:
                # Argon2id is slow on purpose: the check must not hold up other requests
                ok = await check_off_the_loop(
                    self.config.password_hash, self.store.check_password, username, password
                )
        except ValueError:  # the stored hash cannot be read: no password can match it
            return error_page(
                request,
                self.config,
                "This account cannot sign in",
                "Its stored password is damaged, so no password can be checked against it. "
                "Ask the instructor to give the account again with --user NAME:PASSWORD.",
                status_code=503,
            )
        if not ok:
            self.services.throttle.failed(keys)
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
        self.services.throttle.succeeded(keys[0])
        if not self.store.sign_in(pending, username):
            # another post of this page ended it while the password was checked
            return self._already_answered(request)
        assert pending.auth_time is not None
        # OIDC Core 3.1.2.3: this browser is signed in from now on (`sessions`)
        self.sessions.signed_in(pending.browser, username, pending.auth_time)
        if self._consent_known(pending):
            # approved always before, for this scope or a wider one
            return self._approve(request, pending)
        return self._consent_page(request, pending, client.client_name)

    def _consent_known(self, pending: PendingAuthorization) -> bool:
        """May consent be skipped: did the user Approve Always this scope before?"""
        assert pending.username is not None
        prompt = tuple((pending.prompt or "").split())
        return self._consent_given(pending.username, pending.client_id, pending.scope, prompt)

    def _consent_given(
        self, username: str, client_id: str, scope: tuple[str, ...], prompt: tuple[str, ...]
    ) -> bool:
        # OIDC Core 3.1.2.1 prompt=consent: "SHOULD prompt the End-User for consent"
        if "consent" in prompt:
            return False
        # LAB consent_any_scope: any earlier Approve Always counts, whatever its scope
        scope = () if self.config.lab("consent_any_scope") else scope
        return self.store.has_consent(username, client_id, scope)

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
                request,
                pending,
                client.client_name,
                message="Choose Approve Once, Approve Always or Deny.",
                status_code=400,
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
        code = issue_code(self.store, pending)
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
        return self._form_page(
            request,
            "login.html",
            pending,
            client.client_name,
            message=message,
            status_code=status_code,
            username=username,
        )

    def _consent_page(
        self, request: Request, pending: PendingAuthorization, client_name: str, **page: Any
    ) -> Response:
        """The consent page: who asks (`client_name`), for whom, which scopes, sent where."""
        return self._form_page(
            request,
            "consent.html",
            pending,
            client_name,
            username=pending.username,
            scopes=pending.scope,
            redirect_uri=pending.redirect_uri,
            **page,
        )

    def _form_page(
        self, request: Request, template: str, pending: PendingAuthorization, client_name: str,
        message: str = "", status_code: int = 200, **context: object,
    ) -> Response:  # fmt: skip
        """A page whose form carries the pending request's key and CSRF token."""
        form = {"session_data_key": pending.id, "csrf_token": pending.csrf_token}
        context.update(client_name=client_name, message=message, **form)
        return render(request, self.config, template, status_code, **context)
