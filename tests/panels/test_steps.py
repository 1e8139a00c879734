"""One list of steps: the wizard's order, each panel's heading, every "step N" in a message."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import codegrant_kit.panels as panels_package
from codegrant_kit.panels import FlowState, Step, TokenPanel, Wizard
from codegrant_kit.panels.steps import OPENID_STEPS
from codegrant_kit.panels.wizard import PANELS, STEPS

# a step number written by hand: "step 5", "Step 1, ...", a heading "5. The ..."
HAND_WRITTEN = re.compile(r"\b[Ss]tep [0-9]|^[0-9]\. ")


def strings_in(path: Path) -> list[str]:
    return [
        node.value
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_the_steps_keep_the_numbers_the_notebooks_show() -> None:
    assert [(step.number, step.title) for step in Step] == [
        (1, "Server"),
        (2, "Developer Portal"),
        (3, "Authorize URL"),
        (4, "Login and consent"),
        (5, "Redirect"),
        (6, "Token request"),
        (7, "Using the token"),
        (8, "ID token"),  # OpenID Connect's, last: the seven before keep their numbers
    ]
    assert tuple(step.title for step in Step) == STEPS
    assert str(Step.REDIRECT) == "step 5" and Step.TOKEN.heading == "6. The token request"


def test_each_step_has_one_panel_and_the_wizard_stacks_them_in_steps_order() -> None:
    assert set(PANELS) == set(Step)
    assert all(panel.step is step for step, panel in PANELS.items())
    made = Wizard()
    try:
        # without openid in the scope, OpenID Connect's steps are not shown
        plain = [step for step in Step if step not in OPENID_STEPS]
        assert [panel.step for panel in made.panels] == plain
        for panel in made.panels:
            assert panel.step.heading in panel.children[0].value
        made._next.click()
        assert f"Step 2 of {len(plain)}: Developer Portal" in made._where.value
    finally:
        made.close()
    made = Wizard(FlowState(scope="openid profile"))
    try:
        assert [panel.step for panel in made.panels] == list(Step)
        for panel in made.panels:
            assert panel.step.heading in panel.children[0].value
    finally:
        made.close()


def test_messages_point_to_the_step_by_its_number() -> None:
    state = FlowState()
    panel = TokenPanel(state)
    assert panel.model.status == "No code yet: check the redirect in step 5 first."
    panel.close()


def test_no_panel_writes_a_step_number_by_hand() -> None:
    folder = Path(panels_package.__file__).parent
    found = [
        f"{path.name}: {text[:60]!r}"
        for path in sorted(folder.glob("*.py"))
        if path.name != "steps.py"  # the one list, and its examples
        for text in strings_in(path)
        if any(HAND_WRITTEN.search(line) for line in text.splitlines())
    ]
    assert found == []
