"""Two defences behind a checkbox each: PAR (RFC 9126) and private_key_jwt (RFC 7523).

Ticked, "Push the request first" sends the authorization request of the Authorize
step to the server's pushed_authorization_request_endpoint, authenticated, and the
Login step then opens only ``client_id`` and the ``request_uri`` the server gave.
Ticked, "Authenticate with private_key_jwt" signs a client assertion instead of
sending the secret: its header, each claim and its signature are shown as built,
and the token request carries it too. Each request is shown as sent, from the
transcript, as the Basic header is in the Token step.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qsl

import httpx
import ipywidgets as widgets
from cryptography.hazmat.primitives.asymmetric import ec
from traitlets import Bool, List, Unicode

from ..client import Application, TokenResponse
from ..client.client_assertion import assertion_steps, new_key, public_jwks
from ..client.par import par_endpoint
from . import _html
from ._base import PanelView, StepModel, button, heading, html_of, message_box
from .state import FlowState
from .steps import Step


def wire(request: httpx.Request) -> str:
    """A request as on the wire: its line, the headers that matter, its body."""
    lines = [f"{request.method} {request.url} HTTP/1.1"]
    for name in ("content-type", "authorization", "dpop"):
        if name in request.headers:
            lines.append(f"{name.title()}: {request.headers[name]}")
    body = request.content.decode("utf-8", "replace")
    return "\n".join([*lines, "", body.replace("&", "\n&")])


def decoded_assertion(assertion: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of a compact JWT, read (not verified)."""
    header, claims = (
        json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        for part in assertion.split(".")[:2]
    )
    return header, claims


