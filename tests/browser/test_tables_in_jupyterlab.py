"""The kit's tables under JupyterLab's own CSS, in headless Chromium.

JupyterLab centres the tables of a cell's HTML output and right-aligns their cells
(`.jp-RenderedHTMLCommon`); a fixed-layout table lets a long token run into the next
column unless the cell may break it. Each table is drawn inside such an output, at
a narrow width and at a wide one, with the stylesheet JupyterLab's own HTML export
ships (nbconvert's `lab` template, the same rules). In every one: no element's
content is wider than its box, every cell is left-aligned, the table starts at the
output's left edge, and no short word is cut across two lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from jupyter_core.paths import jupyter_path
from playwright.sync_api import Browser, Page

from codegrant_kit.client import AuthorizationRequest
from codegrant_kit.lab.checklist import ChecklistItem, report_table
from codegrant_kit.lab.result import AttackResult
from codegrant_kit.panels import _html
from codegrant_kit.panels.server_panel import _clients_html, _memory_html
from codegrant_kit.panels.token_panel import TokenModel, _steps_html

TOKEN = "VayaY66D5I2cayFDytUGER8jXWfME8rAD2fmywn7aIU"
CLIENT = "tRjDurLs7w8hkKztVHxn3bhvMlp8"
CALLBACK = "http://127.0.0.1:50003/proxy/46295/client/callback"


def lab_stylesheet() -> str:
    for folder in jupyter_path("nbconvert", "templates", "lab", "static"):
        css = Path(folder) / "index.css"
        if css.exists():
            return css.read_text(encoding="utf-8")
    pytest.fail("nbconvert's lab template (index.css) is missing: it comes with jupyterlab")


def tables() -> dict[str, str]:
    request = AuthorizationRequest(
        authorization_endpoint="http://127.0.0.1:46295/authorize",
        client_id=CLIENT,
        redirect_uri=CALLBACK,
        scope="PRODUCTION",
        state="rjio6EZ6xO8SK_IKFAKa5fGm9DDbDXQuUCyLdz3ROns",
        code_challenge="Qt_QNEEZCJlPT2_pEDX17iX_k-s00vUDJaQzwR2NBYk",
        code_challenge_method="S256",
    )
    snapshot = {
        "users": [{"username": "admin"}],
        "clients": [
            {
                "client_name": "Photo Printer",
                "client_id": CLIENT,
                "redirect_uris": [CALLBACK],
                "grant_types": ["authorization_code", "refresh_token"],
            }
        ],
        "pending": [],
        "codes": [{"code": TOKEN[:32], "client_id": CLIENT, "username": "admin", "used": True}],
        "tokens": [
            {"value": TOKEN, "kind": kind, "client_id": CLIENT, "username": "admin"}
            for kind in ("access_token", "refresh_token")
        ],
        "consents": [{"username": "admin", "client_id": CLIENT, "scope": ["PRODUCTION"]}],
    }
    steps = TokenModel()
    steps.client_id, steps.client_secret = CLIENT, TOKEN
    items = [
        ChecklistItem(
            "pkce", "PKCE is required for public clients", "RFC 9700 2.1.1", None, status, why
        )
        for status, why in (
            ("pass", "The token request without code_verifier was refused: invalid_grant."),
            ("fail", f"The attacker redeemed the code {TOKEN} without a verifier."),
        )
    ]
    attack = AttackResult(
        attack="Code replay",
        succeeded=False,
        what_happened="The replay was refused.",
        section="RFC 6749 4.1.2",
        defence="A code works once.",
        steps=("the attacker replays the code",),
        evidence={"code": TOKEN * 2, "answer": "400 invalid_grant"},
    )
    return {
        "authorize notes": _html.notes_table(request.explain()),
        "applications": _clients_html(snapshot),
        "codes and tokens": _memory_html(snapshot),
        "token steps": _steps_html(steps),
        "checklist": report_table(items),
        "attack": attack._repr_html_(),
    }


# Offenders in the output `root`: overflow, cells not left-aligned, a table away
# from the left edge, a word of at most 15 characters drawn on two lines.
CHECK_JS = """
root => {
  const found = [];
  for (const element of root.querySelectorAll('*')) {
    if (element.clientWidth > 0 && element.scrollWidth > element.clientWidth) {
      found.push(`${element.tagName} overflows (${element.scrollWidth} > ${element.clientWidth}): `
                 + element.textContent.slice(0, 50));
    }
  }
  for (const cell of root.querySelectorAll('td, th')) {
    const align = getComputedStyle(cell).textAlign;
    if (!['left', 'start'].includes(align)) found.push(`${cell.tagName} is ${align}-aligned`);
  }
  for (const table of root.querySelectorAll('table')) {
    const box = getComputedStyle(table.parentElement);
    const left = table.parentElement.getBoundingClientRect().left
      + parseFloat(box.borderLeftWidth) + parseFloat(box.paddingLeft);
    const off = table.getBoundingClientRect().left - left;
    if (Math.abs(off) > 1) found.push(`a table starts ${off.toFixed(0)} px from the left edge`);
  }
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement.closest('td, th')) continue;
    const text = node.textContent;
    for (const match of text.matchAll(/\\S+/g)) {
      if (match[0].length > 15) continue;
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const lines = new Set([...range.getClientRects()].map(rect => Math.round(rect.top)));
      if (lines.size > 1) found.push(`the word '${match[0]}' is cut across two lines`);
    }
  }
  return found;
}
"""


@pytest.fixture(scope="module")
def output(browser: Browser) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_content(
        f"<html><head><style>{lab_stylesheet()}</style></head><body>"
        "<div id='out' class='jp-OutputArea-output jp-RenderedHTMLCommon jp-RenderedHTML'>"
        "</div></body></html>"
    )
    yield page
    page.close()


@pytest.mark.parametrize("width", [560, 1100])
@pytest.mark.parametrize("name", list(tables()))
def test_a_table_keeps_to_its_columns_left_aligned(output: Page, name: str, width: int) -> None:
    root = output.locator("#out")
    root.evaluate(
        "(out, [html, width]) => { out.style.width = width + 'px'; out.innerHTML = html; }",
        [tables()[name], width],
    )
    assert root.evaluate("element => element.querySelectorAll('table').length") > 0
    offenders = root.evaluate(CHECK_JS)
    assert not offenders, f"{name} at {width} px:\n" + "\n".join(offenders)
