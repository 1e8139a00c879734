"""The authorization request (RFC 6749 Section 4.1.1): the URL, built live.

The client sends the user's browser to the authorization endpoint with
``response_type=code``, its ``client_id``, the ``scope`` (``PRODUCTION`` in WSO2 API
Manager), its ``redirect_uri``, a random ``state`` against CSRF (Section 10.12) and,
with PKCE (RFC 7636), a ``code_challenge``; a scope with ``openid`` adds a ``nonce``
(OpenID Connect Core 3.1.2.1) that the ID token must bring back. The URL is rebuilt whenever a value
changes and becomes the flow's request, which the Login panel opens.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import ipywidgets as widgets
from traitlets import Bool, List, Unicode, observe

from ..client import AuthorizationRequest, PkcePair, asks_openid, new_nonce, new_state
from ..jupyter_proxy import proxy_path
from . import _html
from ._base import StepModel, StepPanel, button, heading, html_of, message_box, text
from .portal import callback_warning
from .state import FlowState
from .steps import Step

DEFAULT_SCOPE = "PRODUCTION"  # the seed page's scope


def listed_scope(scope: str, supported: Sequence[str]) -> str:
    """``scope`` if the server lists each of its words, else one it lists.

    The seed's PRODUCTION is WSO2's: another server refuses it (invalid_scope) or
    grants nothing (access_denied). ``openid`` where listed (an OpenID provider
    grants it to any client), else the first listed.

    >>> listed_scope("PRODUCTION", ("openid", "read")), listed_scope("read", ("openid", "read"))
    ('openid', 'read')
    """
    if scope.split() and set(scope.split()) <= set(supported):
        return scope
    return "openid" if "openid" in supported else supported[0]


class AuthorizeModel(StepModel):
    """The request's parameters, and the URL and notes made from them."""

    authorization_endpoint = Unicode("")
    client_id = Unicode("")
    scope = Unicode(DEFAULT_SCOPE)
    redirect_uri = Unicode("")
    state = Unicode("")  # the wire name: RFC 6749 Section 4.1.1
    nonce = Unicode("")  # OpenID Connect Core 3.1.2.1: made once the scope asks for openid
    pkce = Bool(True)
    # RFC 8707: ask for a token for one API (off: a token for every API of the server)
    audience = Bool(False)
    resource = Unicode("")  # the API's identifier; the server's first protected_resources
    code_verifier = Unicode("")
    code_challenge = Unicode("")
    scope_options: List[str] = List(Unicode(), default_value=[DEFAULT_SCOPE])
    url = Unicode("")
    notes: List[Any] = List()
    warning = Unicode("")  # where the browser lands after consent, said before the click

    def __init__(self, shared: FlowState | None = None, **kwargs: Any) -> None:
        self._pkce_pair: PkcePair | None = None  # before any observer can run
        super().__init__(shared, **kwargs)
        self.shared.observe(self._on_server, names="flow")
        self.shared.observe(self._on_application, names="application")
        self._on_server()
        self._on_application()
        if not self.state:
            self.state = new_state(self.shared.token_factory)
        self._on_pkce()

    def _on_server(self, _change: object = None) -> None:
        flow = self.shared.flow
        endpoints = flow.endpoints if flow is not None else None
        if endpoints is not None and endpoints.scopes_supported:
            self.scope_options = list(endpoints.scopes_supported)
            self.scope = listed_scope(self.scope, endpoints.scopes_supported)
        self.authorization_endpoint = endpoints.authorization_endpoint if endpoints else ""
        listed = endpoints.metadata.get("protected_resources") if endpoints else None
        if not self.resource and isinstance(listed, list) and listed:
            self.resource = str(listed[0])  # RFC 9728 4

    def _on_application(self, _change: object = None) -> None:
        application = self.shared.application
        if application is not None:
            self.client_id = application.client_id
            self.redirect_uri = application.redirect_uri or self.redirect_uri

    def new_state(self) -> None:
        """A fresh state (and PKCE pair): one per authorization request."""
        self._pkce_pair = None
        self.nonce = ""  # a new request, a new nonce (made in _build if openid)
        self.state = new_state(self.shared.token_factory)
        self._on_pkce()

    @observe("pkce")
    def _on_pkce(self, _change: object = None) -> None:
        if self.pkce and self._pkce_pair is None:
            self._pkce_pair = PkcePair.generate(self.shared.token_factory)
        pair = self._pkce_pair if self.pkce else None
        self.code_verifier = pair.code_verifier if pair else ""
        self.code_challenge = pair.code_challenge if pair else ""
        self._build()

    @observe(
        "authorization_endpoint",
        "client_id",
        "scope",
        "redirect_uri",
        "state",
        "nonce",
        "audience",
        "resource",
    )
    def _build(self, _change: object = None) -> None:
        if not self.authorization_endpoint:
            self.url, self.notes = "", []
            self.status = (
                f"Start the server ({Step.SERVER}): the URL needs its authorization endpoint."
            )
            return
        pair = self._pkce_pair if self.pkce else None
        openid = asks_openid(self.scope)
        if openid and not self.nonce:
            self.nonce = new_nonce(self.shared.token_factory)
            if self.nonce:
                return  # observed: the request was built with it
        request = AuthorizationRequest(
            authorization_endpoint=self.authorization_endpoint,
            client_id=self.client_id.strip(),
            redirect_uri=self.redirect_uri.strip() or None,
            scope=self.scope.strip() or None,
            state=self.state or None,
            code_challenge=pair.code_challenge if pair else None,
            code_challenge_method=pair.code_challenge_method if pair else None,
            nonce=self.nonce if openid else None,
            resource=self.resource.strip() or None if self.audience else None,
        )
        self.url = request.url
        self.notes = [tuple(note) for note in request.explain()]
        self.warning = callback_warning(self.redirect_uri, self.shared.callback_page_url())
        self.status = "" if self.client_id else f"No client_id yet: generate keys in {Step.PORTAL}."
        if self.shared.flow is not None:
            # RFC 8707 2: the token request repeats the resource
            self.shared.flow.resource = request.resource
            self.attempt(lambda: self.shared.use_request(request, pair))