class PushedRequestModel(StepModel):
    """The checkboxes, the client's key, and what each push and assertion looked like."""

    par = Bool(False)  # push the authorization request first (RFC 9126)
    private_key_jwt = Bool(False)  # authenticate with a signed assertion (RFC 7523)
    jwks = Unicode("")  # the public key to register (RFC 7591 jwks)
    pushed_request = Unicode("")  # the PAR request as sent
    request_uri = Unicode("")
    expires_in = Unicode("")
    browser_url = Unicode("")  # what the browser opens instead of the whole request
    assertion: List[str] = List(Unicode())  # each step of the last assertion, in words
    token_request = Unicode("")  # the token request with the assertion, as sent

    def __init__(
        self,
        shared: FlowState | None = None,
        *,
        client_key: ec.EllipticCurvePrivateKey | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(shared, **kwargs)
        self.client_key = client_key or new_key()
        self.jwks = json.dumps(public_jwks(self.client_key), indent=1)

    def register(self, client_name: str = "Photo Importer (private_key_jwt)") -> None:
        """Register an application with this key (token_endpoint_auth_method private_key_jwt)."""

        def run() -> None:
            flow = self.shared.require_flow()
            endpoint = flow.endpoints.registration_endpoint
            redirect_uri = flow.redirect_uri
            if endpoint is None or redirect_uri is None:
                raise ValueError("The server has no registration_endpoint, or no redirect_uri.")
            response = flow.http.post(
                endpoint,
                json={
                    "client_name": client_name,
                    "redirect_uris": [redirect_uri],
                    "token_endpoint_auth_method": "private_key_jwt",
                    "jwks": public_jwks(self.client_key),
                    **({"scope": flow.scope} if flow.scope else {}),
                },
            )
            body = response.json()
            if response.status_code not in (200, 201):
                raise ValueError(f"Registration refused: {body.get('error_description', body)}")
            self.shared.use_application(Application.from_registration(body))
            self.private_key_jwt = True

        self.attempt(run)

    def push(self) -> None:
        """Push the Authorize step's request; the Login step then opens the short URL."""
        if not self.par:
            self.status = "Tick 'Push the request first' to send the request by the back channel."
            return

        def run() -> None:
            flow = self.shared.require_flow()
            key = self.client_key if self.private_key_jwt else None
            pushed = flow.push_authorization_request(client_key=key)
            self.request_uri = pushed.request_uri
            self.expires_in = str(pushed.expires_in)
            self.browser_url = flow.open_url()
            sent = [
                e
                for e in flow.transcript.exchanges
                if str(e.request.url) == par_endpoint(flow.endpoints)
            ]
            self.pushed_request = wire(sent[-1].request) if sent else ""
            self._explain(sent[-1].request if sent else None)
            self.status = (
                f"Pushed: the request_uri works once, for {pushed.expires_in} s. Open it in "
                f"{Step.LOGIN}."
            )

        self.attempt(run)

    def exchange(self) -> TokenResponse | None:
        """Redeem the code with a client assertion instead of the secret (RFC 7523 2.2)."""

        def run() -> TokenResponse:
            flow = self.shared.require_flow()
            request = flow.assertion_token_request(self.client_key)
            self.token_request = wire(request)
            self._explain(request)
            tokens = flow.exchange_code(request)
            self.shared.sync()
            return tokens

        return self.attempt(run)

    def _explain(self, request: httpx.Request | None) -> None:
        form = dict(parse_qsl(request.content.decode())) if request is not None else {}
        signed = form.get("client_assertion")
        if signed is None:
            self.assertion = []
            return
        header, claims = decoded_assertion(signed)
        # the same explanation a fresh build gives, with this assertion's values
        steps = assertion_steps(
            self.client_key,
            str(claims.get("sub")),
            str(claims.get("aud")),
            kid=str(header.get("kid")),
            jti=str(claims.get("jti")),
            clock=lambda: float(claims.get("iat", 0)),
        )
        self.assertion = steps.explained


def _steps_html(lines: list[str]) -> str:
    if not lines:
        return ""
    items = "".join(f"<li>{_html.esc(line)}</li>" for line in lines)
    return f"<b>The client assertion, step by step</b><ol>{items}</ol>"


class PushedRequestPanel(PanelView):
    """PAR and private_key_jwt, each behind its checkbox; every request as sent."""

    def __init__(
        self, state: FlowState | None = None, *, model: PushedRequestModel | None = None
    ) -> None:
        self.model = model or PushedRequestModel(state)
        self._par = widgets.Checkbox(
            description="Push the request first (PAR, RFC 9126)",
            indent=False,
            layout=widgets.Layout(width="95%"),
        )
        self._jwt = widgets.Checkbox(
            description="Authenticate with private_key_jwt (RFC 7523)",
            indent=False,
            layout=widgets.Layout(width="95%"),
        )
        self._links = [
            widgets.link((self.model, "par"), (self._par, "value")),
            widgets.link((self.model, "private_key_jwt"), (self._jwt, "value")),
        ]
        super().__init__(
            children=[
                heading(
                    "Hardening: PAR and private_key_jwt",
                    "Tick a defence to add its step: the request pushed by the back channel, "
                    "a signed assertion instead of the secret.",
                ),
                self._par,
                self._jwt,
                html_of(self.model, "jwks", lambda j: "<b>jwks</b> to register" + _html.pre(j)),
                widgets.HBox(
                    [
                        button("Register with this key", self.model.register),
                        button("Push the request", self.model.push),
                        button("Token request with the assertion", self.model.exchange),
                    ]
                ),
                message_box(self.model),
                html_of(
                    self.model,
                    "pushed_request",
                    lambda r: ("<b>The PAR request</b>" + _html.pre(r)) if r else "",
                ),
                html_of(
                    self.model,
                    "browser_url",
                    lambda u: ("<b>The browser opens</b>" + _html.pre(u)) if u else "",
                ),
                html_of(self.model, "assertion", _steps_html),
                html_of(
                    self.model,
                    "token_request",
                    lambda r: ("<b>The token request</b>" + _html.pre(r)) if r else "",
                ),
            ]
        )
