"""Start the three servers as subprocesses, each on its own port and CPU, and stop them."""

from __future__ import annotations

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


# uvicorn[standard]'s extras, kept out of the shared .venv: with them importable,
# uvicorn picks httptools and uvloop for every server alike ("auto")
STANDARD = Path(tempfile.gettempdir()) / "bench-uvicorn-standard"


def ensure_standard() -> Path:
    """Install httptools and uvloop into a private directory, once."""
    if not (STANDARD / "httptools").is_dir() or not (STANDARD / "uvloop").is_dir():
        subprocess.run(
            [
                str(BIN / "uv"),
                "pip",
                "install",
                "--python",
                sys.executable,
                "--compile-bytecode",
                "--quiet",
                "--target",
                str(STANDARD),
                "httptools",
                "uvloop",
            ],
            check=True,
        )
    return STANDARD


def start(
    name: str,
    cmd: list[str],
    wrapper: Sequence[str] = (),
    stack: str = "h11",
    tree: str | None = None,
) -> Server:
    """Start a server; `tree`: a copy of the repository whose codegrant_kit it imports."""
    path = ([tree] if tree else []) + [str(HERE)]
    path += [str(ensure_standard())] if stack == "standard" else []
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
