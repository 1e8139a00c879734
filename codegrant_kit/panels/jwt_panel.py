"""A JWT access token (RFC 9068), decoded and its RS256 signature checked.

Started with ``access_token_format="jwt"``, the server issues access tokens as
signed JWTs, as WSO2 API Manager does by default, and lists its public keys at
``jwks_uri``. Anyone can read a JWT's header and claims; the signature, checked
with the server's public key, says the server wrote them and nobody changed them.
"Tamper" changes a claim and keeps the old signature, to see the check fail.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
from traitlets import Dict, List, Unicode, observe

from ..client import JwtFormatError, check_jwt, decode_jwt
from ..client.jwt import find_key, tamper
from . import _html
from ._base import PanelView, StepModel, button, heading, html_of, message_box
from .state import FlowState
from .steps import Step


class JwtModel(StepModel):
    """The token, its decoded parts, and the verdict on its signature."""

    token = Unicode("")
    header: Dict[str, Any] = Dict()
    claims: Dict[str, Any] = Dict()
    dates: List[Any] = List()  # (claim, seconds, date)
    jwks: Dict[str, Any] = Dict()
    verdict = Unicode("")  # "valid", "invalid", or "" before a check
    reasons: List[str] = List(Unicode())

    def __init__(self, shared: FlowState | None = None, **kwargs: Any) -> None:
        super().__init__(shared, **kwargs)
        self.shared.observe(self._on_tokens, names="tokens")
        self.shared.observe(self._on_server, names="flow")
        self._on_tokens()

    def _on_tokens(self, _change: object = None) -> None:
        tokens = self.shared.tokens
        if tokens is not None:
            self.token = tokens.access_token

    def _on_server(self, _change: object = None) -> None:
        self.jwks = {}  # another server, other keys

    @observe("token")
    def _decode(self, _change: object = None) -> None:
        self.verdict, self.reasons, self.error, self.status = "", [], "", ""
        self.header, self.claims, self.dates = {}, {}, []
        if not self.token.strip():
            return
        try:
            jwt = decode_jwt(self.token)
        except JwtFormatError as exc:
            self.error = str(exc)
            return
        self.header, self.claims = jwt.header, jwt.claims
        self.dates = [(name, self.claims[name], date) for name, date in jwt.dates().items()]

    def verify(self) -> None:
        """Fetch the server's JWKS (once per key) and check signature, expiry, issuer, type."""
        self.verdict, self.reasons = "", []
        if not self.token.strip():
            self.error = f"No token yet: get one in {Step.TOKEN}, or paste a JWT."
            return
        try:
            kid = decode_jwt(self.token).header.get("kid")
        except JwtFormatError as exc:
            self.verdict, self.error = "invalid", str(exc)
            return
        if find_key(self.jwks, kid) is None:  # not fetched yet, or the keys rotated
            jwks = self.attempt(self.shared.fetch_jwks)
            if jwks is None:
                return
            self.jwks = jwks
        result = check_jwt(self.token, self.jwks, issuer=self.shared.issuer or None)
        self.verdict = "valid" if result.valid else "invalid"
        self.reasons = list(result.steps)
        self.error = "" if result.valid else "The token is INVALID. " + " ".join(result.steps)
        self.status = "The token is VALID. " + " ".join(result.steps) if result.valid else ""

    def tamper(self, claim: str = "sub", value: str = "mallory") -> None:
        """Change one claim and keep the signature: what a forger would try."""
        if not self.claims:  # nothing decoded: no JWT
            self.error = "There is no JWT to tamper with."
            return
        self.token = tamper(self.token, claim, value)


class JwtPanel(PanelView):
    """The token; header and claims; exp/iat as dates; Verify; Tamper."""

    def __init__(self, state: FlowState | None = None, *, model: JwtModel | None = None) -> None:
        self.model = model or JwtModel(state)
        self.shared = self.model.shared
        self._token = widgets.Textarea(
            description="JWT",
            layout=widgets.Layout(width="95%", height="6em"),
            style={"description_width": "10em"},
        )
        self._verify = button("Verify the signature", self.model.verify, button_style="primary")
        self._tamper = button("Tamper (change sub)", self.model.tamper, button_style="warning")
        self._links = [widgets.link((self.model, "token"), (self._token, "value"))]
        super().__init__(
            children=[
                heading(
                    "A JWT access token, decoded and verified",
                    "Header and claims are only base64url: anyone can read them. The "
                    "RS256 signature, checked with the server's public key (JWKS), says "
                    "who wrote them.",
                ),
                self._token,
                html_of(self.model, "header", lambda value: _html.json_block("Header", value)),
                html_of(self.model, "claims", lambda value: _html.json_block("Claims", value)),
                html_of(
                    self.model,
                    "dates",
                    lambda rows: _html.table(("claim", "seconds since 1970", "date (UTC)"), rows),
                ),
                widgets.HBox([self._verify, self._tamper]),
                html_of(self.model, "verdict", _html.verdict),
                message_box(self.model),
            ]
        )
