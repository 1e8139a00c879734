"""The ID token of an OpenID Connect flow, checked step by step (OpenID Connect Core 3.1.3.7).

With ``openid`` in the scope, the token response carries an ``id_token`` beside the
access token. The access token is for the API; the ID token is for this client:
it says who signed in, at which issuer, for which client, when, and for which
request (the ``nonce`` sent in the authorization request). Its header and claims
are only base64url, so anyone can read them; the client believes them only once
every check passes, each shown with its value, its rule and its section. "Tamper"
changes a claim and keeps the signature; "Userinfo" asks the server who signed
in, and its ``sub`` must be the ID token's (Core 5.3.2).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
from traitlets import Dict, Float, List, Unicode, observe

from ..client import IdTokenCheck, JwtFormatError, decode_jwt
from ..client.id_token import CLOCK_SKEW
from ..client.jwt import tamper
from . import _html
from ._base import StepModel, StepPanel, button, heading, html_of, message_box
from .state import FlowState
from .steps import Step

_MARKS = {"pass": "ok", "fail": "FAILED", "skip": "-"}


class IdTokenModel(StepModel):
    """The ID token, its decoded parts, each step of its check, and userinfo's answer."""

    id_token = Unicode("")
    nonce = Unicode("")  # the one the authorization request sent
    clock_skew = Float(CLOCK_SKEW)  # seconds, stated in the exp and iat steps
    header: Dict[str, Any] = Dict()
    claims: Dict[str, Any] = Dict()
    rows: List[Any] = List()  # (outcome, step, value, rule, section)
    verdict = Unicode("")  # "valid", "invalid", or "" before a check
    userinfo: Dict[str, Any] = Dict()

    def __init__(self, shared: FlowState | None = None, **kwargs: Any) -> None:
        super().__init__(shared, **kwargs)
        self.shared.observe(self._on_tokens, names="tokens")
        self.shared.observe(self._on_request, names="authorization_request")
        self._on_request()
        self._on_tokens()

    def _on_tokens(self, _change: object = None) -> None:
        tokens = self.shared.tokens
        self.userinfo = {}
        self.id_token = (tokens.id_token or "") if tokens is not None else ""
        if tokens is not None and tokens.id_token is None:
            self.status = (
                "This token response has no id_token: ask for the openid scope in "
                f"{Step.AUTHORIZE}, then exchange a new code in {Step.TOKEN}."
            )

    def _on_request(self, _change: object = None) -> None:
        request = self.shared.authorization_request
        self.nonce = (request.nonce or "") if request is not None else ""

    @observe("id_token")
    def _decode(self, _change: object = None) -> None:
        self.verdict, self.rows, self.error, self.status = "", [], "", ""
        self.header, self.claims = {}, {}
        if not self.id_token.strip():
            return
        try:
            jwt = decode_jwt(self.id_token)
        except JwtFormatError as exc:
            self.error = str(exc)
            return
        self.header, self.claims = jwt.header, jwt.claims

    def check(self) -> None:
        """Every check of OpenID Connect Core 3.1.3.7, in order, each said."""
        self.verdict, self.rows = "", []
        if not self.id_token.strip():
            self.error = (
                f"No ID token yet: ask for the openid scope in {Step.AUTHORIZE} and exchange "
                f"the code in {Step.TOKEN}, or paste one."
            )
            return
        token = self.id_token
        result = self.attempt(lambda: self.shared.check_id_token(token, clock_skew=self.clock_skew))
        if result is not None:
            self._show(result)

    def _show(self, result: IdTokenCheck) -> None:
        self.rows = [
            (_MARKS[step.outcome], step.name, step.value, step.rule, step.section)
            for step in result.steps
        ]
        self.verdict = "valid" if result.valid else "invalid"
        if result.valid:
            self.error = ""
            self.status = (
                f"The ID token is VALID: sub {result.claims.get('sub')!r} signed in at "
                f"{result.claims.get('iss')}, for this client, in this flow."
            )
        else:
            self.status = ""
            self.error = "The ID token is INVALID. " + " ".join(
                f"{step.name}: {step.problem}" for step in result.failures
            )

    def tamper(self, claim: str = "sub", value: str = "mallory") -> None:
        """Change one claim and keep the signature: what a forger would try."""
        if not self.claims:
            self.error = "There is no ID token to tamper with."
            return
        self.id_token = tamper(self.id_token, claim, value)

    def fetch_userinfo(self) -> None:
        """Ask the userinfo endpoint who signed in (Core 5.3)."""
        self.userinfo = {}
        info = self.attempt(self.shared.userinfo)
        if info is not None:
            self.userinfo = dict(info.claims)
            self.status = (
                f"userinfo answers for sub {info.sub!r}, the ID token's, as Core 5.3.2 requires."
            )


def _rows_html(rows: list[Any]) -> str:
    return _html.table(
        ("step", "value", "rule", "where the rule is"),
        [(name, f"{mark}: {value}", rule, section) for mark, name, value, rule, section in rows],
    )


class IdTokenPanel(StepPanel):
    """The ID token; header and claims; Check; Tamper; Userinfo."""

    step = Step.ID_TOKEN

    def __init__(
        self, state: FlowState | None = None, *, model: IdTokenModel | None = None
    ) -> None:
        self.model = model or IdTokenModel(state)
        self.shared = self.model.shared
        self._token = widgets.Textarea(
            description="id_token",
            layout=widgets.Layout(width="95%", height="6em"),
            style={"description_width": "10em"},
        )
        self._check = button("Check the ID token", self.model.check, button_style="primary")
        self._tamper = button("Tamper (change sub)", self.model.tamper, button_style="warning")
        self._userinfo = button("Userinfo", self.model.fetch_userinfo)
        self._links = [widgets.link((self.model, "id_token"), (self._token, "value"))]
        super().__init__(
            children=[
                heading(
                    self.step.heading,
                    "The access token is for the API; the ID token is for this client: who "
                    "signed in, where, for whom, when. Anyone can read it; believe it only "
                    "once every check passes (OpenID Connect Core 3.1.3.7).",
                ),
                self._token,
                html_of(
                    self.model,
                    "nonce",
                    lambda nonce: (
                        f"<b>nonce sent</b> <code>{_html.esc(nonce)}</code>" if nonce else ""
                    ),
                ),
                html_of(self.model, "header", lambda value: _html.json_block("Header", value)),
                html_of(self.model, "claims", lambda value: _html.json_block("Claims", value)),
                widgets.HBox([self._check, self._tamper, self._userinfo]),
                html_of(self.model, "verdict", _html.verdict),
                html_of(self.model, "rows", _rows_html),
                message_box(self.model),
                html_of(self.model, "userinfo", lambda value: _html.json_block("Userinfo", value)),
            ]
        )
