"""The tutorials in git, opened in a real JupyterLab: opening one leaves git clean.

Every committed tutorial is copied byte for byte into a git repository that the
JupyterLab of conftest serves. Each is opened as a learner opens it; once its
kernel is idle, the tab must not be marked modified (so autosave never rewrites
it), and saving it (Ctrl+S) must write the committed bytes back: `git diff` stays
empty. Then one is run (Run All) and saved: it differs from the committed file only
in what a run must change, the port of the kernel's server (a free one each time)
and the ids of the widgets (new ones for each run), as the README says.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from jupyter_client.kernelspec import KernelSpecManager
from playwright.sync_api import Locator, Page, expect

if TYPE_CHECKING:  # no __init__.py here: a package named "jupyterlab" would shadow the real one
    from conftest import Budget, Lab

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
TUTORIALS = sorted(path.name for path in NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
TOTAL_SECONDS = 150.0  # JupyterLab's start, seven tutorials opened and saved, one run
RUN = "02-The-Authorization-Code-Grant.ipynb"  # panels, a Flow, a server: quick to run
# what a run must change: the server's free port (also URL-encoded) and widget ids
PORT = re.compile(r"127\.0\.0\.1(:|%3A)\d+")
MODEL_ID = re.compile(r'"model_id": "[0-9a-f]{32}"')


def git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )


def run_specific(text: str) -> str:
    return MODEL_ID.sub('"model_id": "…"', PORT.sub("127.0.0.1:PORT", text))


@pytest.fixture
def tracked(lab: Lab, request: pytest.FixtureRequest) -> Path:
    """A git repository of the committed tutorials, one per test, inside the lab's root."""
    repo = lab.notebook.parent / request.node.name
    repo.mkdir()
    for name in TUTORIALS:
        shutil.copyfile(NOTEBOOKS / name, repo / name)
    for args in (("init", "-q"), ("add", "."), ("commit", "-qm", "the tutorials")):
        assert git(repo, *args).returncode == 0
    return repo


def open_tutorial(page: Page, lab: Lab, path: Path, budget: Budget) -> None:
    where = path.relative_to(lab.notebook.parent).as_posix()
    page.goto(f"{lab.url}/lab/tree/{where}?reset&token={lab.token}")
    bar = page.locator("#jp-main-statusbar")
    expect(bar.get_by_text(re.compile(r"\| Idle"))).to_be_visible(timeout=budget.ms())
    # the kernel's name in the status bar: JupyterLab has read the kernel's spec
    kernel = KernelSpecManager().get_kernel_spec("python3").display_name
    expect(bar.get_by_text(kernel, exact=False).first).to_be_visible(timeout=budget.ms())


def save(page: Page, path: Path, budget: Budget) -> None:
    """Ctrl+S, then wait until JupyterLab has written the whole file: a new mtime, then
    JSON that parses and no further write for half a second."""
    before = path.stat().st_mtime_ns
    page.locator(".jp-Notebook").first.click(position={"x": 5, "y": 5})
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + budget.left()
    written: tuple[int, float] | None = None  # (mtime, when it was first seen)
    while True:
        if time.monotonic() > deadline:
            pytest.fail(f"{path.name} was not saved", pytrace=False)
        mtime = path.stat().st_mtime_ns
        if mtime != before:
            if written is None or written[0] != mtime:
                written = (mtime, time.monotonic())
            elif time.monotonic() - written[1] > 0.5 and whole_json(path):
                break
        time.sleep(0.1)
    expect(tab(page)).not_to_have_class(re.compile(r"\bjp-mod-dirty\b"), timeout=budget.ms())


def whole_json(path: Path) -> bool:
    try:
        json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return False
    return True


def tab(page: Page) -> Locator:
    """The notebook's tab: `jp-mod-dirty` is the dot that says "modified"."""
    return page.locator('.lm-TabBar-tab[data-type="document-title"]')


def test_a_tutorial_only_opened_stays_as_committed(
    lab: Lab, page: Page, budget: Budget, tracked: Path
) -> None:
    for name in TUTORIALS:
        open_tutorial(page, lab, tracked / name, budget)
        page.wait_for_timeout(500)  # what JupyterLab changes on opening, it changes by now
        classes = page.locator('.lm-TabBar-tab[data-type="document-title"]').get_attribute("class")
        assert "jp-mod-dirty" not in (classes or ""), f"{name} is marked modified on opening"
        save(page, tracked / name, budget)
        diff = git(tracked, "diff", "--", name)
        assert diff.returncode == 0 and diff.stdout == "", (
            f"{name}, opened and saved:\n{diff.stdout}"
        )


def test_a_tutorial_run_differs_only_in_its_port_and_widget_ids(
    lab: Lab, page: Page, budget: Budget, tracked: Path
) -> None:
    open_tutorial(page, lab, tracked / RUN, budget)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    # running marks it modified at once, and queues every cell ([*]) until its turn
    expect(tab(page)).to_have_class(re.compile(r"\bjp-mod-dirty\b"), timeout=budget.ms())
    expect(page.locator(".jp-InputPrompt", has_text="[*]")).to_have_count(0, timeout=budget.ms())
    save(page, tracked / RUN, budget)
    committed = git(tracked, "show", f"HEAD:{RUN}").stdout
    saved = (tracked / RUN).read_text(encoding="utf-8")
    assert saved != committed  # a new port and new widgets: not the same bytes
    assert run_specific(saved) == run_specific(committed), git(tracked, "diff", "--", RUN).stdout
