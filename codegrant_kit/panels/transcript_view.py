"""Every HTTP exchange of the flow so far, as raw HTTP/1.1 in the seed page's format.

The client layer's ``Transcript`` records each request and response (httpx event
hooks) and renders them; this view only shows that text, refreshed after every
step. "Seed headers only" keeps the header fields the seed page prints (Host,
Authorization, Content-Type, Location); "Mask secrets" hides codes, tokens and the
secret for sharing a screenshot. A Mermaid diagram of the same traffic does not
draw inside a widget: display ``TranscriptModel.diagram()`` as a cell's output.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
from traitlets import Bool, Int, Unicode, observe

from . import _html
from ._base import PanelView, StepModel, heading, html_of
from .state import FlowState

SEED_HEADERS = ("host", "authorization", "content-type", "location")


class TranscriptModel(StepModel):
    """The raw text of every exchange, and the Mermaid source of the same traffic."""

    text = Unicode("")
    mermaid = Unicode("")
    exchanges = Int(0)
    seed_headers_only = Bool(True)
    mask = Bool(False)

    def __init__(self, shared: FlowState | None = None, **kwargs: Any) -> None:
        super().__init__(shared, **kwargs)
        self.shared.observe(self.refresh, names="revision")
        self.refresh()

    @observe("seed_headers_only", "mask")
    def refresh(self, _change: object = None) -> None:
        transcript = self.shared.transcript
        if transcript is None:
            self.text, self.mermaid, self.exchanges = "", "", 0
            return
        headers = SEED_HEADERS if self.seed_headers_only else None
        self.text = transcript.to_text(mask=self.mask, headers=headers)
        self.mermaid = transcript.to_mermaid(detail=True)
        self.exchanges = len(transcript)

    def diagram(self) -> Any:
        """The traffic as a Mermaid sequence diagram, to display as a cell's output."""
        from IPython.display import Markdown

        return Markdown(f"```mermaid\n{self.mermaid}\n```")  # type: ignore[no-untyped-call]


class TranscriptPanel(PanelView):
    """The raw HTTP of every exchange so far."""

    def __init__(
        self, state: FlowState | None = None, *, model: TranscriptModel | None = None
    ) -> None:
        self.model = model or TranscriptModel(state)
        self.shared = self.model.shared
        self._seed = widgets.Checkbox(description="Seed page's headers only", indent=False)
        self._mask = widgets.Checkbox(description="Mask secrets", indent=False)
        self._links = [
            widgets.link((self.model, "seed_headers_only"), (self._seed, "value")),
            widgets.link((self.model, "mask"), (self._mask, "value")),
        ]
        super().__init__(
            children=[
                heading("Transcript", "Every request and response on the wire, in order."),
                widgets.HBox([self._seed, self._mask]),
                html_of(
                    self.model,
                    "exchanges",
                    lambda count: f"{count} exchanges so far." if count else "No traffic yet.",
                ),
                html_of(self.model, "text", _html.pre),
            ]
        )
