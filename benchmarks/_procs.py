"""Start the three servers as subprocesses, each on its own port and CPU, and stop them."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _lean import CALLBACK, CLIENT_ID, CLIENT_SECRET, PASSWORD, USER

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
URL = re.compile(r"http://[\w.\-\[\]:]+:\d+")


@dataclass
class Server:
    name: str
    process: subprocess.Popen[str]
    log: str  # its stderr
    url: str
    pid: int  # the Python process that serves (not a py-spy wrapper)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def serve_help() -> str:
    return subprocess.run(
        [str(BIN / "codegrant-kit"), "serve", "--help"], capture_output=True, text=True
    ).stdout


def load_test_args() -> list[str]:
    """Every virtual user comes from 127.0.0.1: turn the per-address request limits off."""
    if "--rate-limit" not in serve_help():
        return []
    return ["--rate-limit", "authorize=off", "--rate-limit", "token=off"]


def kit_command(serve_args: list[str]) -> list[str]:
    serve = [
        "serve",
        "--port",
        "0",
        "--password-hash",
        "fast",
        "--user",
        f"{USER}:{PASSWORD}",
        "--client",
        f"{CLIENT_ID}:{CLIENT_SECRET}:{CALLBACK}",
        *serve_args,
    ]
    return [str(BIN / "codegrant-kit"), *serve]


def command(name: str, serve_args: Sequence[str] = ()) -> list[str]:
    if name == "kit":
        return kit_command(list(serve_args))
    return [sys.executable, str(HERE / f"{name}_server.py"), "--port", "0"]


# The kit depends on httptools and uvloop, and uvicorn picks them when importable.
# `--stack h11` puts this directory first on every server's path: its httptools and
# uvloop fail to import, so uvicorn falls back to h11 and asyncio for all alike.
HIDE_C_STACK = Path(tempfile.gettempdir()) / "bench-hide-httptools-uvloop"


def hide_c_stack() -> Path:
    for name in ("httptools", "uvloop"):
        package = HIDE_C_STACK / name
        package.mkdir(parents=True, exist_ok=True)
        (package / "__init__.py").write_text(
            f'raise ImportError("{name} is hidden by benchmarks/_procs.py (--stack h11)")\n'
        )
    return HIDE_C_STACK


def stack_name(stack: str) -> str:
    """What uvicorn runs on for `stack`, as the servers will see it."""
    if stack == "h11":
        return "uvicorn + h11 + asyncio loop (httptools and uvloop hidden)"
    parser = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio loop"
    return f"uvicorn + {parser} + {loop} (as installed)"


def start(
    name: str,
    cmd: list[str],
    wrapper: Sequence[str] = (),
    stack: str = "installed",
    tree: str | None = None,
) -> Server:
    """Start a server; `tree`: a copy of the repository whose codegrant_kit it imports."""
    path = ([str(hide_c_stack())] if stack == "h11" else []) + ([tree] if tree else [])
    path += [str(HERE)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path))
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - the server writes it while it runs
        "w+", prefix=f"bench-{name}-", suffix=".log", delete=False
    )
    process = subprocess.Popen(
        [*wrapper, *cmd],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        cwd=ROOT,
        env=env,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        match = URL.search(line)
        if match:
            pid = process.pid
            if wrapper:  # the server is the wrapper's child
                import psutil

                children = psutil.Process(process.pid).children(recursive=True)
                pid = children[0].pid if children else pid
            return Server(name, process, log.name, match.group(0), pid)
    process.kill()
    raise RuntimeError(f"{name} did not print its URL: {' '.join(cmd)}; see {log.name}")


def run_loadgen(options: Sequence[str]) -> dict[str, Any]:
    """Run loadgen.py with `options` to the end; its JSON result."""
    with tempfile.TemporaryDirectory(prefix="bench-loadgen-") as folder:
        out = Path(folder) / "result.json"
        cmd = [sys.executable, str(HERE / "loadgen.py"), *options, "--out", str(out)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        result: dict[str, Any] = json.loads(out.read_text())
        return result
