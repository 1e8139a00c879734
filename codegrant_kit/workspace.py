"""`codegrant-kit lab`: the tutorials in a folder of the learner's, and JupyterLab on it.

The wheel carries the tutorials in codegrant_kit/tutorials/ (setup.py copies them from
notebooks/ at build time); in a clone of the repository they are notebooks/ itself.
A tutorial the learner has changed is never overwritten: it is kept, and said so.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:
        from importlib.abc import Traversable

DEFAULT_DIR = "codegrant-kit-tutorials"
FIRST = "01-Start-Here.ipynb"
INSTALL_LAB = "pip install 'codegrant-kit[lab]'"


def shipped() -> Traversable:
    """The folder of tutorials this installation carries."""
    packaged = files("codegrant_kit").joinpath("tutorials")
    if packaged.joinpath(FIRST).is_file():
        return packaged
    # an editable install or a clone: the repository's own notebooks/
    checkout = Path(__file__).resolve().parents[1] / "notebooks"
    if (checkout / FIRST).is_file():
        return checkout
    raise FileNotFoundError(
        "this installation of codegrant-kit carries no tutorials; reinstall it from a "
        "wheel (pip install --force-reinstall codegrant-kit) or clone the repository"
    )


def tutorial_files(source: Traversable) -> Iterator[Traversable]:
    """The notebooks and the sanitize.cfg nbval compares them with, in order."""
    chosen = [t for t in source.iterdir() if t.name.endswith(".ipynb") or t.name == "sanitize.cfg"]
    yield from sorted(chosen, key=lambda t: t.name)


def copy_tutorials(target: Path, source: Traversable | None = None) -> list[str]:
    """Copy each missing tutorial into target; keep each one the learner edited.

    Returns what it did, one line per file it copied or kept.
    """
    source = shipped() if source is None else source
    target.mkdir(parents=True, exist_ok=True)
    said = []
    for tutorial in tutorial_files(source):
        content = tutorial.read_bytes()
        destination = target / tutorial.name
        if not destination.exists():
            destination.write_bytes(content)
            said.append(f"copied {tutorial.name}")
        elif destination.read_bytes() != content:
            said.append(f"kept your edited {tutorial.name}")
    return said


def jupyter_lab_command(extra: Sequence[str]) -> list[str]:
    # Jupyter refuses to start as root unless told; root is normal in containers
    as_root = ["--allow-root"] if hasattr(os, "getuid") and os.getuid() == 0 else []
    return [sys.executable, "-m", "jupyterlab", *as_root, *extra]


def lab(directory: str, copy_only: bool, extra: Sequence[str]) -> int:
    """Copy the tutorials into directory and, unless copy_only, open JupyterLab there."""
    if not copy_only and importlib.util.find_spec("jupyterlab") is None:
        print(
            f"codegrant-kit: JupyterLab is not installed; run {INSTALL_LAB} and try again "
            "(or give --copy-only to copy the tutorials without it).",
            file=sys.stderr,
        )
        return 1
    target = Path(directory)
    try:
        said = copy_tutorials(target)
    except OSError as exc:
        print(f"codegrant-kit: cannot copy the tutorials into {target}: {exc}", file=sys.stderr)
        return 1
    for line in said:
        print(line)
    print(f"The tutorials are in {target.resolve()}; start with {FIRST}.", flush=True)
    if copy_only:
        return 0
    command = jupyter_lab_command(extra)
    if "--allow-root" in command:
        print("Running as root: passing --allow-root to jupyter lab", flush=True)
    try:
        # our own interpreter and the options the learner typed after --
        return subprocess.call(command, cwd=target)  # noqa: S603
    except KeyboardInterrupt:  # Ctrl-C stops JupyterLab, which has said so itself
        return 0


def add_lab_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`codegrant-kit lab [DIR] [--copy-only] [-- JUPYTER OPTIONS]`, for the CLI."""
    lab = commands.add_parser(
        "lab",
        help="copy the tutorials into a folder and open JupyterLab there",
        description="Copy the tutorials into DIR (a tutorial you edited is kept, never "
        f"overwritten) and open JupyterLab there. Needs JupyterLab: {INSTALL_LAB}. "
        "Options after -- go to jupyter lab, e.g. codegrant-kit lab -- --port=9999",
    )
    lab.add_argument(
        "dir",
        nargs="?",
        default=DEFAULT_DIR,
        metavar="DIR",
        help="the folder to copy them into (default %(default)s)",
    )
    lab.add_argument(
        "--copy-only", action="store_true", help="copy the tutorials, do not start JupyterLab"
    )
