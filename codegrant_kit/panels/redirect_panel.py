"""The authorization response (RFC 6749 Section 4.1.2): the redirect, taken apart.

The server answers the consent with ``HTTP/1.1 302 Found`` and a ``Location`` on
the client's redirect URI. Its query carries the ``code`` and the ``state`` the
client sent, and ``iss`` (RFC 9207), or an ``error`` (Section 4.1.2.1). Before
using the code the client checks that the state is its own (against CSRF,
Section 10.12) and that ``iss`` names the server it talked to (against mix-up,
RFC 9207 Section 2.4). A Location pasted from a real browser works too, and a
redirect that reached the kit's callback page in the learner's browser is fetched
by its state, with no copy and paste.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
from traitlets import List, Unicode, observe

from ..client import explain_redirect
from . import _html
from ._base import StepModel, StepPanel, button, heading, html_of, message_box, text
from .state import FlowState
from .steps import Step


class RedirectModel(StepModel):
    """The Location, its parameters, and the result of each check."""

    raw = Unicode("")  # the 302 as the browser received it
    location = Unicode("")
    parameters: List[Any] = List()  # (name, value, what it is for, section)
    code = Unicode("")
    state_sent = Unicode("")
    state_received = Unicode("")
    iss_expected = Unicode("")
    iss_received = Unicode("")
    checks: List[str] = List(Unicode())  # the checks that passed, in words

    def __init__(self, shared: FlowState | None = None, **kwargs: Any) -> None:
        super().__init__(shared, **kwargs)
        self.shared.observe(self._on_page, names="page")
        self.shared.observe(self._on_request, names="authorization_request")
        self._on_request()
        self._on_page()

    def _on_request(self, _change: object = None) -> None:
        request = self.shared.authorization_request
        self.state_sent = (request.state or "") if request else ""
        self.iss_expected = self.shared.issuer

    def _on_page(self, _change: object = None) -> None:
        page = self.shared.page
        if page is None or page.kind != "redirect" or page.location is None:
            if page is not None:  # a new login started: the old redirect is stale
                self.raw = self.location = ""
            return
        transcript = self.shared.transcript
        last = transcript.last if transcript is not None else None
        if last is not None and last.actor == "Browser" and last.response is not None:
            self.raw = last.raw_response(headers=("location",))
        else:
            self.raw = f"HTTP/1.1 {page.status} {page.reason}\nLocation: {page.location}"
        self.location = page.location

    @observe("location")
    def _take_apart(self, _change: object = None) -> None:
        """Show the parameters at once; checking them is ``check()``."""
        notes = explain_redirect(self.location)
        self.parameters = [tuple(note) for note in notes]
        self.state_received = next((n.value for n in notes if n.parameter == "state"), "")
        self.iss_received = next((n.value for n in notes if n.parameter == "iss"), "")
        self.code, self.checks, self.error, self.status = "", [], "", ""

    def use_received(self) -> None:
        """Take the latest redirect the kit's callback page received with our state."""
        found = self.attempt(self.shared.received_redirects)
        if found is None:
            return
        if not found:
            self.error = (
                "Nothing has reached the callback page with this request's state yet: open "
                f"the link in {Step.AUTHORIZE}, sign in and approve, then press this again."
            )
            return
        self.raw = ""
        self.location = found[-1]
        self.status = (
            "This is the redirect your browser brought to the callback page. "
            "Check it: state and iss first."
        )

    def check(self) -> None:
        """Check redirect_uri, state and iss; keep the code, or explain the error."""
        self.code, self.checks, self.status = "", [], ""
        location = self.location.strip() or None
        response = self.attempt(lambda: self.shared.receive_redirect(location))
        if response is None:
            return
        self.checks = list(response.checks)
        if response.error is not None:
            self.error = str(response.explanation)
            return
        self.code = response.code or ""
        self.status = f"Every check passed: the client may exchange this code ({Step.TOKEN})."


def _checks_html(checks: list[str]) -> str:
    return "".join(f"<div style='color:#1a6e1a'>&#10003; {_html.esc(c)}</div>" for c in checks)


class RedirectPanel(StepPanel):
    """The 302, its Location, the parameters, the state and iss checks."""

    step = Step.REDIRECT

    def __init__(
        self, state: FlowState | None = None, *, model: RedirectModel | None = None
    ) -> None:
        self.model = model or RedirectModel(state)
        self.shared = self.model.shared
        self._location = text("Location", placeholder="paste a Location from your browser")
        self._use_received = button(
            "Use the redirect the callback page received", self.model.use_received
        )
        self._check = button("Check the redirect", self.model.check, button_style="primary")
        self._links = [widgets.link((self.model, "location"), (self._location, "value"))]
        super().__init__(
            children=[
                heading(
                    self.step.heading,
                    "The server sends the browser to the callback URL with the code. The "
                    "client checks state and iss before it trusts the code.",
                ),
                html_of(self.model, "raw", _html.pre),
                self._location,
                self._use_received,
                html_of(self.model, "parameters", _html.notes_table),
                html_of(
                    self.model,
                    "state_sent",
                    lambda sent: (
                        f"<b>state sent:</b> <code>{_html.esc(sent)}</code>" if sent else ""
                    ),
                ),
                self._check,
                html_of(self.model, "checks", _checks_html),
                message_box(self.model),
            ]
        )
