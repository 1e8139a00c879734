"""The user's part (RFC 6749 Section 4.1, step B): sign in, then consent.

The client layer's simulated browser opens the authorization URL built before, fills
in the server's real login form and submits it, then presses one of the consent
page's buttons: Approve Once, Approve Always (remembered, so the next request for
the same scope skips this page) or Deny. A wrong password brings the login page
back with the server's retry message, as WSO2's ``retry.do`` does.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import ipywidgets as widgets
from traitlets import Bool, List, Unicode

from ..client import Page
from ..client.browser import CONSENT_LABELS, ConsentChoice
from ..client.explain import explain_error
from . import _html
from ._base import StepModel, StepPanel, button, heading, message_box, text
from .state import FlowState
from .steps import Step


class LoginModel(StepModel):
    """Username and password; the page the server answered with, in words."""

    username = Unicode("admin")  # WSO2's default administrator
    password = Unicode("")
    page_kind = Unicode("")  # login, retry, consent, redirect, error page
    answer = Unicode("")  # what the server answered, in words
    pressed = Unicode("")  # the consent button pressed last, if the answer is to one
    location = Unicode("")  # where a redirect sends the browser
    explanation: List[Any] = List()  # (label, text) of an error the redirect carries
    consent_open = Bool(False)

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

    def approve_once(self) -> None:
        self.choose("approve")

    def approve_always(self) -> None:
        self.choose("approveAlways")

    def deny(self) -> None:
        self.choose("deny")

    def choose(self, choice: ConsentChoice) -> None:
        """Press a button of the consent page."""
        self.status = ""
        page = self.shared.page
        if page is None or page.kind != "consent":
            self.error = (
                "There is no consent page open: press Sign In first; the server asks for "
                "consent after the login."
            )
            return
        page = self.attempt(lambda: self.shared.consent(choice))
        if page is not None:
            self._show(page, pressed=CONSENT_LABELS[choice])

    def _show(self, page: Page, *, pressed: str = "") -> None:
        self.page_kind = page.kind
        self.consent_open = page.kind == "consent"
        self.pressed = pressed
        self.location = (page.location or "") if page.kind == "redirect" else ""
        self.explanation = _explained(self.location)
        before = f"You pressed {pressed}. " if pressed else ""
        self.answer = before + page.describe()
        if page.kind == "retry":
            self.error = f"{page.message} (HTTP {page.status}: the login page came back.)"
        elif page.kind == "error page":
            self.error = page.message
        elif page.kind == "redirect":
            self.status = f"The browser is being sent back to the client: go on to {Step.REDIRECT}."
        elif page.kind == "consent":
            self.status = "Signed in. The server asks for consent."


def _explained(location: str) -> list[tuple[str, str]]:
    """The error a redirect carries (RFC 6749 4.1.2.1), line by line; none without one."""
    query = dict(parse_qsl(urlsplit(location).query))
    if "error" not in query:
        return []
    found = explain_error(query["error"], query.get("error_description"), where="authorization")
    rows = [("Error", f"{found.error} ({found.section}, {found.where})")]
    if found.description:
        rows.append(("The server says", f'"{found.description}"'))
    rows += [
        ("What it means", found.meaning),
        ("Likely cause", found.likely_cause),
        ("Fix", found.fix),
    ]
    return rows


def _answer_html(model: LoginModel) -> str:
    """What the server answered: the button pressed, where the redirect goes, the
    error it carries, each on a line of its own."""
    if not model.answer:
        return ""
    if not model.location:
        return f"<b>The server answered:</b> {_html.esc(model.answer)}"
    parts = [f"<div><b>You pressed {_html.esc(model.pressed)}.</b></div>"] if model.pressed else []
    parts.append(
        "<div><b>The server answered</b> with a redirect: it sends the browser back to the "
        "client, at</div>" + _html.pre(model.location)
    )
    parts += [
        f"<div style='margin-top:0.2em'><b>{_html.esc(label)}:</b> {_html.esc(line)}</div>"
        for label, line in model.explanation
    ]
    return "".join(parts)


class LoginPanel(StepPanel):
    """Username, password, Sign In; Approve Once, Approve Always, Deny."""

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
        self._approve_once = button(CONSENT_LABELS["approve"], self.model.approve_once)
        self._approve_always = button(CONSENT_LABELS["approveAlways"], self.model.approve_always)
        self._deny = button(CONSENT_LABELS["deny"], self.model.deny, button_style="warning")
        consent_buttons = (self._approve_once, self._approve_always, self._deny)
        self._answer = widgets.HTML()
        self.model.observe(self._show_answer, names=["answer", "location", "explanation"])
        self._show_answer()
        self._links = [
            widgets.link((self.model, "username"), (self._username, "value")),
            widgets.link((self.model, "password"), (self._password, "value")),
            *(
                widgets.dlink((self.model, "consent_open"), (item, "disabled"), lambda on: not on)
                for item in consent_buttons
            ),
        ]
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
                widgets.HBox(list(consent_buttons)),
                message_box(self.model),
                self._answer,
            ]
        )

    def _show_answer(self, _change: object = None) -> None:
        self._answer.value = _answer_html(self.model)
