"""Notebook 05's recorded transcript is what the two servers answer today.

The notebook cannot start them in its kernel, so it shows a recording, labelled as
one (record.py made it). A new version of either server, or a change of the kit's
Flow, that changes an exchange makes this fail: run
``python tests/thirdparty/record.py`` and paste its output into the notebook's source.
"""

from __future__ import annotations

import re
from pathlib import Path

from .fixtures import ThirdPartyServer
from .record import recording

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "src" / "05-Real-Servers.py"
MARKER = "<!-- recording: made by tests/thirdparty/record.py"
LABEL = "RECORDED TRANSCRIPT (not live)"


def recorded_block() -> str:
    """The ```text block after the marker, read as notebooks/build.py reads markdown."""
    text = NOTEBOOK.read_text(encoding="utf-8")
    assert text.count(MARKER) == 1, "notebook 05 has one recorded transcript"
    after = text.split(MARKER, 1)[1]
    found = re.search(r"\n# ```text\n(.*?\n)# ```\n", after, re.DOTALL)
    assert found is not None, "the recording is a ```text block after its marker"
    lines = found.group(1).splitlines()
    return "".join(
        (line[2:] if line.startswith("# ") else line.lstrip("#")) + "\n" for line in lines
    )


def test_the_notebook_shows_the_recording_labelled_as_one():
    block = recorded_block()
    assert block.startswith(LABEL + "\n")
    assert "# django-oauth-toolkit" in block and "# node-oidc-provider" in block


def test_the_recording_is_what_the_servers_answer_today(
    dot_server: ThirdPartyServer, node_oidc_server: ThirdPartyServer
):
    block = recorded_block().removeprefix(LABEL + "\n")
    assert block == recording(dot_server, node_oidc_server)
