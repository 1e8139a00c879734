"""Build the tutorials from their sources, run each on a fresh kernel, save the outputs.

    .venv/bin/python notebooks/build.py            # every notebook
    .venv/bin/python notebooks/build.py 02         # those whose name starts with 02

Sources are `src/NN-Title.py` in the percent format: `# %% [markdown]` starts a
text cell (its lines are `# `-comments), `# %%` a code cell, and
`# %% tags=["nbval-ignore-output"]` a code cell with tags. The navigation line
at the top and bottom of each notebook is written here, never by hand. Outputs
are committed, so nbval compares real outputs.

The file is written as JupyterLab itself would save it, so that a notebook only
opened in JupyterLab is not marked modified and autosave leaves the tracked file
alone: the kernelspec's display name is the installed kernel's ("Python 3
(ipykernel)"), which JupyterLab writes into the metadata when the kernel starts;
no cell keeps the execution timestamps nbclient records (JupyterLab drops them
when it runs a cell); and consecutive prints to one stream are one output, as
JupyterLab keeps them (the kernel's flushes split them at random, so a rebuild
differed from the last one). JupyterLab also writes the kernel's language_info: a
notebook opened with another Python version than the build's shows as modified
(the version line), as the README says.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "src"


def title_of(path: Path) -> str:
    return path.stem.split("-", 1)[1].replace("-", " ")


def parse(text: str) -> list[nbformat.NotebookNode]:
    cells: list[nbformat.NotebookNode] = []
    kind, tags, lines = None, [], []

    def flush() -> None:
        body = "\n".join(lines).strip("\n")
        if kind == "markdown":
            cells.append(nbformat.v4.new_markdown_cell(body))
        elif kind == "code" and body:
            cell = nbformat.v4.new_code_cell(body)
            if tags:
                cell.metadata["tags"] = tags
            cells.append(cell)

    for line in text.splitlines():
        if line.startswith("# %%"):
            flush()
            header = line[4:].strip()
            kind = "markdown" if header.startswith("[markdown]") else "code"
            tags = json.loads(header.split("tags=", 1)[1]) if "tags=" in header else []
            lines = []
        elif kind == "markdown":
            lines.append(line[2:] if line.startswith("# ") else line.lstrip("#"))
        elif kind == "code":
            lines.append(line)
    flush()
    return cells


def navigation(sources: list[Path], index: int) -> str:
    parts = []
    if index > 0:
        prev = sources[index - 1]
        parts.append(f"← [{title_of(prev)}]({prev.stem}.ipynb)")
    parts.append(f"**{index + 1} of {len(sources)}**")
    if index + 1 < len(sources):
        nxt = sources[index + 1]
        parts.append(f"[{title_of(nxt)}]({nxt.stem}.ipynb) →")
    return " · ".join(parts)


def all_sources() -> list[Path]:
    return sorted(SOURCES.glob("[0-9][0-9]-*.py"))


def cells_of(source: Path, sources: list[Path]) -> list[nbformat.NotebookNode]:
    """The notebook's cells before they run: the source's, between two navigation lines."""
    nav = nbformat.v4.new_markdown_cell(navigation(sources, sources.index(source)))
    return [nav, *parse(source.read_text()), nbformat.v4.new_markdown_cell(nav.source)]


KERNEL = "python3"


def kernelspec() -> dict[str, str]:
    """The notebook's kernelspec as JupyterLab writes it on opening: from the kernel."""
    spec = KernelSpecManager().get_kernel_spec(KERNEL)
    return {"display_name": spec.display_name, "language": spec.language, "name": KERNEL}


def merge_streams(cell: nbformat.NotebookNode) -> None:
    """Consecutive outputs to the same stream (stdout, stderr) as one, as in JupyterLab."""
    merged: list[nbformat.NotebookNode] = []
    for output in cell.get("outputs", []):
        last = merged[-1] if merged else None
        if (
            last is not None
            and output.output_type == last.output_type == "stream"
            and output.name == last.name
        ):
            last.text += output.text
        else:
            merged.append(output)
    if "outputs" in cell:
        cell.outputs = merged


def build(source: Path, sources: list[Path]) -> Path:
    nb = nbformat.v4.new_notebook(cells=cells_of(source, sources))
    nb.metadata["kernelspec"] = kernelspec()
    nb.metadata["language_info"] = {"name": "python"}  # the kernel's full one replaces it
    client = NotebookClient(
        nb,
        timeout=120,
        kernel_name=KERNEL,
        record_timing=False,  # timestamps JupyterLab would drop: a diff on every build
        resources={"metadata": {"path": str(HERE)}},
    )
    client.execute()
    for n, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{n}"  # stable ids keep diffs small
        merge_streams(cell)
    target = HERE / f"{source.stem}.ipynb"
    nbformat.write(nb, target)
    return target


def main(prefixes: list[str]) -> None:
    sources = all_sources()
    for source in sources:
        if not prefixes or any(source.name.startswith(p) for p in prefixes):
            print("built", build(source, sources).name, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
