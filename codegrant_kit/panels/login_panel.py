"""The user's part (RFC 6749 Section 4.1, step B): sign in, then consent.

The client layer's simulated browser opens the authorization URL built before, fills
in the server's real login form and submits it (a username-first login takes two
pages), then shows one button for each answer the consent page offers, labelled as
the page labels it: Approve Once, Approve Always and Deny on this kit's server and
WSO2 API Manager, Allow and Deny on WSO2 Identity Server 7, Yes and No on Keycloak,
Authorize and Cancel on django-oauth-toolkit. Pressing one sends what a browser
sends for that click. A wrong password brings the login page back with the
server's retry message, as WSO2's ``retry.do`` does.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
from traitlets import Bool, List, Unicode

from ..client import Page
from . import _html
from ._base import StepModel, StepPanel, button, heading, html_of, message_box, text
from .state import FlowState
from .steps import Step


class LoginModel(StepModel):
    """Username and password; the page the server answered with, in words; the
    answers its consent page offers."""

    username = Unicode("admin")  # WSO2's default administrator
    password = Unicode("")
    page_kind = Unicode("")  # login, retry, consent, redirect, error page, other
    answer = Unicode("")  # what the server answered, in words
    consent_open = Bool(False)
    choices = List(Unicode())  # the consent page's answers, as it labels them
    refusing = List(Unicode())  # those of them that refuse

    def __init__(self, shared: FlowState | None = None, **kwargs: object) -> None:
        super().__init__(shared, **kwargs)
        self.shared.observe(self._page_changed, names="page")
        self._page_changed()

    def _page_changed(self, _change: object = None) -> None:
        page = self.shared.page
        choices = page.consent_choices if page is not None else ()
        self.consent_open = bool(choices)
        self.choices = [choice.label for choice in choices]
        self.refusing = [choice.label for choice in choices if choice.grants is False]

    def sign_in(self) -> None:
        """Open the authorization URL (if not open yet) and submit the login form."""
        self.status = ""
        page = self.attempt(self._sign_in)
        if page is not None:
            self._show(page)

    def _sign_in(self) -> Page:
        shared = self.shared
        page = shared.page
        fresh = shared.opened_request is shared.authorization_request and page is not None
        if not fresh or page is None or page.kind not in ("login", "retry"):
            page = shared.open_authorization_page()
            if page.kind not in ("login", "retry"):
                return page  # an error page, or a redirect with an error: nothing to sign in
        return shared.login(self.username, self.password)

    def choose(self, choice: str) -> None:
        """Press one of the consent page's buttons: its label as the page shows it,
        or a WSO2 value (approve, approveAlways, deny)."""
        self.status = ""
        self.error = ""
        page = self.shared.page
        if page is None or not page.consent_choices:
            self.error = self._no_consent_page(page)
            return
        page = self.attempt(lambda: self.shared.consent(choice))
        if page is not None:
            self._show(page, pressed=choice)

    def _no_consent_page(self, page: Page | None) -> str:
        """Why there is nothing to answer, from the page that is really open."""
        if self.shared.flow is None:
            return (
                f"There is no server to talk to yet: start it in the Server panel "
                f"({Step.SERVER}), then press Sign In."
            )
        if page is None:
            return (
                "No page is open yet: press Sign In first; the server asks for consent "
                "after the login."
            )
        if page.kind in ("login", "retry"):
            return (
                "The login page is open, not a consent page: press Sign In first. "
                + page.describe()
            )
        if page.kind == "redirect":
            return (
                "The browser is at a redirect, not a consent page: there is nothing to "
                f"answer. {page.describe()} Go on to {Step.REDIRECT}."
            )
        return f"The page open is not a consent page. {page.describe()}"

    def _show(self, page: Page, *, pressed: str = "") -> None:
        self.page_kind = page.kind
        before = f"You pressed {pressed}. " if pressed else ""
        self.answer = before + page.describe()
        if page.kind == "retry":
            self.error = f"{page.message} (HTTP {page.status}: the login page came back.)"
        elif page.kind == "error page":
            self.error = page.message
        elif page.kind == "redirect":
            self.status = f"The browser is being sent back to the client: go on to {Step.REDIRECT}."
        elif page.kind == "consent":
            offered = ", ".join(page_choice.label for page_choice in page.consent_choices)
            self.status = f"Signed in. The server asks for consent; its page offers: {offered}."
        elif page.kind == "other":
            self.status = page.describe()


class LoginPanel(StepPanel):
    """Username, password, Sign In; one button per answer of the consent page."""

    step = Step.LOGIN

    def __init__(self, state: FlowState | None = None, *, model: LoginModel | None = None) -> None:
        self.model = model or LoginModel(state)
        self.shared = self.model.shared
        self._username = text("Username")
        self._password = widgets.Password(
            description="Password",
            layout=widgets.Layout(width="95%"),
            style={"description_width": "10em"},
        )
        self._sign_in = button("Sign In", self.model.sign_in, button_style="primary")
        self._consent = widgets.HBox()
        self._links = [
            widgets.link((self.model, "username"), (self._username, "value")),
            widgets.link((self.model, "password"), (self._password, "value")),
        ]
        self.model.observe(self._draw_choices, names=["choices", "refusing"])
        self._draw_choices()
        super().__init__(
            children=[
                heading(
                    self.step.heading,
                    "This is the user's part, done by a simulated browser against the "
                    "server's real login and consent pages.",
                ),
                self._username,
                self._password,
                self._sign_in,
                self._consent,
                message_box(self.model),
                html_of(
                    self.model,
                    "answer",
                    lambda answer: (
                        f"<b>The server answered:</b> {_html.esc(answer)}" if answer else ""
                    ),
                ),
            ]
        )

    @property
    def buttons(self) -> dict[str, widgets.Button]:
        """The consent page's answers as buttons, by label (empty with no consent page)."""
        return {
            item.description: item
            for item in self._consent.children
            if isinstance(item, widgets.Button)
        }

    def _draw_choices(self, _change: object = None) -> None:
        model = self.model
        if not model.choices:
            self._consent.children = [
                widgets.HTML(
                    "<i style='color:#555'>The consent page's buttons appear here, "
                    "labelled as the server labels them, once it is open.</i>"
                )
            ]
            return
        self._consent.children = [
            button(
                label,
                self._press(label),
                button_style="warning" if label in model.refusing else "",
            )
            for label in model.choices
        ]

    def _press(self, label: str) -> Callable[[], None]:
        return lambda: self.model.choose(label)
