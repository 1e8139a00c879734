"""One flow shared by every panel: a traitlets model around the client layer's ``Flow``.

Each panel reads and writes this one object, so the step panels are one run of
RFC 6749 Section 4.1. The client layer's :class:`~codegrant_kit.client.Flow` keeps
the run's state; this model mirrors what a panel needs to watch (the application,
the request, the browser's page, the redirect, the tokens) as traits, and runs
every network step with a timeout (see ``_actions``).

>>> state = FlowState()
>>> state.connected
False
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from traitlets import Any as AnyTrait
from traitlets import Bool, Float, HasTraits, Instance, Int, Unicode, observe

from ..client import (
    Application,
    AuthMethod,
    AuthorizationRequest,
    AuthorizationResponse,
    DpopKey,
    Endpoints,
    Flow,
    IdTokenCheck,
    Introspection,
    Page,
    PkcePair,
    Preset,
    StepOutOfOrder,
    TokenFactory,
    TokenResponse,
    Transcript,
    UserInfo,
    Verify,
    callback,
)
from ..client.browser import ConsentChoice
from ..client.id_token import CLOCK_SKEW
from ..jupyter_proxy import proxied_url
from ._actions import DEFAULT_TIMEOUT, run_bounded
from .steps import Step

if TYPE_CHECKING:
    import httpx

    from ..runner import BackgroundServer

T = TypeVar("T")

API_PATH = "/api/photos"  # the sample app's "Import Photos" API on our server


class FlowState(HasTraits):
    """The shared state of the step panels: one ``Flow`` and what came out of it."""

    flow = Instance(Flow, allow_none=True)
    issuer = Unicode("")
    api_url = Unicode("")
    server = AnyTrait(None, allow_none=True)  # the runner's BackgroundServer, if we started one
    timeout = Float(DEFAULT_TIMEOUT)

    # mirrored from the flow after every step, so panels can observe them
    application = Instance(Application, allow_none=True)
    authorization_request = Instance(AuthorizationRequest, allow_none=True)
    pkce = Instance(PkcePair, allow_none=True)
    page = Instance(Page, allow_none=True)
    authorization_response = Instance(AuthorizationResponse, allow_none=True)
    tokens = Instance(TokenResponse, allow_none=True)
    introspection = Instance(Introspection, allow_none=True)
    id_token_check = Instance(IdTokenCheck, allow_none=True)
    userinfo_response = Instance(UserInfo, allow_none=True)
    # RFC 9449: the panels' DPoP checkbox; the flow's key while it is ticked
    dpop = Bool(False)
    dpop_key = Instance(DpopKey, allow_none=True)
    # bumped after every step, whether it worked or not: the transcript grew
    revision = Int(0)
    connected = Bool(False)

    def __init__(
        self,
        *,
        token_factory: TokenFactory = secrets.token_urlsafe,
        scope: str = "PRODUCTION",
        verify: Verify = True,
        **kwargs: Any,
    ) -> None:
        """``token_factory`` makes state and PKCE values (seeded for tutorials);
        ``verify`` is the TLS check: True, False, or a CA file for a lab server."""
        super().__init__(**kwargs)
        self.token_factory = token_factory
        self.scope = scope
        self.verify = verify
        # the request whose page the browser opened last (login needs that page)
        self.opened_request: AuthorizationRequest | None = None
        # the product preset in use, if any (use_preset): what it does differently
        self.preset: Preset | None = None

    def __repr__(self) -> str:
        # no URL: a notebook's output must not change with the server's random port
        return f"<FlowState {'connected' if self.connected else 'not connected'}>"

    # -- connecting ------------------------------------------------------------

    def connect(self, issuer: str, *, api_url: str | None = None) -> Flow:
        """Read the issuer's metadata (RFC 8414) and start a new flow against it."""
        self.disconnect()
        flow = run_bounded(
            lambda: Flow.discover(
                issuer.rstrip("/"),
                scope=self.scope,
                token_factory=self.token_factory,
                verify=self.verify,
            ),
            self.timeout,
        )
        return self._start(flow, api_url)

    def use_endpoints(self, endpoints: Endpoints, *, api_url: str | None = None) -> Flow:
        """Start a new flow on endpoints given by hand (a preset: WSO2, Keycloak)."""
        self.disconnect()
        flow = Flow(
            endpoints, scope=self.scope, token_factory=self.token_factory, verify=self.verify
        )
        return self._start(flow, api_url)

    def use_preset(self, preset: Preset, *, api_url: str | None = None) -> Flow:
        """Start a new flow on a product's preset: its endpoints and first scope, and
        what it does differently (its consent answers), for the panels to say."""
        flow = self.use_endpoints(preset.endpoints, api_url=api_url)
        self.preset = preset
        if preset.scope:
            self.scope = flow.scope = preset.scope
        return flow

    def use_server(self, server: BackgroundServer) -> Flow:
        """Work with a server started elsewhere, e.g. by ``start_server()`` in a cell."""
        flow = self.connect(server.url)
        self.server = server
        return flow

    @observe("dpop")
    def _on_dpop(self, _change: object = None) -> None:
        """DPoP on: the flow gets a key (kept while on); off: bearer tokens from now on."""
        flow = self.flow
        if flow is not None:
            key = flow.dpop_key or DpopKey.generate(token_factory=self.token_factory)
            flow.dpop_key = key if self.dpop else None
        self.sync()

    def _start(self, flow: Flow, api_url: str | None) -> Flow:
        flow.dpop_key = DpopKey.generate(token_factory=self.token_factory) if self.dpop else None
        flow.api_url = api_url or flow.endpoints.issuer + API_PATH
        self.issuer = flow.endpoints.issuer
        self.api_url = flow.api_url
        self.flow = flow
        self.connected = True
        self.sync()
        return flow

    def disconnect(self) -> None:
        """Close the flow's HTTP clients and forget every value of the run."""
        flow, self.flow = self.flow, None
        if flow is not None:
            flow.close()
        self.connected = False
        self.opened_request = None
        self.preset = None
        self.sync()

    def close(self) -> None:
        self.disconnect()

    def callback_page_url(self) -> str | None:
        """The kit's callback page (the client's redirect URI) as the learner's browser
        reaches it: through Jupyter's proxy when there is one. None without the kit's
        server (WSO2, Keycloak have no such page)."""
        server = self.server
        if server is None:
            return None
        parts = urlsplit(server.url)
        if parts.hostname in ("127.0.0.1", "localhost") and parts.port is not None:
            proxied = proxied_url(parts.port)
            if proxied is not None:
                return callback.callback_url(proxied)
        return callback.callback_url(server.url)

    def received_redirects(self) -> list[str]:
        """The redirects the kit's callback page received with this request's state."""
        request = self.authorization_request
        if request is None or not request.state:
            raise StepOutOfOrder(
                f"Build the authorization request first ({Step.AUTHORIZE}): the callback page "
                "answers only for the state that request carries."
            )
        page = self.callback_page_url()
        if page is None or request.redirect_uri != page:
            raise StepOutOfOrder(
                f"The redirect_uri is {request.redirect_uri!r}, not the kit's callback page, "
                "so nothing reached the kit: copy the URL from your browser's address bar "
                "into the Location field."
            )
        server = self.server
        local = server.local_url if server is not None else self.issuer
        state = request.state
        return run_bounded(
            lambda: callback.received(local, state, redirect_uri=page, verify=self.verify),
            self.timeout,
        )

    def require_flow(self) -> Flow:
        if self.flow is None:
            raise StepOutOfOrder(
                f"There is no server to talk to yet: start it in the Server panel ({Step.SERVER}), "
                "or connect to an issuer."
            )
        return self.flow

    @property
    def transcript(self) -> Transcript | None:
        return self.flow.transcript if self.flow is not None else None

    def sync(self) -> None:
        """Copy the flow's values into the traits, and tell the transcript views."""
        flow = self.flow
        self.application = flow.application if flow else None
        self.authorization_request = flow.authorization_request if flow else None
        self.pkce = flow.pkce if flow else None
        self.page = flow.browser.page if flow else None
        self.authorization_response = flow.authorization_response if flow else None
        self.tokens = flow.tokens if flow else None
        self.introspection = flow.introspection if flow else None
        self.id_token_check = flow.id_token_check if flow else None
        self.userinfo_response = flow.userinfo_response if flow else None
        self.dpop_key = flow.dpop_key if flow else None
        self.revision += 1

    def _step(self, action: Callable[[Flow], T]) -> T:
        """Run one step of the flow with the timeout, then mirror what changed."""
        flow = self.require_flow()
        try:
            return run_bounded(lambda: action(flow), self.timeout)
        finally:
            self.sync()

    # -- the steps ---------------------------------------------------------------

    def register(
        self,
        client_name: str,
        *,
        redirect_uri: str | None,
        grant_types: Sequence[str],
        scope: str | None = None,
        public: bool = False,
    ) -> Application:
        """The Developer Portal's GENERATE KEYS: RFC 7591 registration.

        `public`: a public client (token_endpoint_auth_method "none", RFC 6749 2.1): no
        secret, its client_id alone at the token endpoint, PKCE required.
        """

        def register(flow: Flow) -> Application:
            if public or flow.auth == "none":
                flow.auth = "none" if public else "client_secret_basic"
            return flow.register(
                client_name, redirect_uri=redirect_uri, grant_types=grant_types, scope=scope
            )

        return self._step(register)

    def use_application(self, application: Application) -> None:
        """Keys copied from a portal by hand (a server without RFC 7591 registration)."""
        self.require_flow().use_application(application)
        self.sync()

    def use_request(self, request: AuthorizationRequest, pkce: PkcePair | None) -> None:
        """Make ``request`` the flow's authorization request (built in the panel).

        Flow.authorize() always takes the application's client_id and a new PKCE
        pair; the panel lets a learner change both.
        """
        self.require_flow().use_request(request, pkce)
        self.sync()

    def open_authorization_page(self) -> Page:
        request = self.authorization_request
        page = self._step(lambda flow: flow.open_authorization_page())
        self.opened_request = request
        return page

    def login(self, username: str, password: str) -> Page:
        return self._step(lambda flow: flow.login(username, password))

    def consent(self, choice: ConsentChoice | str) -> Page:
        return self._step(lambda flow: flow.consent(choice))

    def receive_redirect(self, location: str | None = None) -> AuthorizationResponse:
        return self._step(lambda flow: flow.receive_redirect(location))

    def build_token_request(
        self, client_id: str, client_secret: str, *, auth: AuthMethod
    ) -> httpx.Request:
        """The token request with the credentials typed in, built but not sent."""
        flow = self.require_flow()
        if flow.authorization_response is None:
            raise StepOutOfOrder(
                f"There is no code yet: check the redirect ({Step.REDIRECT}) first."
            )
        return flow.token_request(auth=auth, client=(client_id, client_secret))

    def send_token_request(self, request: httpx.Request) -> TokenResponse:
        """Send the request the panel showed, and keep the tokens."""
        return self._step(lambda flow: flow.exchange_code(request))

    def call_api(self, url: str | None = None) -> httpx.Response:
        """GET the API with the bearer token."""
        return self._step(lambda flow: flow.call_api(url or None))

    def refresh(self) -> TokenResponse:
        return self._step(lambda flow: flow.refresh())

    def introspect(self, token: str | None = None) -> Introspection:
        return self._step(lambda flow: flow.introspect(token))

    def revoke(self, token: str | None = None, *, token_type_hint: str | None = None) -> None:
        self._step(lambda flow: flow.revoke(token, token_type_hint=token_type_hint))

    def check_id_token(
        self, id_token: str | None = None, *, clock_skew: float = CLOCK_SKEW
    ) -> IdTokenCheck:
        """Check the ID token (or ``id_token``, one pasted or changed), step by step."""
        return self._step(lambda flow: flow.check_id_token(id_token, clock_skew=clock_skew))

    def userinfo(self) -> UserInfo:
        """Who signed in, from the userinfo endpoint; its sub must be the ID token's."""
        return self._step(lambda flow: flow.userinfo())

    def fetch_jwks(self) -> dict[str, Any]:
        """The server's public keys (RFC 7517) from its metadata's jwks_uri."""
        return self._step(lambda flow: flow.fetch_jwks())
