"""The Developer Portal: create an application and generate its keys (RFC 7591).

As in WSO2 API Manager's portal, the Code grant checkbox stays disabled until a
callback URL is entered: the code grant sends the user back to that URL
(RFC 6749 Section 3.1.2), so without one it cannot work. GENERATE KEYS registers
the application (RFC 7591 Section 3.1) and shows the consumer key (``client_id``)
and consumer secret (``client_secret``).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
from traitlets import Bool, Unicode, observe, validate

from ..client import Application
from . import _html
from ._base import StepModel, StepPanel, button, guarded_link, heading, message_box, text
from .state import FlowState
from .steps import Step

DEFAULT_NAME = "PhotoImporter"


class PortalModel(StepModel):
    """The application form and the keys the server gave back."""

    application_name = Unicode(DEFAULT_NAME)
    callback_url = Unicode("")
    code_grant = Bool(False)
    code_grant_enabled = Bool(False)  # only once a callback URL is entered
    refresh_grant = Bool(True)
    consumer_key = Unicode("")
    consumer_secret = Unicode("")

    def __init__(self, shared: FlowState | None = None, **kwargs: Any) -> None:
        super().__init__(shared, **kwargs)
        self._on_callback()

    @observe("callback_url")
    def _on_callback(self, _change: object = None) -> None:
        self.code_grant_enabled = bool(self.callback_url.strip())
        if not self.code_grant_enabled:
            self.code_grant = False

    @validate("code_grant")
    def _code_needs_callback(self, proposal: Any) -> bool:
        # The portal's rule: no Code grant before a callback URL is given.
        return bool(proposal["value"]) and bool(self.callback_url.strip())

    @property
    def grant_types(self) -> list[str]:
        grants = ["authorization_code"] if self.code_grant else []
        return grants + (["refresh_token"] if self.refresh_grant else [])

    def generate_keys(self) -> None:
        """Register the application with the server and keep its keys."""
        if not self.code_grant:
            self.error = (
                "Tick the Code grant first (it unlocks once a callback URL is entered): "
                "this flow is the authorization code grant."
            )
            return
        application = self.attempt(
            lambda: self.shared.register(
                self.application_name.strip(),
                redirect_uri=self.callback_url.strip(),
                grant_types=self.grant_types,
            )
        )
        if application is None:
            return
        self.consumer_key = application.client_id
        self.consumer_secret = application.client_secret or ""
        self.status = (
            f"Registered {application.client_name or self.application_name!r}: the server "
            "answered 201 Created with these keys (RFC 7591 Section 3.2.1)."
        )

    def use_keys(self) -> None:
        """Use a consumer key and secret copied from another server's portal by hand."""
        key, secret = self.consumer_key.strip(), self.consumer_secret.strip()
        if not key:
            self.error = "Paste the consumer key (and secret) from the portal first."
            return
        application = Application.manual(key, secret or None, self.callback_url.strip() or None)
        self.attempt(lambda: self.shared.use_application(application))
        if not self.error:
            self.status = "The flow now uses these keys."


class PortalPanel(StepPanel):
    """Name, callback URL, grant types, GENERATE KEYS, consumer key and secret."""

    step = Step.PORTAL

    def __init__(self, state: FlowState | None = None, *, model: PortalModel | None = None) -> None:
        self.model = model or PortalModel(state)
        self.shared = self.model.shared
        self._name = text("Application name")
        self._callback = text(
            "Callback URL", placeholder="https://client.example.com/cb", continuous_update=True
        )
        self._code = widgets.Checkbox(description="Code", indent=False)
        self._refresh = widgets.Checkbox(description="Refresh Token", indent=False)
        self._generate = button("GENERATE KEYS", self.model.generate_keys, button_style="primary")
        self._key = text("Consumer Key")
        self._secret = text("Consumer Secret")
        self._use_keys = button("Use these keys", self.model.use_keys)
        self._links = [
            widgets.link((self.model, "application_name"), (self._name, "value")),
            widgets.link((self.model, "callback_url"), (self._callback, "value")),
            guarded_link(self.model, "code_grant", self._code),
            widgets.link((self.model, "refresh_grant"), (self._refresh, "value")),
            widgets.dlink(
                (self.model, "code_grant_enabled"), (self._code, "disabled"), lambda on: not on
            ),
            widgets.link((self.model, "consumer_key"), (self._key, "value")),
            widgets.link((self.model, "consumer_secret"), (self._secret, "value")),
        ]
        super().__init__(
            children=[
                heading(
                    self.step.heading,
                    "Enter the callback URL first: the Code grant type stays disabled "
                    "until there is one.",
                ),
                self._name,
                self._callback,
                widgets.HBox([widgets.Label("Grant types:"), self._code, self._refresh]),
                self._generate,
                message_box(self.model),
                self._key,
                self._secret,
                widgets.HBox(
                    [
                        self._use_keys,
                        widgets.HTML(
                            "<span style='color:#555'>for keys copied from another "
                            "server's portal (WSO2, Keycloak)</span>"
                        ),
                    ]
                ),
                widgets.HTML(
                    "<div style='color:#555'>"
                    + _html.esc(
                        "The consumer key is the client_id (RFC 6749 Section 2.2); the "
                        "consumer secret is the password the application uses at the token "
                        "endpoint (Section 2.3.1). Keep the secret out of browsers and logs."
                    )
                    + "</div>"
                ),
            ]
        )