def browser_url(url: str) -> str:
    """The URL a learner's browser can open: through jupyter-server-proxy when the
    server is on the kernel's loopback and the page is served by Jupyter (JupyterHub,
    Binder), else the URL itself.

    >>> browser_url("https://server.example.com/authorize?x=1")
    'https://server.example.com/authorize?x=1'
    """
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost") or parts.port is None:
        return url
    prefix = proxy_path(parts.port)
    if prefix is None:
        return url
    return f"{prefix.rstrip('/')}{parts.path}?{parts.query}" if parts.query else prefix + parts.path


def _url_html(url: str) -> str:
    """The URL, and a link that opens it; the proxy is named only when the link uses it."""
    if not url:
        return ""
    opened = browser_url(url)
    html = f"<b>The URL</b> · {_html.link(opened, 'Open it in your browser')}{_html.pre(url)}"
    if opened == url:
        return html
    return html + _html.message(
        "aside",
        f"The link opens the same request through Jupyter's proxy, at "
        f"{opened.split('?', 1)[0]}, so that a browser on another machine reaches the "
        "server too.",
    )


class AuthorizePanel(StepPanel):
    """client_id, scope, redirect_uri, state, PKCE; the URL; each parameter explained."""

    step = Step.AUTHORIZE

    def __init__(
        self, state: FlowState | None = None, *, model: AuthorizeModel | None = None
    ) -> None:
        self.model = model or AuthorizeModel(state)
        self.shared = self.model.shared
        self._client_id = text("client_id")
        self._scope = widgets.Combobox(
            description="scope",
            ensure_option=False,
            layout=widgets.Layout(width="95%"),
            style={"description_width": "10em"},
        )
        self._redirect_uri = text("redirect_uri")
        self._state = text("state")
        self._new_state = button("New state", self.model.new_state, icon="refresh")
        self._pkce = widgets.Checkbox(description="PKCE (S256, RFC 7636)", indent=False)
        self._audience = widgets.Checkbox(
            description="A token for one API only (resource=, RFC 8707)",
            indent=False,
            layout=widgets.Layout(width="95%"),
        )
        self._resource = text("resource")
        self._url = html_of(self.model, "url", _url_html)
        self._links = [
            widgets.link((self.model, "client_id"), (self._client_id, "value")),
            widgets.link((self.model, "scope"), (self._scope, "value")),
            widgets.dlink((self.model, "scope_options"), (self._scope, "options"), tuple),
            widgets.link((self.model, "redirect_uri"), (self._redirect_uri, "value")),
            widgets.link((self.model, "state"), (self._state, "value")),
            widgets.link((self.model, "pkce"), (self._pkce, "value")),
            widgets.link((self.model, "audience"), (self._audience, "value")),
            widgets.link((self.model, "resource"), (self._resource, "value")),
            widgets.dlink(
                (self.model, "audience"),
                (self._resource.layout, "display"),
                lambda on: "" if on else "none",
            ),
        ]
        super().__init__(
            children=[
                heading(
                    self.step.heading,
                    "The client sends the browser to this URL. Change a value and watch "
                    "the URL change.",
                ),
                self._client_id,
                self._scope,
                self._redirect_uri,
                widgets.HBox([self._state, self._new_state]),
                self._pkce,
                self._audience,
                self._resource,
                html_of(
                    self.model,
                    "code_verifier",
                    lambda verifier: (
                        "<b>code_verifier</b> (kept by the client, sent later to the token "
                        f"endpoint): <code>{_html.esc(verifier)}</code>"
                        if verifier
                        else ""
                    ),
                ),
                message_box(self.model),
                self._url,
                html_of(
                    self.model,
                    "warning",
                    lambda w: _html.message("warning", w),
                ),
                html_of(self.model, "notes", _html.notes_table),
            ]
        )
