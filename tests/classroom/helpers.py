"""What the classroom tests share: learners, a served CLI, a flow up to each step."""

from __future__ import annotations

import asyncio
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from typing import Any

import httpx
from starlette.applications import Starlette

from codegrant_kit.client import Flow, Page

REDIRECT_URI = "https://client.example.com/cb"
USERS = {"ada": "lovelace", "grace": "hopper", "linus": "penguin"}
INSTRUCTOR = ("teacher", "chalk and board")
ISSUER_IN = re.compile(r"https?://127\.0\.0\.1:\d+")
SERVE = [sys.executable, "-m", "codegrant_kit", "serve", "--host", "127.0.0.1"]


class Served:
    """A `codegrant-kit serve` subprocess and the lines it printed, read as they come."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self._lines: queue.Queue[str] = queue.Queue()
        self.lines: list[str] = []
        self.errors: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, daemon=True),
            threading.Thread(target=self._read_errors, daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        line = self.next_line()
        match = ISSUER_IN.search(line)
        assert match, (line, process.poll())
        self.issuer = match.group()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)

    def _read_errors(self) -> None:
        assert self.process.stderr is not None
        self.errors.extend(self.process.stderr)

    def next_line(self, timeout: float = 20) -> str:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no line from {self.process.args} in {timeout} s") from None
        self.lines.append(line)
        return line

    def more_lines(self, count: int) -> list[str]:
        for _ in range(count):
            self.next_line()
        return self.lines

    def finish(self) -> None:
        """Once the process has ended: read to the end of its output, close the pipes."""
        for reader in self._readers:
            reader.join(timeout=10)
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()

    @property
    def port(self) -> int:
        return int(self.issuer.rsplit(":", 1)[1])


@contextmanager
def serve(*args: str) -> Iterator[Served]:
    """`codegrant-kit serve ARGS` in a subprocess, once it prints its issuer."""
    process = subprocess.Popen(
        [*SERVE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        served = Served(process)
    except BaseException:
        process.kill()
        process.communicate(timeout=10)
        raise
    try:
        yield served
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=10)
        served.finish()
    assert "Traceback" not in "".join(served.errors), served.errors


def failed_start(*args: str) -> subprocess.CompletedProcess[str]:
    """`codegrant-kit serve ARGS` that must refuse to start."""
    return subprocess.run([*SERVE, *args], capture_output=True, text=True, timeout=30)


def to_consent(flow: Flow, username: str) -> Page:
    """(A) and (B): the authorization request and the sign-in, up to the consent page."""
    flow.authorize()
    assert flow.open_authorization_page().kind == "login"
    return flow.login(username, USERS[username])


def to_code(flow: Flow, username: str, consent: str = "approve") -> str:
    """(A) to (C): up to the code in the redirect."""
    page = to_consent(flow, username)
    if page.kind == "consent":
        page = flow.consent(consent)
    assert page.kind == "redirect", page.describe()
    code = flow.receive_redirect().code
    assert code is not None
    return code


def asgi(app: Starlette, address: str = "127.0.0.1", **kwargs: Any) -> httpx.AsyncClient:
    """A client that talks to the app without a socket, from `address`."""
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", **kwargs)


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


class _Table(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def dashboard_rows(html: str) -> dict[str, dict[str, str]]:
    """The dashboard's table: learner -> column title -> cell text."""
    table = _Table()
    table.feed(html)
    header, *rows = table.rows
    return {row[0]: dict(zip(header, row)) for row in rows}
