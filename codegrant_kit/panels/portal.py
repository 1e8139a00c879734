"""The Developer Portal: create an application and generate its keys (RFC 7591).

As in WSO2 API Manager's portal, the Code grant checkbox stays disabled until a
callback URL is entered: the code grant sends the user back to that URL
(RFC 6749 Section 3.1.2), so without one it cannot work. GENERATE KEYS registers
the application (RFC 7591 Section 3.1) and shows the consumer key (``client_id``)
and consumer secret (``client_secret``).

With the kit's own server the callback URL starts as the kit's callback page (the
client's part, ``/client/callback``): the browser lands there after consent and
the redirect panel picks the redirect up. The seed's ``https://client.example.com/cb``
stays one click away; no page answers there, and the panel says so.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
from traitlets import Bool, Unicode, observe, validate

from ..client import Application
from . import _html
from ._base import (
    StepModel,
    StepPanel,
    button,
    guarded_link,
    heading,
    html_of,
    message_box,
    text,
)
from .state import FlowState
from .steps import Step

DEFAULT_NAME = "PhotoImporter"
SEED_CALLBACK = "https://client.example.com/cb"  # the WSO2 guide's callback URL


def callback_warning(callback_url: str, kit_page: str | None) -> str:
    """What happens in the browser after consent, said before the click.

    >>> callback_warning("https://client.example.com/cb", None)[:45]
    'After consent the browser is sent to https://'
    """
    url = callback_url.strip()
    if not url:
        return ""
    if url == kit_page:
        return (
            "After consent the browser lands on the kit's callback page, which shows the "
            f"code, state and iss. Then go back to the notebook: {Step.REDIRECT} picks the "
            "redirect up with one button, nothing to copy."
        )
    return (
        f"After consent the browser is sent to {url}. No page of this kit answers there, "
        'so the tab will show an error such as "This site can\'t be reached": that is '
        f"expected. The URL in the address bar then holds the code: {Step.REDIRECT} needs "
        "it, copied into its Location field."
    )


class PortalModel(StepModel):
    """The application form and the keys the server gave back."""

    application_name = Unicode(DEFAULT_NAME)
    callback_url = Unicode("")
    code_grant = Bool(False)
    code_grant_enabled = Bool(False)  # only once a callback URL is entered
    refresh_grant = Bool(True)
    # RFC 6749 2.1: a browser or native app, which cannot keep a secret
    public_client = Bool(False)
    consumer_key = Unicode("")
    consumer_secret = Unicode("")
    kit_callback = Unicode("")  # the kit's callback page, when the kit's server runs
    warning = Unicode("")  # what the browser will show after consent

    def __init__(self, shared: FlowState | None = None, **kwargs: Any) -> None:
        super().__init__(shared, **kwargs)
        self.shared.observe(self._on_server, names="server")
        self._on_server()
        self._on_callback()

    def _on_server(self, _change: object = None) -> None:
        old, self.kit_callback = self.kit_callback, self.shared.callback_page_url() or ""
        # the default follows the server, unless the learner chose another URL
        if self.callback_url.strip() in ("", old):
            self.callback_url = self.kit_callback
        self._on_callback()

    @observe("callback_url")
    def _on_callback(self, _change: object = None) -> None:
        self.code_grant_enabled = bool(self.callback_url.strip())
        if not self.code_grant_enabled:
            self.code_grant = False
        self.warning = callback_warning(self.callback_url, self.kit_callback or None)

    def use_kit_callback(self) -> None:
        """The kit's callback page: the browser lands on a page that works."""
        if not self.kit_callback:
            self.error = (
                f"The kit's callback page lives on the kit's server: start it ({Step.SERVER})."
            )
            return
        self.callback_url = self.kit_callback

    def use_seed_callback(self) -> None:
        """The WSO2 guide's https://client.example.com/cb: the page will not load."""
        self.callback_url = SEED_CALLBACK

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
                public=self.public_client,
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
        self._callback = text("Callback URL", placeholder=SEED_CALLBACK, continuous_update=True)
        self._kit_callback = button("The kit's callback page", self.model.use_kit_callback)
        self._seed_callback = button(f"The guide's {SEED_CALLBACK}", self.model.use_seed_callback)
        self._code = widgets.Checkbox(description="Code", indent=False)
        self._refresh = widgets.Checkbox(description="Refresh Token", indent=False)
        self._public = widgets.Checkbox(
            description="Public client: no secret (token_endpoint_auth_method none), PKCE",
            indent=False,
            layout=widgets.Layout(width="95%"),
        )
        self._generate = button("GENERATE KEYS", self.model.generate_keys, button_style="primary")
        self._key = text("Consumer Key")
        self._secret = text("Consumer Secret")
        self._use_keys = button("Use these keys", self.model.use_keys)
        self._links = [
            widgets.link((self.model, "application_name"), (self._name, "value")),
            widgets.link((self.model, "callback_url"), (self._callback, "value")),
            guarded_link(self.model, "code_grant", self._code),
            widgets.link((self.model, "refresh_grant"), (self._refresh, "value")),
            widgets.link((self.model, "public_client"), (self._public, "value")),
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
                widgets.HBox([self._kit_callback, self._seed_callback]),
                html_of(
                    self.model,
                    "warning",
                    lambda w: _html.message("warning", w),
                ),
                widgets.HBox([widgets.Label("Grant types:"), self._code, self._refresh]),
                self._public,
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
                    _html.message(
                        "aside",
                        "The consumer key is the client_id (RFC 6749 Section 2.2); the "
                        "consumer secret is the password the application uses at the token "
                        "endpoint (Section 2.3.1). Keep the secret out of browsers and logs.",
                    )
                ),
            ]
        )
