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
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import ipywidgets as widgets
from traitlets import Bool, List, Unicode

from ..client import BrowserError, Page, Preset
from ..client.choices import pick
from ..client.explain import explain_error
from . import _html
from ._base import StepModel, StepPanel, button, heading, message_box, text
from .state import FlowState
from .steps import Step


class LoginModel(StepModel):
    """Username and password; the page the server answered with, in words; the
    answers its consent page offers."""

    username = Unicode("admin")  # WSO2's default administrator
    password = Unicode("")
    page_kind = Unicode("")  # login, retry, consent, redirect, error page, other
    answer = Unicode("")  # what the server answered, in words
    pressed = Unicode("")  # the consent button pressed last, if the answer is to one
    location = Unicode("")  # where a redirect sends the browser
    explanation: List[Any] = List()  # (label, text) of an error the redirect carries
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
        offered = page.consent_choices
        picked = self.attempt(lambda: pick(offered, choice))
        if picked is None:
            return  # not an answer this page offers: the error lists those it does
        page = self.attempt(lambda: self.shared.consent(choice))
        if page is not None:
            self._show(page, pressed=picked.label)

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
            offered = ", ".join(page_choice.label for page_choice in page.consent_choices)
            self.status = f"Signed in. The server asks for consent; its page offers: {offered}."
            self.status += _preset_note(self.shared.preset, page)
        elif page.kind == "other":
            self.status = page.describe()


def _preset_note(preset: Preset | None, page: Page) -> str:
    """What the preset's product does with these answers, beyond their labels."""
    if preset is None:
        return ""
    shown = [choice.label for choice in page.consent_choices]
    notes = [
        f" On {preset.name}, {answer.label} posts {answer.posts} and is remembered: the "
        "next request for these scopes skips this page."
        for answer in preset.consent
        if answer.label in shown and answer.remembered
    ]
    if set(shown) != set(preset.consent_labels):
        notes.append(f" {preset.name}'s page usually offers {', '.join(preset.consent_labels)}.")
    return "".join(notes)


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
        self._answer = widgets.HTML()
        self.model.observe(self._show_answer, names=["answer", "location", "explanation"])
        self._show_answer()
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
                self._answer,
            ]
        )

    def _show_answer(self, _change: object = None) -> None:
        self._answer.value = _answer_html(self.model)

    @property
    def buttons(self) -> dict[str, widgets.Button]:
        """The consent page's answers as buttons, by label (empty with no consent page)."""
        return {
            item.description: item
            for item in self._consent.children
            if isinstance(item, widgets.Button)
        }

    def button_for(self, choice: str) -> widgets.Button:
        """The button a person presses for ``choice``: a label, or approve,
        approveAlways, deny as ``Flow.consent`` takes them. With no such answer open, a
        disabled button whose press says which page is open instead."""
        page = self.shared.page
        try:
            return self.buttons[pick(page.consent_choices if page else (), choice).label]
        except (BrowserError, KeyError):
            return button(choice, self._press(choice), disabled=True)

    # the fixed buttons of before, by what they do (tests written against them press these)
    _approve_once = property(lambda self: self.button_for("approve"))
    _approve_always = property(lambda self: self.button_for("approveAlways"))
    _deny = property(lambda self: self.button_for("deny"))

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
