"""What the panels say, laid out to be read: the authorize link in plain words, the
answer to Deny line by line. (How the tables lay out in JupyterLab's CSS is
tests/browser/test_tables_in_jupyterlab.py; every element of the wizard in a real
JupyterLab, tests/jupyterlab.)"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from codegrant_kit.panels.authorize_panel import _url_html

from .conftest import Panels

URL = "http://127.0.0.1:41234/authorize?response_type=code&client_id=k"


class Blocks(HTMLParser):
    """The text of each block (div, pre) of a fragment, in order."""

    def __init__(self, fragment: str) -> None:
        super().__init__()
        self.blocks: list[tuple[str, str]] = []
        self._open: list[tuple[str, list[str]]] = []
        self.feed(fragment)

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("div", "pre"):
            self._open.append((tag, []))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("div", "pre") and self._open:
            name, parts = self._open.pop()
            self.blocks.append((name, "".join(parts).strip()))

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1][1].append(data)


def links(fragment: str) -> list[tuple[str, str]]:
    return re.findall(r'<a href="([^"]*)"[^>]*>([^<]*)</a>', fragment)


@pytest.fixture
def no_jupyter(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in ("JUPYTERHUB_SERVICE_PREFIX", "JUPYTER_SERVER_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path))  # no running server found
    return monkeypatch


def test_a_local_link_is_said_plainly_without_the_proxy(no_jupyter: pytest.MonkeyPatch) -> None:
    html = _url_html(URL)
    assert [text for _, text in links(html)] == ["Open it in your browser"]
    assert links(html)[0][0] == URL.replace("&", "&amp;")
    assert "proxy" not in html and "(" not in html


def test_the_proxy_is_named_only_with_the_address_the_link_opens(
    no_jupyter: pytest.MonkeyPatch,
) -> None:
    no_jupyter.setenv("JUPYTER_SERVER_URL", "http://127.0.0.1:8888/")
    html = _url_html(URL)
    [(href, text)] = links(html)
    assert text == "Open it in your browser"
    assert href.startswith("/proxy/41234/authorize?")
    assert ("pre", URL) in Blocks(html).blocks  # the request itself, as the client sends it
    said = [block for _, block in Blocks(html).blocks if "proxy" in block]
    assert said == [
        "The link opens the same request through Jupyter's proxy, at /proxy/41234/authorize, "
        "so that a browser on another machine reaches the server too."
    ]


def test_after_deny_the_answer_comes_line_by_line(panels: Panels) -> None:
    panels.start()
    panels.register()
    panels.sign_in()
    panels.login._deny.click()
    blocks = Blocks(panels.login._answer.value).blocks
    location = panels.login.model.location
    assert "error=access_denied" in location
    assert blocks == [
        ("div", "You pressed Deny."),
        ("div", "The server answered with a redirect: it sends the browser back to the client, at"),
        ("pre", location),
        ("div", "Error: access_denied (RFC 6749 Section 4.1.2.1, authorization response)"),
        ("div", 'The server says: "The resource owner denied the request."'),
        ("div", "What it means: The resource owner, or the server's policy, refused the request."),
        ("div", "Likely cause: The user clicked Deny on the consent page."),
        (
            "div",
            "Fix: Nothing is wrong with the client: ask the user again, or carry on "
            "without access.",
        ),
    ]
    assert panels.login.model.answer.startswith("You pressed Deny. 302 Found")  # in words, too


def test_a_page_that_is_no_redirect_is_one_line(panels: Panels) -> None:
    panels.start()
    panels.register()
    panels.sign_in()
    assert panels.login.model.location == "" and panels.login.model.explanation == []
    assert panels.login._answer.value.startswith("<b>The server answered:</b> Consent page")
