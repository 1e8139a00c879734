"""The committed notebooks are what notebooks/build.py makes of notebooks/src: no cell
edited by hand in a notebook, none forgotten after editing a source. Nothing is run."""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path
from types import ModuleType
from typing import Any

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def load_build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("notebooks_build", NOTEBOOKS / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = load_build()
SOURCES: list[Path] = build.all_sources()


def shape(cells: list[Any]) -> list[tuple[str, str, list[str]]]:
    return [(c.cell_type, c.source, list(c.metadata.get("tags", []))) for c in cells]


def test_every_notebook_has_its_source_and_every_source_its_notebook() -> None:
    assert SOURCES, "no sources found"
    notebooks = sorted(path.stem for path in NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
    assert notebooks == [source.stem for source in SOURCES]


@pytest.mark.parametrize("source", SOURCES, ids=[source.stem for source in SOURCES])
def test_the_committed_notebook_has_the_cells_its_source_makes(source: Path) -> None:
    committed = nbformat.read(NOTEBOOKS / f"{source.stem}.ipynb", as_version=4)
    expected = shape(build.cells_of(source, SOURCES))
    found = shape(committed.cells)
    assert found == expected, (
        f"notebooks/{source.stem}.ipynb differs from notebooks/src/{source.name}: "
        "edit the source, then run `make build-notebooks`"
    )
    # each code cell was run when it was built, so nbval has outputs to compare
    code = [cell for cell in committed.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in code)


@pytest.mark.parametrize("source", SOURCES, ids=[source.stem for source in SOURCES])
def test_the_committed_notebook_is_saved_as_jupyterlab_saves_it(source: Path) -> None:
    """What JupyterLab would change on opening or running is already so, so that only
    opening a tutorial leaves git clean (tests/jupyterlab/test_tracked.py opens them)."""
    committed = nbformat.read(NOTEBOOKS / f"{source.stem}.ipynb", as_version=4)
    rebuild = f"notebooks/{source.stem}.ipynb: run `make build-notebooks`"
    # JupyterLab writes the running kernel's spec when the kernel starts
    assert committed.metadata.kernelspec == build.kernelspec(), rebuild
    for cell in committed.cells:
        # JupyterLab records no execution timestamps (nbclient does, unless told)
        assert "execution" not in cell.metadata, rebuild
        # and keeps consecutive prints to one stream as one output
        streams = [(o.output_type, o.get("name")) for o in cell.get("outputs", [])]
        assert all(a != b or a[0] != "stream" for a, b in itertools.pairwise(streams)), rebuild
