"""A real JupyterLab in headless Chromium: the tutorial as a learner runs it.

`jupyter lab` runs as a subprocess of this test, on a free port of 127.0.0.1 with a
random token. Its JUPYTER_CONFIG_DIR, JUPYTER_DATA_DIR, JUPYTER_RUNTIME_DIR,
IPYTHONDIR and application settings directory are temporary directories; the last
holds the override that turns off the news and update toast (overrides.json) and a
page_config.json that skips the asset build check on every page load. Nothing is
written into the venv or the user's home. It serves a COPY of the notebook, outputs
cleared, so that autosave can never write into the real file.

Chromium is Debian's `/usr/bin/chromium`, driven by Playwright with
`executable_path` (its own browser download cannot work here). Without it the test
is skipped, unless the environment variable CI is set: then it fails, so that CI can
never pass by skipping it (the rule of tests/browser).

JupyterLab, its kernel and the browser are stopped at the end, whatever happens.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "01-Start-Here.ipynb"
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# The news and "a new version is available" toast covers the lower right corner.
OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    }
}
# JupyterLab checks on every page load whether its assets need a rebuild: a few
# seconds of CPU (GIL-bound, so the server answers slowly meanwhile) for nothing here.
PAGE_CONFIG = {"buildCheck": False, "buildAvailable": False}
TOTAL_SECONDS = 90.0  # the whole module: JupyterLab's start, the page, the clicks
STEP_SECONDS = 30.0  # the longest single wait (a cold first load of the page: about 13 s)


def require_chromium() -> None:
    """Skip without Chromium; fail instead when CI is set."""
    if CHROMIUM.exists():
        return
    reason = (
        f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install chromium`, "
        "or `make browser-deps`) to run the JupyterLab test"
    )
    if "CI" in os.environ:
        pytest.fail(f"{reason}; CI is set, so it may not be skipped", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Budget:
    """One deadline for the whole module; every wait gets at most what is left of it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = time.monotonic()
        self.deadline = self.started + seconds

    def left(self, cap: float = STEP_SECONDS) -> float:
        """Seconds for the next wait; fails the test once the budget is spent."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            pytest.fail(f"over the total timeout of {self.seconds:.0f} s", pytrace=False)
        return min(cap, left)

    def ms(self, cap: float = STEP_SECONDS) -> float:
        """The same in milliseconds, for Playwright."""
        return self.left(cap) * 1000

    def elapsed(self) -> float:
        return time.monotonic() - self.started


@dataclass
class Lab:
    """A running JupyterLab: where it is, and the notebook copy it serves."""

    url: str
    token: str
    notebook: Path  # the copy
    log: Path
    process: subprocess.Popen[bytes]

    def notebook_url(self) -> str:
        return f"{self.url}/lab/tree/{self.notebook.name}?reset&token={self.token}"

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def fresh_copy(source: Path, target: Path) -> Path:
    """The notebook without its saved outputs and widget state: everything the test
    then sees in the page comes from this run, not from the file."""
    notebook = json.loads(source.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    notebook.get("metadata", {}).pop("widgets", None)
    target.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return target


def _descendants(pid: int) -> dict[int, str]:
    """The processes below `pid`, each with its start time (Linux /proc; elsewhere
    none): the kernels, which jupyter_client starts in sessions of their own."""
    children: dict[int, list[tuple[int, str]]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append((int(stat.parent.name), fields[19]))
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        for child, started in children.get(todo.pop(), []):
            found[child] = started
            todo.append(child)
    return found


def _started(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (JupyterLab shuts its kernels down), then SIGKILL what is left of what
    this test started: the server's process group and the kernels below it."""
    below = _descendants(process.pid)
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):  # its own session: only ours
            os.killpg(process.pid, signal.SIGKILL)
    for pid, started in below.items():
        if _started(pid) == started:  # still that process, not a reused id
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
    if process.poll() is None:
        process.wait(timeout=5)


def _wait_until_up(
    url: str, token: str, process: subprocess.Popen[bytes], log: Path, budget: Budget
) -> None:
    timeout = budget.left()
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(
        f"{url}/api/status", headers={"Authorization": f"token {token}"}
    )
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"jupyter lab exited with {process.returncode}:\n{log.read_text(errors='replace')}"
            )
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(
        f"jupyter lab did not answer within {timeout:.0f} s:\n{log.read_text(errors='replace')}"
    )


@pytest.fixture(scope="module")
def budget(request: pytest.FixtureRequest) -> Budget:
    """The module's TOTAL_SECONDS if it sets one, else this file's."""
    return Budget(getattr(request.module, "TOTAL_SECONDS", TOTAL_SECONDS))


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, budget: Budget) -> Iterator[Lab]:
    require_chromium()
    base = tmp_path_factory.mktemp("jupyterlab")
    dirs = {name: base / name for name in ("config", "data", "runtime", "app-settings", "nb")}
    for path in dirs.values():
        path.mkdir()
    settings = dirs["app-settings"]
    (settings / "overrides.json").write_text(json.dumps(OVERRIDES), encoding="utf-8")
    (settings / "page_config.json").write_text(json.dumps(PAGE_CONFIG), encoding="utf-8")
    notebook = fresh_copy(NOTEBOOK, dirs["nb"] / NOTEBOOK.name)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(dirs["config"]),
        "JUPYTER_DATA_DIR": str(dirs["data"]),
        "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
        "IPYTHONDIR": str(base / "ipython"),
    }
    token = secrets.token_hex(16)
    log = base / "jupyterlab.log"
    process: subprocess.Popen[bytes] | None = None
    try:
        for _attempt in range(3):  # the free port may be taken between probe and bind
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            logged = log.stat().st_size if log.exists() else 0
            with log.open("ab") as out:
                process = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "jupyterlab",
                        "--no-browser",
                        "--allow-root",
                        "--ip=127.0.0.1",
                        f"--port={port}",
                        "--ServerApp.port_retries=0",
                        f"--IdentityProvider.token={token}",
                        f"--ServerApp.root_dir={dirs['nb']}",
                        f"--LabApp.app_settings_dir={dirs['app-settings']}",
                    ],
                    cwd=dirs["nb"],
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            try:
                _wait_until_up(url, token, process, log, budget)
                break
            except RuntimeError:
                _stop(process)
                process = None
                with log.open("rb") as text:
                    text.seek(logged)
                    if b"already in use" not in text.read():
                        raise
        else:
            raise RuntimeError(f"no free port for jupyter lab:\n{log.read_text(errors='replace')}")
        yield Lab(url=url, token=token, notebook=notebook, log=log, process=process)
    finally:
        if process is not None:
            _stop(process)


@pytest.fixture(scope="module")
def browser(lab: Lab) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser, budget: Budget) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(budget.ms())
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """docs/screenshots/ with CGK_UPDATE_SCREENSHOTS=1, else pytest's temporary directory."""
    if os.environ.get("CGK_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    return tmp_path
