"""Every HTTP exchange of the flow so far, as raw HTTP/1.1 in the seed page's format.

The client layer's ``Transcript`` records each request and response (httpx event
hooks) and renders them; this view only shows that text, refreshed after every
step. "Only the headers the WSO2 guide shows" keeps the header fields the seed page
prints (Host, Authorization, Content-Type, Location), and DPoP and DPoP-Nonce in a
DPoP flow, each proof decoded under its request; "Mask secrets" hides codes, tokens and the
secret for sharing a screenshot. A Mermaid diagram of the same traffic does not
draw inside a widget: display ``TranscriptModel.diagram()`` as a cell's output.

The export buttons show the traffic as HAR 1.2 (for a browser's developer tools),
a curl script (to replay the back-channel requests) or the Mermaid source, and
"Save" writes it to a file; credentials stay masked unless "Real values in
exports" is ticked, and only then can the curl script replay anything. From code:
``model.export("curl")`` returns the text, ``model.save("har", path)`` writes it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as widgets
from traitlets import Bool, Int, Unicode, observe

from codegrant_kit.client.export import har_text, mermaid_source, to_curl

from . import _html
from ._base import PanelView, StepModel, button, heading, html_of, message_box, text
from .state import FlowState

# and DPoP's (RFC 9449 4.1, 8.1), which only a DPoP flow sends
SEED_HEADERS = ("host", "authorization", "content-type", "location", "dpop", "dpop-nonce")
# each export's file name when none is given
EXPORT_FILES = {"har": "transcript.har", "curl": "replay.sh", "mermaid": "flow.mmd"}


class TranscriptModel(StepModel):
    """The raw text of every exchange, and the Mermaid source of the same traffic."""

    text = Unicode("")
    mermaid = Unicode("")
    exchanges = Int(0)
    seed_headers_only = Bool(True)
    mask = Bool(False)
    reveal = Bool(False)  # real credentials in exports: only when asked
    export_kind = Unicode("")  # "har", "curl" or "mermaid": the one shown
    export_text = Unicode("")

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

    def export(self, kind: str) -> str:
        """The traffic as ``kind`` (har, curl, mermaid), also shown as ``export_text``."""
        if kind not in EXPORT_FILES:
            raise ValueError(f"no export {kind!r}: choose one of {', '.join(EXPORT_FILES)}")
        transcript = self.shared.transcript
        if transcript is None:
            raise ValueError("No traffic yet: start the server and take a step first.")
        if kind == "har":
            result = har_text(transcript, reveal=self.reveal)
        elif kind == "curl":
            result = to_curl(transcript, reveal=self.reveal)
        else:
            result = mermaid_source(transcript) + "\n"
        self.export_kind, self.export_text = kind, result
        return result

    def save(self, kind: str, path: str | Path | None = None) -> Path:
        """Write the export to ``path`` (by default transcript.har, replay.sh, flow.mmd)."""
        target = Path(path if path is not None else EXPORT_FILES.get(kind, kind))
        target.write_text(self.export(kind), encoding="utf-8")
        masked = "" if self.reveal or kind == "mermaid" else " (credentials masked)"
        self.status = f"Wrote {target}{masked}."
        return target

    @observe("reveal")
    def _reexport(self, _change: object = None) -> None:
        if self.export_kind:
            self.export(self.export_kind)


class TranscriptPanel(PanelView):
    """The raw HTTP of every exchange so far."""

    def __init__(
        self, state: FlowState | None = None, *, model: TranscriptModel | None = None
    ) -> None:
        self.model = model or TranscriptModel(state)
        self.shared = self.model.shared
        self._seed = widgets.Checkbox(
            description="Only the headers the WSO2 guide shows (Host, Authorization, ...)",
            indent=False,
            layout=widgets.Layout(width="95%"),
        )
        self._mask = widgets.Checkbox(description="Mask secrets", indent=False)
        self._reveal = widgets.Checkbox(description="Real values in exports", indent=False)
        self._links = [
            widgets.link((self.model, "seed_headers_only"), (self._seed, "value")),
            widgets.link((self.model, "mask"), (self._mask, "value")),
            widgets.link((self.model, "reveal"), (self._reveal, "value")),
        ]
        self._path = text("Save as", placeholder="blank: transcript.har, replay.sh, flow.mmd")
        self._exports = {
            kind: button(label, self._shower(kind))
            for kind, label in (("har", "HAR"), ("curl", "curl script"), ("mermaid", "Mermaid"))
        }
        self._save = button("Save", self._save_shown)
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
                widgets.HBox([*self._exports.values(), self._reveal]),
                widgets.HBox([self._path, self._save]),
                message_box(self.model),
                html_of(self.model, "export_text", _html.pre),
            ]
        )

    def _shower(self, kind: str) -> Callable[[], object]:
        return lambda: self.model.attempt(lambda: self.model.export(kind))

    def _save_shown(self) -> None:
        kind = self.model.export_kind or "har"
        self.model.attempt(lambda: self.model.save(kind, self._path.value.strip() or None))
