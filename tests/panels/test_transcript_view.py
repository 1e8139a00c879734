"""The transcript panel's exports, driven from code and by its buttons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from haralyzer import HarParser

from codegrant_kit.panels import TranscriptPanel

from .conftest import Panels


def after_a_token(panels: Panels) -> str:
    panels.to_code()
    panels.token._send.click()
    panels.api._call.click()
    assert panels.api.model.error == ""
    token = panels.state.tokens.access_token if panels.state.tokens else None
    assert token
    return token


def test_the_buttons_show_each_export_masked_by_default(panels: Panels) -> None:
    token = after_a_token(panels)
    view = panels.transcript
    view._exports["har"].click()
    assert view.model.export_kind == "har" and token not in view.model.export_text
    (page,) = HarParser.from_string(view.model.export_text).pages
    assert [entry.request.method for entry in page.entries][-2:] == ["POST", "GET"]
    view._exports["curl"].click()
    assert "CANNOT replay" in view.model.export_text and token not in view.model.export_text
    view._reveal.value = True  # the shown export follows the tick
    assert f"Authorization: Bearer {token}" in view.model.export_text
    view._exports["mermaid"].click()
    assert view.model.export_text.startswith("sequenceDiagram\n")


def test_save_writes_the_file_and_says_so(panels: Panels, tmp_path: Path) -> None:
    token = after_a_token(panels)
    view = panels.transcript
    view._exports["har"].click()
    view._path.value = str(tmp_path / "flow.har")
    view._save.click()
    assert view.model.error == ""
    assert view.model.status == f"Wrote {tmp_path / 'flow.har'} (credentials masked)."
    har = json.loads((tmp_path / "flow.har").read_text(encoding="utf-8"))
    assert har["log"]["version"] == "1.2" and token not in json.dumps(har)
    view.model.reveal = True
    written = view.model.save("curl", tmp_path / "replay.sh")
    assert token in written.read_text(encoding="utf-8")


def test_an_export_before_any_traffic_says_what_to_do() -> None:
    view = TranscriptPanel()
    view._exports["curl"].click()
    assert view.model.error.startswith("No traffic yet")
    with pytest.raises(ValueError, match="choose one of har, curl, mermaid"):
        view.model.export("pdf")
