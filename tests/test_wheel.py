"""The wheel an instructor installs from a registry carries the tutorials, and they run.

Builds the sdist and the wheel from it, installs the wheel into a fresh venv with uv,
copies the tutorials out with `codegrant-kit lab DIR --copy-only` and runs
01-Start-Here.ipynb there under nbval.
About 12 s with uv's cache warm; part of every `make test`, as the issue asks.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def uv() -> str:
    # the Makefile installs uv into .venv, next to the python running the tests
    beside = Path(sys.executable).parent / "uv"
    found = str(beside) if beside.is_file() else shutil.which("uv")
    if found is None:
        pytest.fail("tests/test_wheel.py needs uv: `make test` installs it into .venv")
    return found


def run(command: list[str], **options: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, **options)
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done


def uv_run(arguments: list[str], **options: object) -> subprocess.CompletedProcess[str]:
    """From uv's cache when it holds everything (quick), from the index when not."""
    done = subprocess.run(
        [uv(), *arguments, "--offline"], capture_output=True, text=True, timeout=300, **options
    )
    return done if done.returncode == 0 else run([uv(), *arguments], **options)


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """A fresh venv holding the built wheel, nbval and a kernel, nothing of this checkout."""
    here = tmp_path_factory.mktemp("wheel")
    # the sdist first, the wheel from it: what a registry gets, and no stale build/ of
    # this checkout can slip into the wheel
    uv_run(["build", "--quiet", "--out-dir", str(here / "dist")], cwd=ROOT)
    (wheel,) = (here / "dist").glob("codegrant_kit-*.whl")
    uv_run(["venv", "--quiet", "--python", sys.executable, str(here / "venv")])
    python = here / "venv" / "bin" / "python"
    uv_run(["pip", "install", "--quiet", "--python", str(python), str(wheel), "nbval", "ipykernel"])
    return here


def env_of(venv: Path) -> dict[str, str]:
    # none of this checkout: no PYTHONPATH, the venv's bin first
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'venv' / 'bin'}{os.pathsep}{env['PATH']}"
    return env


def test_the_wheel_carries_the_tutorials_and_the_first_one_runs(venv):
    env, bin_ = env_of(venv), venv / "venv" / "bin"
    where = run(
        [str(bin_ / "python"), "-c", "import codegrant_kit; print(codegrant_kit.__file__)"],
        cwd=venv,
        env=env,
    ).stdout
    assert Path(where).resolve().is_relative_to((bin_.parent).resolve()), where
    tutorials = venv / "tutorials"
    copied = run(
        [str(bin_ / "codegrant-kit"), "lab", str(tutorials), "--copy-only"], cwd=venv, env=env
    ).stdout
    assert "copied 01-Start-Here.ipynb" in copied
    shipped = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert sorted(p.name for p in tutorials.glob("*.ipynb")) == shipped
    nbval = run(
        [
            str(bin_ / "python"),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--nbval",
            "--nbval-sanitize-with",
            str(tutorials / "sanitize.cfg"),
            str(tutorials / "01-Start-Here.ipynb"),
        ],
        cwd=venv,
        env=env,
    )
    cells = json.loads((tutorials / "01-Start-Here.ipynb").read_text(encoding="utf-8"))["cells"]
    code_cells = sum(cell["cell_type"] == "code" for cell in cells)
    assert re.search(rf"\b{code_cells} passed", nbval.stdout), nbval.stdout


def test_without_jupyterlab_lab_says_how_to_install_it(venv):
    # the fresh venv has no JupyterLab: the lab extra is what brings it
    done = subprocess.run(
        [str(venv / "venv" / "bin" / "codegrant-kit"), "lab", str(venv / "elsewhere")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=venv,
        env=env_of(venv),
    )
    assert done.returncode == 1
    assert "pip install 'codegrant-kit[lab]'" in done.stderr
    assert not (venv / "elsewhere").exists()
