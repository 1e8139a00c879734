"""`codegrant-kit lab`: the tutorials copied into a learner's folder, edits kept, Jupyter there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from codegrant_kit.cli import main
from codegrant_kit.workspace import copy_tutorials, jupyter_lab_command, shipped

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))


def test_a_checkout_ships_its_own_notebooks():
    assert sorted(t.name for t in shipped().iterdir() if t.name.endswith(".ipynb")) == NOTEBOOKS


def test_lab_copies_every_tutorial_and_the_sanitizer(tmp_path, capsys):
    assert main(["lab", str(tmp_path / "mine"), "--copy-only"]) == 0
    copied = sorted(p.name for p in (tmp_path / "mine").iterdir())
    assert copied == sorted([*NOTEBOOKS, "sanitize.cfg"])
    for name in copied:
        assert (tmp_path / "mine" / name).read_bytes() == (ROOT / "notebooks" / name).read_bytes()
    out = capsys.readouterr().out
    assert "copied 01-Start-Here.ipynb" in out and "start with 01-Start-Here.ipynb" in out


def test_an_edited_tutorial_is_kept_and_a_missing_one_restored(tmp_path):
    copy_tutorials(tmp_path)
    edited = tmp_path / "02-The-Authorization-Code-Grant.ipynb"
    edited.write_text("my notes", encoding="utf-8")
    (tmp_path / "03-Under-The-Hood.ipynb").unlink()
    said = copy_tutorials(tmp_path)
    assert said == [
        "kept your edited 02-The-Authorization-Code-Grant.ipynb",
        "copied 03-Under-The-Hood.ipynb",
    ]
    assert edited.read_text(encoding="utf-8") == "my notes"
    assert copy_tutorials(tmp_path) == ["kept your edited 02-The-Authorization-Code-Grant.ipynb"]


def test_a_file_in_the_way_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "taken").write_text("", encoding="utf-8")
    assert main(["lab", str(tmp_path / "taken"), "--copy-only"]) == 1
    assert "cannot copy the tutorials into" in capsys.readouterr().err


def test_jupyter_is_our_interpreters_with_allow_root_as_root():
    command = jupyter_lab_command(["--port=9999"])
    assert command[:3] == [sys.executable, "-m", "jupyterlab"]
    assert ("--allow-root" in command) == (os.getuid() == 0)
    assert command[-1] == "--port=9999"


def test_lab_starts_jupyterlab_in_the_folder_with_the_options_after_dashes(tmp_path):
    pytest.importorskip("jupyterlab")
    # --version: JupyterLab itself runs, says its version and exits
    done = subprocess.run(
        [sys.executable, "-m", "codegrant_kit", "lab", str(tmp_path), "--", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1][0].isdigit(), done.stdout
    assert (tmp_path / "01-Start-Here.ipynb").is_file()


def test_only_lab_takes_options_after_dashes(capsys):
    with pytest.raises(SystemExit):
        main(["demo", "--", "--port=1"])
    assert "only lab passes options after --" in capsys.readouterr().err
