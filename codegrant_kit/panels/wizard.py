"""The step panels stacked in the order of the flow, with Back and Next, on one state.

The order is ``Step``'s (``steps.py``), the one list of the steps; each panel says
which step it shows. A step of OpenID Connect (``OPENID_STEPS``: the ID token) is
added once the scope asks for ``openid``: in the authorize panel, or the
``FlowState``'s own scope. Below them, folded away: the transcript of every
exchange, and the JWT panel.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
from traitlets import HasTraits, Int, validate

from ..client import Endpoints, asks_openid
from ..runner import BackgroundServer
from . import _html
from ._base import PanelView, StepPanel, button
from .api_panel import ApiPanel
from .authorize_panel import AuthorizePanel
from .id_token_panel import IdTokenPanel
from .jwt_panel import JwtPanel
from .login_panel import LoginPanel
from .portal import PortalPanel
from .redirect_panel import RedirectPanel
from .server_panel import ServerPanel
from .state import FlowState
from .steps import OPENID_STEPS, Step
from .token_panel import TokenPanel
from .transcript_view import TranscriptPanel

# what the wizard works on; see Wizard.__init__
Target = FlowState | BackgroundServer | Endpoints | str | None

# each step's panel; each names its step, and Step gives their order
PANELS: dict[Step, type[StepPanel]] = {
    panel.step: panel
    for panel in (
        ApiPanel,
        AuthorizePanel,
        IdTokenPanel,
        LoginPanel,
        PortalPanel,
        RedirectPanel,
        ServerPanel,
        TokenPanel,
    )
}
STEPS = tuple(step.title for step in Step)


class WizardModel(HasTraits):
    """Which step is shown, counted from 0, of how many shown."""

    step = Int(0)
    count = Int(len(Step) - len(OPENID_STEPS))

    @validate("step")
    def _within_steps(self, proposal: Any) -> int:
        return min(max(int(proposal["value"]), 0), self.count - 1)

    def next(self) -> None:
        self.step += 1

    def back(self) -> None:
        self.step -= 1


class Wizard(PanelView):
    """One panel per step, on one shared ``FlowState``; Back and Next move between them."""

    def __init__(
        self,
        target: Target = None,
        *,
        users: Mapping[str, str] | None = None,
        **server_options: Any,
    ) -> None:
        """``target``: a ``FlowState`` to share, a server started in a cell, an issuer URL,
        or ``Endpoints`` (a preset); by default the Start button starts our own server
        with ``users`` and ``server_options`` (``start_server``'s arguments)."""
        self.shared = target if isinstance(target, FlowState) else FlowState()
        self.model = WizardModel()
        server_panel = ServerPanel(self.shared, users=users, **server_options)
        self._panels = tuple(
            server_panel if step is Step.SERVER else PANELS[step](self.shared)
            for step in Step
            if step not in OPENID_STEPS
        )
        self._stack = widgets.Stack(children=list(self._panels), selected_index=0)
        self._back = button("Back", self.model.back, icon="arrow-left")
        self._next = button("Next", self.model.next, icon="arrow-right")
        self._where = widgets.HTML()
        self._transcript = TranscriptPanel(self.shared)
        self._jwt = JwtPanel(self.shared)
        self._more = widgets.Accordion(
            children=[self._transcript, self._jwt],
            titles=("Transcript: every exchange so far", "JWT access token"),
        )
        self.model.observe(self._show_step, names=["step", "count"])
        self._scope_from = [panel.model for panel in self._panels if panel.step is Step.AUTHORIZE]
        for model in self._scope_from:
            model.observe(self._on_scope, names="scope")
        self.shared.observe(self._on_scope, names="authorization_request")
        self._on_scope()
        if isinstance(target, BackgroundServer):
            server_panel.model.use(target)
        elif isinstance(target, (str, Endpoints)):
            server_panel.model.connect(target)
        self._show_step()
        super().__init__(
            children=[
                widgets.HBox([self._back, self._where, self._next]),
                self._stack,
                self._more,
            ]
        )

    @property
    def panels(self) -> tuple[StepPanel, ...]:
        """The step panels, in Step's order."""
        return self._panels

    def _on_scope(self, _change: object = None) -> None:
        """Add the OpenID Connect steps once a scope asks for openid; never take them away
        (a learner who looked at the ID token keeps the panel)."""
        request = self.shared.authorization_request
        scopes = [self.shared.scope, request.scope if request is not None else None]
        scopes += [model.scope for model in self._scope_from]
        shown = {panel.step for panel in self._panels}
        if not any(asks_openid(scope) for scope in scopes) or shown >= OPENID_STEPS:
            return
        added = [PANELS[step](self.shared) for step in Step if step in OPENID_STEPS - shown]
        self._panels = tuple(sorted((*self._panels, *added), key=lambda p: p.step.number))
        self._stack.children = list(self._panels)
        self.model.count = len(self._panels)

    def _show_step(self, _change: object = None) -> None:
        index = self.model.step
        step = self._panels[index].step
        self._stack.selected_index = index
        self._back.disabled = index == 0
        self._next.disabled = index == len(self._panels) - 1
        count = len(self._panels)
        self._where.value = f"<b>Step {step.number} of {count}: {_html.esc(step.title)}</b>"

    def close(self) -> None:
        for panel in (*self._panels, self._transcript, self._jwt):
            panel.close()
        super().close()


def wizard(
    target: Target = None,
    *,
    users: Mapping[str, str] | None = None,
    **server_options: Any,
) -> Wizard:
    """The whole flow in one widget, as a cell's last line: ``wizard()``, ``wizard(server)``,
    ``wizard(state)``, ``wizard("https://issuer")`` or ``wizard(preset.endpoints)``."""
    return Wizard(target, users=users, **server_options)
