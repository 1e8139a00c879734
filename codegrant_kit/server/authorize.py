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

This module checks the request, (A); `authorize_forms` answers the forms, (B) and (C).
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from . import browser_cookie, pkce
from .authentication_request import (
    check_nonce,
    must_sign_in_again,
    parse_max_age,
    parse_prompt,
    refuse_request_objects,
)
from .authorize_forms import RETRY_MESSAGE, LoginAndConsent, issue_code
from .callback_patterns import PatternTimeout, fullmatch_any
from .config import ServerConfig
from .dpop import check_dpop_jkt
from .errors import (
    ConsentRequired,
    FatalAuthorizationError,
    InvalidRequest,
    InvalidScope,
    LoginRequired,
    OAuthError,
    RateLimited,
    UnauthorizedClient,
    UnregisteredRedirectUri,
    UnsupportedResponseType,
)
from .httpio import client_address, rate_limited
from .pages import error_page
from .par import REQUEST_URI_PREFIX, pushed_requests
from .params import Params
from .records import Client
from .registration import REGEXP_PREFIX
from .resource_indicators import requested_resource
from .scopes import default_scope, parse_scope
from .services import Services
from .sessions import Session, Sessions
from .store import Store

__all__ = ["BROWSER_COOKIE", "MAX_STATE", "RETRY_MESSAGE", "AuthorizationEndpoint", "issue_code"]

BROWSER_COOKIE = browser_cookie.NAME  # __Host-cgk_browser under TLS (`browser_cookie`)
# RFC 6749 4.1.1 puts no limit on state; JWT-shaped states of a kilobyte or so exist
MAX_STATE = 2048
NOT_SENT_BACK = (
    "The client or its redirect URI could not be verified, so this server does not send "
    "you back to it (RFC 6749 4.1.2.1)."
)
NOT_SENT_BACK_STATE = (
    "An error response must carry the exact state the client sent (RFC 6749 4.1.2.1), "
    "and this one is too long to keep, so this server does not send you back to it."
)


