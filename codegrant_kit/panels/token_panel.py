"""The token request (RFC 6749 Section 4.1.3): built in view, then sent.

The client authenticates with its consumer key and secret (Section 2.3.1): each is
form-encoded (Appendix B), the two are joined by ``:``, the result is base64-encoded
and sent as ``Authorization: Basic ...`` (RFC 7617). The body is a form with
``grant_type=authorization_code``, the ``code`` and the same ``redirect_uri`` (and the
PKCE ``code_verifier``). The whole POST is shown before it is sent; the JSON answer
(Section 5.1) or error (Section 5.2) after.

With the DPoP checkbox ticked (RFC 9449), the POST also carries a ``DPoP`` proof:
the panel shows each of its values (the public JWK, its RFC 7638 thumbprint, every
claim) before Send, and the proof that was sent, decoded, after. The server then
answers ``token_type: DPoP``: the token works only with the client's key.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
from traitlets import Bool, List, Unicode, observe

from ..client import AuthMethod, BasicAuthSteps, Exchange
from ..client.transcript import decoded_proof_text
from . import _html
from ._base import StepModel, StepPanel, button, heading, html_of, message_box, text
from .state import FlowState
from .steps import Step

if TYPE_CHECKING:
    import httpx


class TokenModel(StepModel):
    """Key and secret, each step of the Basic header, the raw POST, the answer."""

    client_id = Unicode("")
    client_secret = Unicode("")
    credentials_in_body = Bool(False)  # client_secret_post: NOT RECOMMENDED by the RFC
    encoded_id = Unicode("")
    encoded_secret = Unicode("")
    joined = Unicode("")
    base64 = Unicode("")
    header = Unicode("")
    body = Unicode("")
    raw_request = Unicode("")
    raw_response = Unicode("")
    response_json = Unicode("")
    fields: List[Any] = List()  # (field, value, what it is for, section)
    dpop_steps: List[Any] = List()  # each value of the DPoP proof (RFC 9449 4.2)
    sent_proof = Unicode("")  # the DPoP proof that went out, decoded

    def __init__(self, shared: FlowState | None = None, **kwargs: Any) -> None:
        self._request: httpx.Request | None = None
        super().__init__(shared, **kwargs)
        self.shared.observe(self._on_application, names="application")
        self.shared.observe(self._on_code, names="authorization_response")
        self.shared.observe(self._build, names="dpop_key")
        self._on_application()

    def _on_code(self, _change: object = None) -> None:
        # a new code: the answer shown belongs to the old one
        self.raw_response = self.response_json = ""
        self.fields = []
        self._build()

    @property
    def auth(self) -> AuthMethod:
        application = self.shared.application
        if application is not None and application.token_endpoint_auth_method == "none":
            return "none"  # a public client: its client_id alone (RFC 6749 3.2.1)
        return "client_secret_post" if self.credentials_in_body else "client_secret_basic"

    def _on_application(self, _change: object = None) -> None:
        application = self.shared.application
        if application is not None:
            self.client_id = application.client_id
            self.client_secret = application.client_secret or ""
            # RFC 7591 2: the server takes the credentials only as the application registered
            self.credentials_in_body = (
                application.token_endpoint_auth_method == "client_secret_post"
            )
        self._build()

    @observe("client_id", "client_secret", "credentials_in_body")
    def _build(self, _change: object = None) -> None:
        """Rebuild each step and the raw POST; nothing is sent."""
        steps = BasicAuthSteps(self.client_id, self.client_secret)
        self.encoded_id, self.encoded_secret = steps.encoded_id, steps.encoded_secret
        self.joined, self.base64 = steps.joined, steps.base64
        basic = self.auth == "client_secret_basic"
        self.header = f"Authorization: {steps.header_value}" if basic else ""
        self._request = None
        self.body = self.raw_request = ""
        self.dpop_steps = []
        key, flow = self.shared.dpop_key, self.shared.flow
        if key is not None and flow is not None:
            # a preview: the proof sent at Send is made then, with its own jti and iat
            proof = key.proof_steps("POST", flow.endpoints.token_endpoint)
            self.dpop_steps = [tuple(note) for note in proof.explain()]
        if self.shared.flow is None or self.shared.authorization_response is None:
            self.status = f"No code yet: check the redirect in {Step.REDIRECT} first."
            return
        request = self.attempt(
            lambda: self.shared.build_token_request(
                self.client_id, self.client_secret, auth=self.auth
            )
        )
        if request is None:
            return
        self._request = request
        self.body = request.content.decode("ascii")
        self.raw_request = Exchange("Client", request).raw_request()
        self.status = "This is the request the client will send. Press Send."

    def send(self) -> None:
        """POST the request shown; show the JSON answer, or the error explained."""
        self.raw_response = self.response_json = self.sent_proof = ""
        self.fields = []
        self._build()
        request = self._request
        if request is None:
            # _build has said why (no code yet, or a refused redirect)
            self.error = self.error or self.status
            return
        tokens = self.attempt(lambda: self.shared.send_token_request(request))
        transcript = self.shared.transcript
        last = transcript.last if transcript is not None else None
        # with DPoP the request went out as a copy with its proof (and maybe a retry)
        if last is not None and (last.request is request or last.request.url == request.url):
            self.raw_response = last.raw_response()
            proof = last.request.headers.get("dpop")
            if proof is not None:
                self.sent_proof = f"DPoP: {proof}\n{decoded_proof_text(proof)}"

        if tokens is None:
            return
        self.response_json = json.dumps(dict(tokens.raw), indent=2)
        self.fields = [tuple(note) for note in tokens.explain()]
        self.status = (
            "The server answered 200 OK with tokens. Sending the same code again fails: "
            "a code works once."
        )
        if tokens.dpop_bound:
            self.status += " token_type is DPoP: the token is bound to this client's key."
        elif self.shared.dpop_key is not None:
            self.status += " token_type is Bearer: this server ignored the DPoP proof."


def _steps_html(model: TokenModel) -> str:
    rows = [
        ("consumer key", model.client_id, "as given by the portal"),
        ("consumer secret", model.client_secret, "as given by the portal"),
        ("form-encoded key", model.encoded_id, "RFC 6749 Section 2.3.1, Appendix B"),
        ("form-encoded secret", model.encoded_secret, "RFC 6749 Section 2.3.1, Appendix B"),
        ("key:secret", model.joined, "joined by one colon, RFC 7617 Section 2"),
        ("base64", model.base64, "of the UTF-8 bytes, RFC 7617 Section 2"),
    ]
    if model.header:
        rows.append(("header", model.header, "sent to the token endpoint"))
    else:
        rows.append(("body", "client_id=...&client_secret=...", "RFC 6749 2.3.1: NOT RECOMMENDED"))
    return _html.table(("step", "value", "rule"), rows)


class TokenPanel(StepPanel):
    """Key, secret, each Basic step, the raw POST, Send, the JSON explained."""

    step = Step.TOKEN

    def __init__(self, state: FlowState | None = None, *, model: TokenModel | None = None) -> None:
        self.model = model or TokenModel(state)
        self.shared = self.model.shared
        self._client_id = text("Consumer Key")
        self._client_secret = text("Consumer Secret")
        self._in_body = widgets.Checkbox(
            description="Send the credentials in the body (client_secret_post): the server "
            "takes only the method the application registered (RFC 7591 2)",
            indent=False,
            layout=widgets.Layout(width="95%"),
        )
        self._dpop = widgets.Checkbox(
            description="DPoP: sign a proof with a key of this client's own, so the tokens "
            "work only with that key (RFC 9449)",
            indent=False,
            layout=widgets.Layout(width="95%"),
        )
        self._send = button("Send", self.model.send, button_style="primary", icon="paper-plane")
        self._steps = widgets.HTML()
        self._links = [
            widgets.link((self.model, "client_id"), (self._client_id, "value")),
            widgets.link((self.model, "client_secret"), (self._client_secret, "value")),
            widgets.link((self.model, "credentials_in_body"), (self._in_body, "value")),
            widgets.link((self.shared, "dpop"), (self._dpop, "value")),
        ]
        self.model.observe(self._show_steps, names=["joined", "base64", "header"])
        self._show_steps()
        super().__init__(
            children=[
                heading(
                    self.step.heading,
                    "The client trades the code for tokens, authenticating with its key "
                    "and secret. Read the whole request before you send it.",
                ),
                self._client_id,
                self._client_secret,
                self._in_body,
                self._dpop,
                self._steps,
                html_of(self.model, "dpop_steps", _dpop_html),
                html_of(self.model, "body", lambda body: _titled("The form body", body)),
                html_of(self.model, "raw_request", lambda raw: _titled("The raw POST", raw)),
                self._send,
                message_box(self.model),
                html_of(self.model, "sent_proof", lambda raw: _titled("The DPoP proof sent", raw)),
                html_of(self.model, "raw_response", lambda raw: _titled("The answer", raw)),
                html_of(self.model, "fields", _html.notes_table),
            ]
        )

    def _show_steps(self, _change: object = None) -> None:
        self._steps.value = _steps_html(self.model)


def _dpop_html(rows: list[Any]) -> str:
    if not rows:
        return ""
    return "<b>The DPoP proof, step by step</b>" + _html.notes_table(rows)


def _titled(name: str, raw: str) -> str:
    return f"<b>{_html.esc(name)}</b>{_html.pre(raw)}" if raw else ""
