"""Build the tutorials from their sources, run each on a fresh kernel, save the outputs.

    .venv/bin/python notebooks/build.py            # every notebook
    .venv/bin/python notebooks/build.py 02         # those whose name starts with 02

Sources are `src/NN-Title.py` in the percent format: `# %% [markdown]` starts a
text cell (its lines are `# `-comments), `# %%` a code cell, and
`# %% tags=["nbval-ignore-output"]` a code cell with tags. The navigation line
at the top and bottom of each notebook is written here, never by hand. Outputs
are committed, so nbval compares real outputs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
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


def build(source: Path, sources: list[Path]) -> Path:
    nb = nbformat.v4.new_notebook(cells=cells_of(source, sources))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}).execute()
    for n, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{n}"  # stable ids keep diffs small
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