class AuthorizationEndpoint(LoginAndConsent):
    methods = ("GET", "POST")

    def __init__(
        self, config: ServerConfig, store: Store, services: Services | None = None
    ) -> None:
        super().__init__(config, store, services)
        self._key: bytes | None = None  # the browser cookie's HMAC key, made when first needed
        self.sessions = Sessions()  # who signed in, in which browser (OIDC Core 3.1.2.3)

    async def handle(self, request: Request) -> Response:
        limited = rate_limited(self.services, "authorize", request)
        if limited is not None:
            return self._too_many(request, "Too many requests", limited)
        return await super().handle(request)

    def method_not_allowed(self, request: Request) -> Response:
        response = error_page(
            request, self.config, "Method not allowed", "Use GET or POST.", status_code=405
        )
        response.headers["Allow"] = ", ".join(self.methods)  # RFC 9110 15.5.6
        return response

    async def get(self, request: Request) -> Response:
        return await self.start(request)

    async def post(self, request: Request) -> Response:
        return await self.submit(request)

    # -- (A) the authorization request ----------------------------------------

    async def start(self, request: Request) -> Response:
        try:
            params, pushed = self._pushed(Params.parse(request.scope["query_string"]))
            client, redirect_uri = self._trusted_client(params)
            # RFC 9126 5, 6: the server or this client accepts pushed requests only
            required = self.config.require_pushed_authorization_requests
            if not pushed and (required or client.require_pushed_authorization_requests):
                raise FatalAuthorizationError(
                    "Pushed authorization request required",
                    "This server takes this application's authorization requests only when "
                    "pushed first: the application POSTs them to the "
                    "pushed_authorization_request_endpoint and sends the browser here with "
                    "client_id and the request_uri it got back (RFC 9126 4, 5).",
                )
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
        browser = sent if ours else browser_cookie.mint(key, self.config.randomness.token(16))
        session = self._session(browser if ours else None, fields)
        prompt = parse_prompt(fields["prompt"])
        if "none" in prompt:
            # OIDC Core 3.1.2.1 prompt=none: "MUST NOT display any authentication or
            # consent user interface pages"; 3.1.2.6 names the errors
            refusal = self._silent_refusal(session, client, fields["scope"], prompt)
            if refusal is not None:
                return self._error_redirect(redirect_uri, refusal, state)
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
        if session is not None:
            # OIDC Core 3.1.2.3: signed in already, at auth_time: no login page
            if not self.store.sign_in(pending, session.username, session.auth_time):
                return self._already_answered(request)
            if self._consent_known(pending):
                return self._approve(request, pending)
            return self._consent_page(request, pending, client.client_name)
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

    def _pushed(self, params: Params) -> tuple[Params, bool]:
        """The pushed request a request_uri stands for (RFC 9126 4), or the request as sent."""
        request_uri = params.get("request_uri")
        if request_uri is None or not request_uri.startswith(REQUEST_URI_PREFIX):
            return params, False
        pushed = pushed_requests(self.services).take(request_uri, params.get("client_id") or "")
        if pushed is None:
            raise FatalAuthorizationError(
                "Unknown request_uri",
                "This request_uri is unknown, was used already, belongs to another "
                "application, or has expired: each one works once, for the client_id that "
                "pushed it, within its expires_in (RFC 9126 2.2, 4). The application should "
                "push its request again.",
            )
        # RFC 9126 4, RFC 9101 5: parameters beside request_uri are ignored
        return Params(list(pushed.pairs)), True

    def _session(self, browser: str | None, fields: dict[str, Any]) -> Session | None:
        """The browser's sign-in, if this request may use it instead of the login page."""
        # a plain OAuth request signs in every time, as in the WSO2 guide (`sessions`)
        if browser is None or "openid" not in fields["scope"]:
            return None
        now = self.store.now()
        session = self.sessions.of(browser, now)
        # an account dropped since (admit_only) signs in no more
        if session is None or self.store.get_user(session.username) is None:
            return None
        if must_sign_in_again(session, parse_prompt(fields["prompt"]), fields["max_age"], now):
            return None
        return session

    def _silent_refusal(
        self,
        session: Session | None,
        client: Client,
        scope: tuple[str, ...],
        prompt: tuple[str, ...],
    ) -> OAuthError | None:
        """Why prompt=none cannot be answered without a page (OIDC Core 3.1.2.6), if so."""
        if session is None:
            return LoginRequired(
                "prompt=none asks for no page, but nobody is signed in in this browser for an "
                "OpenID Connect request (scope openid), or the sign-in is older than max_age: "
                "send the request without prompt=none, so that the user can sign in "
                "(OIDC Core 3.1.2.6)."
            )
        if not self._consent_given(session.username, client.client_id, scope, prompt):
            return ConsentRequired(
                f"prompt=none asks for no page, but {session.username} has not approved "
                f"{' '.join(scope)!r} for this application with Approve Always: send the "
                "request without prompt=none, so that the user can be asked "
                "(OIDC Core 3.1.2.6)."
            )
        return None

    def _browser_key(self) -> bytes:
        if self._key is None:
            # made at the first login page, from the server's randomness (so a seeded
            # tutorial repeats), and kept with --db: cookies outlive a restart
            self._key = self.store.keep_secret(
                "browser_cookie_key", lambda: self.config.randomness.token(32).encode()
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
        resource = requested_resource(self.config, params)  # RFC 8707 2, before 3.1's rule
        params.check_not_repeated()
        # REQUIRED. Value MUST be set to "code".
        response_type = params.require("response_type")
        if response_type != "code":
            raise UnsupportedResponseType(
                f"response_type {response_type!r} is not supported; use 'code'."
            )
        if "authorization_code" not in client.grant_types:
            raise UnauthorizedClient("This application is not allowed the Code grant.")
        # RFC 6749 3.3 a default when scope is left out: never openid (`scopes`)
        default = default_scope(client.scope)
        if params.get("scope") is None and not default:
            # RFC 6749 3.3: without a default, "fail the request indicating an invalid scope"
            raise InvalidScope(
                f"This application may ask for {' '.join(client.scope)} only, none of which "
                "is granted without being asked for: send scope, e.g. scope=openid."
            )
        scope = parse_scope(params.get("scope"), client.scope, default)
        challenge = params.get("code_challenge")
        method = params.get("code_challenge_method")
        if challenge is None and method is not None:
            raise InvalidRequest("code_challenge_method was sent without a code_challenge.")
        # RFC 9700 2.1.1: "public clients MUST use PKCE"; LAB public_client_no_pkce
        public = client.is_public and not self.config.lab("public_client_no_pkce")
        if challenge is None and (public or self.config.require_pkce):
            who = (
                "this application is a public client, which must use"
                if public
                else ("this server requires")
            )
            raise InvalidRequest(
                f"Missing 'code_challenge': {who} PKCE. Send "
                "code_challenge=BASE64URL(SHA256(code_verifier)) and code_challenge_method=S256 "
                "(RFC 7636 4.3, RFC 9700 2.1.1)."
            )
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
        # OIDC Core 3.1.2.1: nonce, prompt and max_age (`authentication_request`)
        refuse_request_objects(params.get("request"), params.get("request_uri"))
        nonce = check_nonce(params.get("nonce"))
        prompt = parse_prompt(params.get("prompt"))
        max_age = parse_max_age(params.get("max_age"))
        # RFC 9449 10: dpop_jkt binds the code to the key of the client's DPoP proofs
        dpop_jkt = None if self.config.lab("no_dpop") else check_dpop_jkt(params.get("dpop_jkt"))
        return {
            "dpop_jkt": dpop_jkt,
            "scope": scope,
            "code_challenge": challenge,
            "code_challenge_method": method,
            "nonce": nonce,
            "prompt": " ".join(prompt) or None,
            "max_age": max_age,
            "resource": resource,
        }


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
