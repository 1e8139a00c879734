"""The README's "a new panel" recipe, followed for a toy panel on the API step.

A new step also needs its `Step` member (edit 1 of the recipe), which an enum
cannot gain at run time; tests/panels/test_steps.py then checks that it has a panel
and that every number follows. Here edits 2 and 3: a model and a thin view that
name their step, put in the wizard's PANELS.
"""

from __future__ import annotations

from typing import Any

import pytest
from traitlets import Unicode

from codegrant_kit.panels import Step, Wizard
from codegrant_kit.panels._base import StepModel, StepPanel, button, heading, message_box, text
from codegrant_kit.panels.wizard import PANELS


class NotesModel(StepModel):
    """The step's values, and an action that says what went wrong in words."""

    note = Unicode("")
    saved = Unicode("")

    def save(self) -> None:
        self.attempt(self._save)

    def _save(self) -> None:
        if not self.note.strip():
            raise ValueError("Write a note first.")
        self.saved = self.note
        self.status = f"Saved, for {Step.API}."


class NotesPanel(StepPanel):
    step = Step.API

    def __init__(self, state: Any = None) -> None:
        self.model = NotesModel(state)
        self._note = text("Note")
        self._note.observe(lambda change: setattr(self.model, "note", change["new"]), "value")
        super().__init__(
            children=[
                heading(self.step.heading, "Notes on what the API answered."),
                self._note,
                button("Save", self.model.save),
                message_box(self.model),
            ]
        )


def test_a_new_panel_is_a_model_and_a_thin_view():
    panel = NotesPanel()
    try:
        panel.model.save()
        assert panel.model.error == "Write a note first."
        panel._note.value = "200 OK, three photos"
        panel.children[2].click()
        assert panel.model.saved == "200 OK, three photos"
        assert panel.model.status == "Saved, for step 7." and not panel.model.error
        assert panel.children[0].value.count(Step.API.heading) == 1
    finally:
        panel.close()


def test_the_wizard_stacks_a_panel_put_in_panels_at_its_steps_place(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setitem(PANELS, Step.API, NotesPanel)
    made = Wizard()
    try:
        shown = made.panels[Step.API.number - 1]
        assert isinstance(shown, NotesPanel)
        assert shown.model.shared is made.shared  # on the wizard's one flow
        made.model.step = Step.API.number - 1
        assert made._stack.selected_index == Step.API.number - 1
    finally:
        made.close()
