"""Using the token: the photos API, refresh, introspection, revocation.

- The API call sends ``Authorization: Bearer <access_token>`` (RFC 6750 Section 2.1),
  or, for a DPoP-bound token, ``Authorization: DPoP <access_token>`` with a proof
  for this call whose ath is the token's hash (RFC 9449 7.1), shown decoded.
- Refresh trades the refresh token for new tokens (RFC 6749 Section 6).
- Introspection asks the server whether a token is active (RFC 7662).
- Revocation ends a token (RFC 7009); an API call with it then fails with
  ``invalid_token``.

Each action shows the raw exchange it made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import ipywidgets as widgets
from traitlets import Enum, List, Unicode

from ..client import Exchange, json_object
from ..client.transcript import decoded_proof_text
from . import _html
from ._base import StepModel, StepPanel, button, heading, html_of, message_box, text
from .state import FlowState
from .steps import Step

T = TypeVar("T")

TOKEN_KINDS = ("access_token", "refresh_token")


class ApiModel(StepModel):
    """The API URL, the tokens in hand, and what the last action did."""

    url = Unicode("")
    access_token = Unicode("")
    refresh_token = Unicode("")
    token_kind = Enum(TOKEN_KINDS, default_value="access_token")  # for introspect/revoke
    photos: List[str] = List(Unicode())
    introspection: List[Any] = List()  # (field, value, what it is for, section)
    exchange = Unicode("")  # the raw HTTP of the last action

    def __init__(self, shared: FlowState | None = None, **kwargs: Any) -> None:
        super().__init__(shared, **kwargs)
        self.shared.observe(self._on_tokens, names="tokens")
        self.shared.observe(self._on_url, names="api_url")
        self._on_tokens()
        self._on_url()

    def _on_url(self, _change: object = None) -> None:
        self.url = self.shared.api_url or self.url

    def _on_tokens(self, _change: object = None) -> None:
        tokens = self.shared.tokens
        self.access_token = tokens.access_token if tokens else ""
        self.refresh_token = (tokens.refresh_token or "") if tokens else ""

    @property
    def selected_token(self) -> str | None:
        value = self.access_token if self.token_kind == "access_token" else self.refresh_token
        return value or None

    def _recorded(self, action: Callable[[], T]) -> T | None:
        """Run ``action``; keep the raw HTTP of the exchanges it made."""
        transcript = self.shared.transcript
        before = len(transcript.entries) if transcript is not None else 0
        self.status, self.exchange = "", ""
        result = self.attempt(action)
        transcript = self.shared.transcript
        if transcript is not None:
            made = [e for e in transcript.entries[before:] if isinstance(e, Exchange)]
            self.exchange = "\n\n".join(_with_proof(exchange) for exchange in made)
        return result

    def call_api(self) -> None:
        """GET the photos (or any API's answer) with the access token."""
        response = self._recorded(lambda: self.shared.call_api(self.url.strip() or None))
        if response is None:
            self.photos = []
            return
        answered = f"{response.status_code} {response.reason_phrase}"
        photos = (json_object(response) or {}).get("photos")
        if not isinstance(photos, list):
            # another server's API (userinfo, a site's own): say what it answered
            self.photos = []
            self.status = f"{answered}: the API answered {' '.join(response.text.split())[:200]}"
            return
        self.photos = [str(p.get("title", p) if isinstance(p, dict) else p) for p in photos]
        self.status = f"{answered}: {len(photos)} photos."

    def refresh(self) -> None:
        """New tokens from the refresh token; the old refresh token stops working."""
        tokens = self._recorded(self.shared.refresh)
        if tokens is not None:
            self.status = "New tokens: the old access token is replaced."

    def introspect(self) -> None:
        """Ask the server about the selected token."""
        token = self.selected_token
        result = self._recorded(lambda: self.shared.introspect(token))
        if result is None:
            self.introspection = []
            return
        self.introspection = [tuple(note) for note in result.explain()]
        self.status = f"The {self.token_kind} is " + ("active." if result.active else "NOT active.")

    def revoke(self) -> None:
        """Revoke the selected token; the server answers 200 even for an unknown one."""
        token = self.selected_token
        hint = self.token_kind
        self._recorded(lambda: self.shared.revoke(token, token_type_hint=hint))
        if not self.error:
            self.status = f"The server answered 200: the {hint} is revoked; using it now fails."


def _with_proof(exchange: Exchange) -> str:
    """The raw exchange; a DPoP proof decoded under it (RFC 9449 7.1: the API call's)."""
    proof = exchange.request.headers.get("dpop")
    if proof is None:
        return str(exchange)
    request, response = exchange.raw_request(), exchange.raw_response()
    return f"{request}\n{decoded_proof_text(proof)}\n\n{response}"


def _photos_html(photos: list[str]) -> str:
    if not photos:
        return ""
    items = "".join(f"<li>{_html.esc(title)}</li>" for title in photos)
    return f"<b>Photos</b><ul>{items}</ul>"


class ApiPanel(StepPanel):
    """Call the API, Refresh, Introspect, Revoke; each raw exchange."""

    step = Step.API

    def __init__(self, state: FlowState | None = None, *, model: ApiModel | None = None) -> None:
        self.model = model or ApiModel(state)
        self.shared = self.model.shared
        self._url = text("API URL")
        self._token = text("access_token", disabled=True)
        self._kind = widgets.ToggleButtons(
            options=list(TOKEN_KINDS), description="Token:", style={"description_width": "10em"}
        )
        self._call = button("Call the photos API", self.model.call_api, button_style="primary")
        self._refresh = button("Refresh", self.model.refresh)
        self._introspect = button("Introspect", self.model.introspect)
        self._revoke = button("Revoke", self.model.revoke, button_style="danger")
        self._links = [
            widgets.link((self.model, "url"), (self._url, "value")),
            widgets.dlink((self.model, "access_token"), (self._token, "value")),
            widgets.link((self.model, "token_kind"), (self._kind, "value")),
        ]
        super().__init__(
            children=[
                heading(
                    self.step.heading,
                    "Call the API with the access token; refresh it; ask the server about "
                    "a token; revoke it and see the API refuse it.",
                ),
                self._url,
                self._token,
                self._call,
                widgets.HBox([self._refresh]),
                self._kind,
                widgets.HBox([self._introspect, self._revoke]),
                message_box(self.model),
                html_of(self.model, "photos", _photos_html),
                html_of(self.model, "introspection", _html.notes_table),
                html_of(self.model, "exchange", _html.pre),
            ]
        )
