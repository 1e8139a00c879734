"""What every panel shares: a step model with an error line, and a thin view.

A panel is three parts (jupyter-widgets/tutorial): a ``StepModel`` holding the
step's values and results, a ``PanelView`` (a ``VBox`` with private children)
showing them, and ``traitlets.link``/``observe`` glue between the two.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import ipywidgets as widgets
from traitlets import HasTraits, Instance, Unicode

from . import _html
from ._actions import plain_error
from .state import FlowState
from .steps import Step

T = TypeVar("T")


class StepModel(HasTraits):
    """A step's values; ``error`` and ``status`` are what the panel says in words."""

    shared = Instance(FlowState)  # the one flow every panel works on
    error = Unicode("")  # plain words, never a traceback
    status = Unicode("")

    def __init__(self, shared: FlowState | None = None, **kwargs: Any) -> None:
        super().__init__(shared=shared if shared is not None else FlowState(), **kwargs)

    def attempt(self, action: Callable[[], T]) -> T | None:
        """Run an action; on failure, say why in ``error`` and return None."""
        self.error = ""
        try:
            return action()
        except Exception as exc:  # every failure is shown in the panel, in words
            self.error = plain_error(exc)
            return None


def text(description: str, **kwargs: Any) -> Any:
    """A labelled text box wide enough for URLs and tokens."""
    return widgets.Text(
        description=description,
        layout=widgets.Layout(width="95%"),
        style={"description_width": "10em"},
        **kwargs,
    )


def guarded_link(model: HasTraits, name: str, widget: Any) -> Any:
    """Like ``traitlets.link``, but the widget shows the model's value again when the
    model refuses a change (a validator or observer that sets it back)."""

    def to_model(change: dict[str, Any]) -> None:
        setattr(model, name, change["new"])
        widget.value = getattr(model, name)

    widget.observe(to_model, names="value")
    return widgets.dlink((model, name), (widget, "value"))


def button(description: str, handler: Callable[[], object], **kwargs: Any) -> Any:
    """A button whose click runs ``handler`` (a model method) and nothing else.

    As wide as its words, and never narrower than ipywidgets' buttons (148 px): a
    long label ("Use the redirect the callback page received") is shown whole, not cut.
    """
    kwargs.setdefault("layout", widgets.Layout(width="max-content", min_width="148px"))
    widget = widgets.Button(description=description, **kwargs)
    widget.on_click(lambda _button: handler())
    return widget


def message_box(model: StepModel) -> Any:
    """An HTML line showing the model's status and error, kept up to date."""
    box = widgets.HTML()

    def show(_change: object = None) -> None:
        box.value = _html.message("error", model.error) or _html.message("info", model.status)

    model.observe(show, names=["error", "status"])
    show()
    return box


def html_of(model: HasTraits, name: str, render: Callable[[Any], str]) -> Any:
    """An HTML widget showing ``render(model.<name>)``, updated on every change."""
    box = widgets.HTML()
    box.value = render(getattr(model, name))

    def show(change: dict[str, Any]) -> None:
        box.value = render(change["new"])

    model.observe(show, names=name)
    return box


def heading(name: str, help_text: str) -> Any:
    """The panel's title and one sentence on what the step is for."""
    return widgets.HTML(
        f"<h3 style='margin:0.2em 0'>{_html.esc(name)}</h3>" + _html.message("aside", help_text)
    )


class PanelView(widgets.VBox):  # type: ignore[misc]  # ipywidgets ships no type hints
    """A thin view: children are private; ``model`` holds every value.

    The repr is short and fixed, because a displayed widget's ``text/plain`` is its
    repr, which nbval compares, and a VBox's own repr lists every child's value.
    """

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class StepPanel(PanelView):
    """The panel of one step of the flow; ``step`` says which (see ``steps``)."""

    step: ClassVar[Step]
