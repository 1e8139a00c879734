"""One run of the authorization code grant, one method per step (RFC 6749 Section 4.1).

     +----------+
     | Resource |
     |   Owner  |
     +----------+
          ^
          |
         (B)
     +----|-----+          Client Identifier      +---------------+
     |         -+----(A)-- & Redirection URI ---->|               |
     |  User-   |                                 | Authorization |
     |  Agent  -+----(B)-- User authenticates --->|     Server    |
     |          |                                 |               |
     |         -+----(C)-- Authorization Code ---<|               |
     +-|----|---+                                 +---------------+
       |    |                                         ^      v
      (A)  (C)                                        |      |
       |    |                                         |      |
       ^    v                                         |      |
     +---------+                                      |      |
     |         |>---(D)-- Authorization Code ---------'      |
     |  Client |          & Redirection URI                  |
     |         |                                             |
     |         |<---(E)----- Access Token -------------------'
     +---------+       (w/ Optional Refresh Token)

:meth:`Flow.authorize` is (A), :meth:`Flow.open_authorization_page`,
:meth:`Flow.login` and :meth:`Flow.consent` are (B), :meth:`Flow.receive_redirect`
is (C), :meth:`Flow.exchange_code` is (D) and (E). With ``openid`` in the scope the
flow is OpenID Connect's (Core 3.1): the request carries a nonce, (E) brings an ID
token, :meth:`Flow.check_id_token` checks it (Core 3.1.3.7) and
:meth:`Flow.userinfo` asks who signed in (Core 5.3).

With ``dpop=True`` (or a :class:`DpopKey`) the flow makes one DPoP key pair (RFC
9449): the authorization request carries its thumbprint (``dpop_jkt``), every
token request and API call a fresh proof (``DPoP`` header), so the tokens are
bound to the key; a server's ``use_dpop_nonce`` is answered by one retry with
its nonce. Against a lab server, give the key the server's clock:
``Flow(..., dpop=DpopKey.generate(lab.clock))``. The rules live in the modules
this one calls; a Flow only keeps one run's state and the order of the steps, so a
notebook cell and a widget panel can share it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, Literal, TypeVar

import httpx

from ._http import ClosedOnExit, Verify
from .authorize_url import AuthorizationRequest, PkcePair, TokenFactory
from .basic_auth import BasicAuthSteps, Credentials, credentials_of
from .browser import Browser, ConsentChoice, Page
from .choices import pick
from .client_assertion import PrivateKey, assertion_fields, client_assertion
from .discovery import Endpoints, asks_openid, discover, fetch_jwks
from .dpop import DpopKey
from .errors import BrowserError, DiscoveryError, OAuthResponseError, StepOutOfOrder
from .exchange import Exchange
from .history import History, explain_bare_refusal, explain_denial, explain_in_flow
from .id_token import CLOCK_SKEW, IdTokenCheck, check_id_token
from .jws import ALGORITHMS
from .par import PushedRequest, par_authorization_url, push_authorization_request
from .redirect import AuthorizationResponse, parse_redirect
from .registration import Application, register_client
from .token import (
    AuthMethod,
    Introspection,
    TokenResponse,
    call_api,
    introspect,
    refresh,
    revoke,
    send_token_request,
    token_request,
)
from .transcript import Transcript
from .userinfo import UserInfo, fetch_userinfo

T = TypeVar("T")


class Flow(ClosedOnExit):
    """The state of one flow: endpoints, application, request, browser, response, tokens."""

    def __init__(
        self,
        endpoints: Endpoints,
        *,
        application: Application | None = None,
        redirect_uri: str | None = None,
        scope: str | None = None,
        api_url: str | None = None,
        auth: AuthMethod = "client_secret_basic",
        verify: Verify = True,
        token_factory: TokenFactory = secrets.token_urlsafe,
        transcript: Transcript | None = None,
        dpop: bool | DpopKey = False,
        resource: str | None = None,
    ) -> None:
        self.endpoints = endpoints
        # RFC 9449: the key of this flow's DPoP proofs; None: bearer tokens
        self.dpop_key: DpopKey | None = (
            dpop
            if isinstance(dpop, DpopKey)
            else DpopKey.generate(token_factory=token_factory)
            if dpop
            else None
        )
        # RFC 8707 Section 2: the API the tokens are for, sent in both requests (None: any)
        self.resource = resource
        self.application = application
        self.redirect_uri = redirect_uri or (application.redirect_uri if application else None)
        self.scope = scope
        self.api_url = api_url
        self.auth: AuthMethod = auth
        self.token_factory = token_factory
        self.transcript = transcript if transcript is not None else Transcript(endpoints)
        self.transcript.endpoints = endpoints
        self.http = self.transcript.http_client("Client", verify=verify)
        self.browser = Browser(
            self.transcript.http_client("Browser", verify=verify), stop_at=self.redirect_uri
        )
        self.pkce: PkcePair | None = None
        self.authorization_request: AuthorizationRequest | None = None
        self.authorization_response: AuthorizationResponse | None = None
        self.consent_answer: str | None = None  # the answer clicked on the consent page
        self.consent_refused: bool | None = None  # whether that answer refuses
        self.tokens: TokenResponse | None = None
        self.introspection: Introspection | None = None
        self.api_response: httpx.Response | None = None
        self.id_token_check: IdTokenCheck | None = None
        self.userinfo_response: UserInfo | None = None
        self.jwks: dict[str, Any] | None = None  # fetched once; again when a kid is new
        # the claims of the code's ID token, once valid: a refreshed one must match (Core 12.2)
        self.signed_in: dict[str, Any] | None = None
        self._refreshed = False  # the tokens came from a refresh, not from the code
        # RFC 9126: the pushed request and the URL the browser opens for it
        self.pushed: PushedRequest | None = None
        self._pushed_url: str | None = None
        # the defences a flow may turn on: push every request first (PAR), and sign a
        # private_key_jwt assertion with this key instead of sending the secret
        self.par = False
        self.client_key: PrivateKey | None = None

    @classmethod
    def discover(
        cls,
        issuer: str,
        *,
        application: Application | None = None,
        redirect_uri: str | None = None,
        scope: str | None = None,
        api_url: str | None = None,
        auth: AuthMethod = "client_secret_basic",
        verify: Verify = True,
        token_factory: TokenFactory = secrets.token_urlsafe,
        dpop: bool | DpopKey = False,
    ) -> Flow:
        """A flow whose endpoints come from the issuer's metadata (RFC 8414), or
        from OpenID's (Discovery 1.0) first when the scope asks for ``openid``."""
        transcript = Transcript()
        with transcript.http_client("Client", verify=verify) as http:
            endpoints = discover(issuer, openid=asks_openid(scope), http=http)
        return cls(
            endpoints,
            application=application,
            redirect_uri=redirect_uri,
            scope=scope,
            api_url=api_url,
            auth=auth,
            verify=verify,
            token_factory=token_factory,
            transcript=transcript,
            dpop=dpop,
        )

    # Developer Portal: the application and its keys

    def register(
        self,
        client_name: str,
        *,
        redirect_uri: str | None = None,
        scope: str | None = None,
        grant_types: Sequence[str] = ("authorization_code", "refresh_token"),
    ) -> Application:
        """Register an application (RFC 7591) and use it for this flow."""
        redirect_uri = redirect_uri or self.redirect_uri
        self.application = register_client(
            self.endpoints,
            client_name=client_name,
            redirect_uris=[redirect_uri] if redirect_uri else [],
            grant_types=grant_types,
            scope=scope if scope is not None else self.scope,
            token_endpoint_auth_method=self.auth,
            http=self.http,
        )
        self.use_application(self.application, redirect_uri=redirect_uri)
        return self.application

    def use_application(self, application: Application, *, redirect_uri: str | None = None) -> None:
        """Use keys obtained elsewhere (a portal, a preset server)."""
        self.application = application
        self.redirect_uri = redirect_uri or application.redirect_uri or self.redirect_uri
        self.browser.stop_at = self.redirect_uri

    # (A) the authorization request

    def authorize(
        self,
        *,
        scope: str | None = None,
        pkce: bool = True,
        state: str | None = None,
        prompt: str | None = None,
        max_age: int | None = None,
    ) -> AuthorizationRequest:
        """Build the authorization request, with a new state, by default PKCE, and a
        new nonce when the scope asks for ``openid`` (OpenID Connect Core 3.1.2.1)."""
        application = self._application()
        self.pkce = PkcePair.generate(self.token_factory) if pkce else None
        self.authorization_request = AuthorizationRequest.build(
            self.endpoints.authorization_endpoint,
            application.client_id,
            self.redirect_uri,
            scope=scope if scope is not None else self.scope,
            state=state,
            pkce=self.pkce,
            prompt=prompt,
            max_age=max_age,
            resource=self.resource,
            token_factory=self.token_factory,
            # RFC 9449 10: bind the code to the flow's DPoP key
            dpop_jkt=self.dpop_key.thumbprint if self.dpop_key else None,
        )
        self.authorization_response = None
        self.consent_answer = self.consent_refused = None
        self.pushed = self._pushed_url = None
        self.browser.stop_at = self.redirect_uri
        return self.authorization_request

    def use_request(
        self, request: AuthorizationRequest, pkce: PkcePair | None = None
    ) -> AuthorizationRequest:
        """Use an authorization request built elsewhere: by hand, or changed in a panel.

        `pkce` is the pair whose challenge the request carries, if any: its verifier
        goes with the code to the token endpoint (RFC 7636 4.5).
        """
        self.authorization_request = request
        self.pkce = pkce
        self.authorization_response = None
        self.pushed = self._pushed_url = None
        self.consent_answer = self.consent_refused = None
        if request.redirect_uri is not None:
            self.redirect_uri = request.redirect_uri
        self.browser.stop_at = self.redirect_uri
        return request

    # (B) the user-agent: login and consent

    def push_authorization_request(
        self, *, client_key: PrivateKey | None = None, kid: str = "client-key-1"
    ) -> PushedRequest:
        """Push the authorization request first (RFC 9126); the browser then opens only
        ``client_id`` and the ``request_uri`` the server answered.

        The client authenticates with a private_key_jwt assertion signed by
        ``client_key`` (aud: the issuer), else with its secret in a Basic header.
        """
        request = self._request()
        application = self._application()
        params = dict(request.params())
        if client_key is not None:
            assertion = client_assertion(
                client_key, application.client_id, self.endpoints.issuer, kid=kid
            )
            pushed = push_authorization_request(
                self.endpoints, params, http=self.http, extra=assertion_fields(assertion)
            )
        else:
            client_id, secret = credentials_of(application)
            if secret is None:
                raise StepOutOfOrder(
                    "The application has no client_secret: give client_key to push the "
                    "request with a private_key_jwt assertion."
                )
            headers = dict([BasicAuthSteps(client_id, secret).header])
            pushed = push_authorization_request(
                self.endpoints, params, http=self.http, headers=headers
            )
        self.pushed = pushed
        self._pushed_url = par_authorization_url(
            self.endpoints, application.client_id, pushed.request_uri
        )
        return pushed

    def assertion_token_request(
        self, client_key: PrivateKey, *, kid: str = "client-key-1"
    ) -> httpx.Request:
        """The token request with a private_key_jwt assertion (RFC 7523 2.2), to send
        with :meth:`exchange_code`; aud is the issuer (draft-ietf-oauth-rfc7523bis 4)."""
        response = self.authorization_response
        if response is None or response.code is None:
            raise StepOutOfOrder("There is no authorization code yet: receive_redirect().")
        client_id = self._application().client_id
        form = {
            "grant_type": "authorization_code",
            "code": response.code,
            "redirect_uri": self._request().redirect_uri or "",
            **({"code_verifier": self.pkce.code_verifier} if self.pkce else {}),
            **assertion_fields(
                client_assertion(client_key, client_id, self.endpoints.issuer, kid=kid)
            ),
        }
        return httpx.Request(
            "POST",
            self.endpoints.token_endpoint,
            headers={"Accept": "application/json"},
            data={k: v for k, v in form.items() if v},
        )

    def open_url(self) -> str:
        """The URL the browser opens: the pushed request's (client_id and request_uri,
        RFC 9126 4) once pushed, else the whole authorization request."""
        return self._pushed_url or self._request().url

    def open_authorization_page(self) -> Page:
        if self.par and self.pushed is None:
            self.push_authorization_request(client_key=self.client_key)
        return self.browser.open(self.open_url())

    def login(self, username: str, password: str) -> Page:
        return self.browser.login(username, password)

    def consent(self, choice: ConsentChoice | str = "approve") -> Page:
        shown = self.browser.page
        offered = shown.consent_choices if shown is not None else ()
        page = self.browser.consent(choice)
        picked = pick(offered, choice) if offered else None
        # what was clicked, and whether it refuses: an access_denied is then explained by it
        self.consent_answer = picked.label if picked is not None else choice
        self.consent_refused = picked.grants is False if picked is not None else None
        return page

    def run_front_channel(
        self,
        username: str,
        password: str,
        *,
        choice: ConsentChoice | str = "approve",
        scope: str | None = None,
        pkce: bool = True,
    ) -> AuthorizationResponse:
        """(A) to (C) in one call: authorize, sign in, answer the consent page, take the
        redirect. The browser's part, for a cell whose lesson is what comes after."""
        self.authorize(scope=scope, pkce=pkce)
        self.open_authorization_page()
        page = self.login(username, password)
        if page.kind == "consent":
            page = self.consent(choice)
        # an earlier Approve Always lets the server skip the consent page
        if page.kind != "redirect":
            raise BrowserError(f"No redirect to the client after signing in: {page.describe()}")
        return self.receive_redirect()

    # (C) the redirect back to the client

    def receive_redirect(self, location: str | None = None) -> AuthorizationResponse:
        """Check the redirect (state, iss, redirect_uri) and keep its code or error."""
        request = self._request()
        if location is None:
            page = self.browser.page
            if page is None or page.kind != "redirect" or page.location is None:
                raise StepOutOfOrder(
                    "The browser is not at a redirect yet: log in and answer the consent "
                    "page first, or pass the Location yourself."
                )
            location = page.location
        self.transcript.note("the browser brings the redirect to the client's redirect_uri")
        response = parse_redirect(
            location,
            expected_state=request.state,
            expected_issuer=self.endpoints.issuer,
            redirect_uri=request.redirect_uri,
            iss_required=self.endpoints.authorization_response_iss_parameter_supported,
        )
        if response.explanation is not None:
            # access_denied: a Deny only if this flow clicked one
            found = explain_denial(
                response.explanation, request.scope, self.consent_answer, self.consent_refused
            )
            response = replace(response, in_flow=found)
        self.authorization_response = response
        return response

    # (D) and (E) the token request

    def token_request(
        self, *, auth: AuthMethod | None = None, client: Credentials | None = None
    ) -> httpx.Request:
        """The token request as it will be sent, for reading before sending.

        `client` is the credentials to authenticate with, by default the
        application's: a panel passes the ones typed in, to show what a wrong
        secret does (RFC 6749 Section 2.3.1).
        """
        response = self.authorization_response
        if response is None:
            raise StepOutOfOrder("There is no authorization response yet: receive_redirect().")
        response.raise_for_error()
        if response.code is None:
            raise StepOutOfOrder("The authorization response carries no code.")
        return token_request(
            self.endpoints,
            client if client is not None else self._application(),
            code=response.code,
            redirect_uri=self._request().redirect_uri,
            code_verifier=self.pkce.code_verifier if self.pkce else None,
            auth=auth or self.auth,
            resource=self.resource,
        )

    def exchange_code(
        self, request: httpx.Request | None = None, *, auth: AuthMethod | None = None
    ) -> TokenResponse:
        """Send the token request and keep the tokens: `request` if given (one from
        :meth:`token_request`, read before sending), else a new one."""
        if request is None and self.client_key is not None and auth is None:
            request = self.assertion_token_request(self.client_key)
        if request is None:
            request = self.token_request(auth=auth)
        self.tokens = self._explained(
            lambda: send_token_request(request, http=self.http, dpop=self.dpop_key)
        )
        self.id_token_check = self.userinfo_response = None  # of the tokens before
        self.signed_in = None
        self._refreshed = False
        return self.tokens

    # OpenID Connect: who signed in

    def check_id_token(
        self,
        id_token: str | None = None,
        *,
        clock_skew: float = CLOCK_SKEW,
        max_age: int | None = None,
        now: float | None = None,
    ) -> IdTokenCheck:
        """Check the token response's ID token (or ``id_token``, one pasted or changed)
        step by step (Core 3.1.3.7): against this issuer, this client_id, the nonce
        (and max_age) this flow sent and the access token that came with it."""
        tokens = self._tokens()
        id_token = id_token if id_token is not None else tokens.id_token
        if id_token is None and self._refreshed:
            raise StepOutOfOrder(
                "The refresh response carried no id_token, which OpenID Connect Core 12.2 "
                "allows: the sign-in's ID token was the one to check."
            )
        if id_token is None:
            raise StepOutOfOrder(
                "The token response has no id_token: ask for the openid scope in the "
                "authorization request (OpenID Connect Core 3.1.2.1), then exchange a new code."
            )
        request = self._request()
        # Core 3.1.3.7 item 7: RS256, or what the issuer says it signs with; never HMAC
        supported = self.endpoints.id_token_signing_alg_values_supported
        algorithms = tuple(alg for alg in supported if alg in ALGORITHMS) or ("RS256",)
        own = id_token == tokens.id_token  # not one pasted or changed
        check = check_id_token(
            id_token,
            issuer=self.endpoints.issuer,
            client_id=self._application().client_id,
            jwks=self.jwks,
            jwks_uri=self.endpoints.jwks_uri,
            nonce=request.nonce,
            access_token=tokens.access_token,
            algorithms=algorithms,
            clock_skew=clock_skew,
            max_age=max_age if max_age is not None else request.max_age,
            refreshed_from=self.signed_in if own and self._refreshed else None,
            now=now,
            http=self.http,
        )
        if check.jwks is not None:
            self.jwks = dict(check.jwks)
        if check.valid and own and not self._refreshed:
            self.signed_in = dict(check.claims)
        self.id_token_check = check
        return check

    def userinfo(self, *, method: Literal["GET", "POST"] = "GET") -> UserInfo:
        """Ask the userinfo endpoint (Core 5.3) with the access token; its sub must be
        the checked ID token's (Core 5.3.2)."""
        check = self.id_token_check
        if check is None or not check.valid:
            raise StepOutOfOrder(
                "Check the ID token first (check_id_token()), and only a valid one: "
                "userinfo's sub is compared with the ID token's (Core 5.3.2)."
            )
        access_token = self._tokens().access_token
        if self.endpoints.userinfo_endpoint is None:
            self._read_openid_metadata()
        self.userinfo_response = self._explained(
            lambda: fetch_userinfo(
                self.endpoints,
                access_token,
                expected_sub=check.claims["sub"],
                method=method,
                http=self.http,
            )
        )
        return self.userinfo_response

    # Using the tokens

    def call_api(self, url: str | None = None) -> httpx.Response:
        url = url or self.api_url
        if url is None:
            raise StepOutOfOrder("No API URL: pass one, or give api_url to the Flow.")
        tokens = self._tokens()
        # RFC 9449 7: a DPoP-bound token goes with a proof for this call
        key = self.dpop_key if tokens.dpop_bound else None
        self.api_response = self._explained(
            lambda: call_api(url, tokens.access_token, http=self.http, dpop=key)
        )
        return self.api_response

    def refresh(self, *, scope: str | None = None, auth: AuthMethod | None = None) -> TokenResponse:
        refresh_token = self._tokens().refresh_token
        if refresh_token is None:
            raise StepOutOfOrder("The token response had no refresh_token.")
        application = self._application()
        self.tokens = self._explained(
            lambda: refresh(
                self.endpoints,
                application,
                refresh_token,
                scope=scope,
                auth=auth or self.auth,
                http=self.http,
                dpop=self.dpop_key,
            )
        )
        self._refreshed = True
        return self.tokens

    def introspect(
        self, token: str | None = None, *, token_type_hint: str | None = None
    ) -> Introspection:
        self.introspection = introspect(
            self.endpoints,
            self._application(),
            token or self._tokens().access_token,
            token_type_hint=token_type_hint,
            auth=self.auth,
            http=self.http,
        )
        return self.introspection

    def revoke(self, token: str | None = None, *, token_type_hint: str | None = None) -> None:
        revoke(
            self.endpoints,
            self._application(),
            token or self._tokens().access_token,
            token_type_hint=token_type_hint,
            auth=self.auth,
            http=self.http,
        )

    def _read_openid_metadata(self) -> None:
        """The flow turned OpenID after discovery read RFC 8414's document, which need not
        list userinfo_endpoint (django-oauth-toolkit's does not): read OpenID's
        (Discovery 1.0 Section 4), whose issuer must be the same (4.3)."""
        try:
            endpoints = discover(self.endpoints.issuer, openid=True, http=self.http)
        except DiscoveryError:
            return  # userinfo then says, in words, that there is no endpoint
        if endpoints.userinfo_endpoint is not None:
            self.endpoints = endpoints
            self.transcript.endpoints = endpoints

    def fetch_jwks(self) -> dict[str, Any]:
        """The keys that verify the server's ID tokens (OIDC Core 10.1) and JWT access
        tokens (RFC 9068 4), as a JWK Set (RFC 7517)."""
        if self.endpoints.jwks_uri is None:
            raise StepOutOfOrder(
                "The server's metadata lists no jwks_uri: it publishes no keys, so its "
                "access tokens are opaque. Introspect them instead (RFC 7662)."
            )
        return fetch_jwks(self.endpoints.jwks_uri, http=self.http)

    def history(self, exchanges: list[Exchange] | None = None) -> History:
        """What this flow did to its codes and tokens, read from the transcript."""
        endpoints = self.endpoints
        return History.of(
            self.transcript.exchanges if exchanges is None else exchanges,
            endpoints.token_endpoint,
            endpoints.revocation_endpoint,
        )

    def _explained(self, action: Callable[[], T]) -> T:
        """Run ``action``; an OAuth error's likely cause is then the one this flow's
        transcript proves (a replay, a revocation, a rotation), not the server's
        wording alone."""
        try:
            return action()
        except OAuthResponseError as exc:
            if exc.request is not None:
                exchanges = self.transcript.exchanges
                # the last exchange of this request: a request sent again (the token
                # panel's Send pressed twice) is explained by the sending before it
                before = next(
                    (
                        i
                        for i in reversed(range(len(exchanges)))
                        if exchanges[i].request is exc.request
                    ),
                    len(exchanges),
                )
                history = self.history(exchanges[:before])
                if exc.explanation is not None:
                    exc.reexplain(explain_in_flow(exc.explanation, history, exc.request))
                elif exc.status is not None and (
                    bare := explain_bare_refusal(exc.status, history, exc.request)
                ):
                    exc.reexplain(bare)
            raise

    def close(self) -> None:
        self.http.close()
        self.browser.http.close()

    def _application(self) -> Application:
        if self.application is None:
            raise StepOutOfOrder("No application yet: register() or use_application() first.")
        return self.application

    def _request(self) -> AuthorizationRequest:
        if self.authorization_request is None:
            raise StepOutOfOrder("No authorization request yet: authorize() first.")
        return self.authorization_request

    def _tokens(self) -> TokenResponse:
        if self.tokens is None:
            raise StepOutOfOrder("No tokens yet: exchange_code() first.")
        return self.tokens
