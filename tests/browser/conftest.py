"""A real browser for the server's pages: Debian's Chromium, driven by Playwright.

Playwright's own browser download cannot work on these machines, so the tests
launch `/usr/bin/chromium` (`apt-get install chromium`; `make test` does it). Without
it the tests are skipped, unless the environment variable CI is set: then they fail,
so that CI can never pass by skipping them.

Screenshots land in pytest's temporary directory; with CGK_UPDATE_SCREENSHOTS=1 they
also replace the ones in docs/screenshots/ (not on every run: the ports change).
"""

from __future__ import annotations

import html
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from codegrant_kit.runner import BackgroundServer, build

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
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
USERS = {"alice": "pw"}
CLIENT_ID = "k"
CLIENT_NAME = "Import Photos"


@dataclass(frozen=True)
class Seen:
    """One request the client's site received."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names in lower case


class ClientSite:
    """The client application's own site: `/cb` shows the query it received.

    Every request is kept in `seen`; `pages` maps other paths to HTML a test
    wants served from this origin (an attacker's page, say).
    """

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.pages: dict[str, str] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query, keep_blank_values=True))
                headers = {k.lower(): v for k, v in self.headers.items()}
                site.seen.append(Seen(parts.path, query, headers))
                if parts.path == "/cb":
                    status, body = 200, site.callback_page(query)
                elif parts.path in site.pages:
                    status, body = 200, site.pages[parts.path]
                else:
                    status, body = 404, "<!doctype html><title>Not found</title>"
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep pytest's output clean

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self.callback = f"{self.url}/cb"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    @staticmethod
    def callback_page(query: dict[str, str]) -> str:
        rows = "".join(
            f"<dt>{html.escape(k)}</dt><dd><code>{html.escape(v)}</code></dd>"
            for k, v in query.items()
        )
        return (
            '<!doctype html><html lang="en"><title>Callback</title>'
            f"<h1>{CLIENT_NAME}: callback</h1><dl>{rows}</dl></html>"
        )

    def callbacks(self) -> list[Seen]:
        return [s for s in self.seen if s.path == "/cb"]

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@pytest.fixture(scope="package")  # closed before other packages' tests and their event loops
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = (
            f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install chromium`, "
            "or `make browser-deps`) to run the browser tests"
        )
        if "CI" in os.environ:
            pytest.fail(f"{reason}; CI is set, so they may not be skipped", pytrace=False)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def site() -> Iterator[ClientSite]:
    site = ClientSite()
    yield site
    site.close()


def start(site: ClientSite, **options: object) -> BackgroundServer:
    """An authorization server that knows alice and the client whose callback is `site`."""
    client = {
        "client_id": CLIENT_ID,
        "client_secret": "s",
        "client_name": CLIENT_NAME,
        "redirect_uris": [site.callback],
    }
    sock, app = build(
        host="127.0.0.1", port=0, users=USERS, clients=[client], password_hash="fast", **options
    )
    return BackgroundServer(sock, app).start()


@pytest.fixture
def server(site: ClientSite) -> Iterator[BackgroundServer]:
    """A fresh server for each test: no consent or failed login carries over."""
    with start(site) as server:
        yield server


@pytest.fixture
def page(browser: Browser, site: ClientSite) -> Iterator[Page]:
    """A page in a fresh browser context (no cookies), one callback log per test."""
    site.seen.clear()
    site.pages.clear()
    context = browser.new_context(viewport={"width": 720, "height": 640})
    context.set_default_timeout(5_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(tmp_path: Path) -> Callable[[Page, str], Path]:
    def shoot(page: Page, name: str) -> Path:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=path, full_page=True)
        assert path.read_bytes().startswith(b"\x89PNG")
        if os.environ.get("CGK_UPDATE_SCREENSHOTS"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            (SCREENSHOTS / path.name).write_bytes(path.read_bytes())
        return path

    return shoot
