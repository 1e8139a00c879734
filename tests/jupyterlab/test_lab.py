"""The Start Here tutorial in a real JupyterLab, as a learner uses it, in headless Chromium.

Open the notebook, wait for the kernel, Run All Cells from the Run menu, then walk the
wizard with the mouse and keyboard: create an application in the Developer Portal,
read the authorize URL, sign in as admin and approve, check the redirect, send the
token request and read the token JSON, call the photos API and see the titles. On
the way: the Mermaid diagrams are drawn as images, and no cell wrote to stderr.

The widgets have no test ids: everything is found as a learner finds it, by button
text, field label and the wizard's "Step N of 7" line.
"""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from playwright.sync_api import Locator, Page, expect

from codegrant_kit.server.resource import PHOTO_TITLES

if TYPE_CHECKING:  # no __init__.py here: a package named "jupyterlab" would shadow the real one
    from conftest import Budget, Lab

MERMAID = '.jp-RenderedMermaid img[src^="data:image/svg+xml"]'
CALLBACK = "https://printer.example.com/cb"


def icon_and(text: str) -> re.Pattern[str]:
    """A button's accessible name: its Font Awesome icon's glyph (CSS content), then text."""
    return re.compile(rf"^\W*{re.escape(text)}$")


def see(locator: Locator, budget: Budget) -> None:
    expect(locator).to_be_visible(timeout=budget.ms())


def shown_pre(wizard: Locator, text: str) -> Locator:
    """A raw exchange shown in the current step (the folded transcript holds them all)."""
    return wizard.locator("pre", has_text=text).filter(visible=True)


def open_and_run_all(page: Page, lab: Lab, budget: Budget) -> None:
    page.goto(lab.notebook_url())
    # The status bar's "| Idle" is reliable; Run All before it silently does nothing.
    see(page.locator("#jp-main-statusbar").get_by_text(re.compile(r"\| Idle")), budget)
    # Fold the file browser away: more room for the wizard in the screenshots.
    page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click()
    expect(page.locator("#jp-left-stack")).to_be_hidden(timeout=budget.ms())
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    # The last code cell prints the token request; then no cell may still be running.
    last = page.locator('[data-mime-type="application/vnd.jupyter.stdout"]')
    see(last.filter(has_text="POST /token HTTP/1.1"), budget)
    expect(page.locator(".jp-InputPrompt", has_text="[*]")).to_have_count(0, timeout=budget.ms())
    expect(page.locator('[data-mime-type="application/vnd.jupyter.stderr"]')).to_have_count(0)


def check_mermaid(page: Page, budget: Budget) -> None:
    """The flow drawn in Markdown, and the transcript drawn from the exchanges made."""
    see(page.locator(f".jp-MarkdownCell {MERMAID}").first, budget)
    transcript = page.locator(".jp-CodeCell", has_text="flow.transcript.markdown()")
    diagram = transcript.locator(f".jp-OutputArea-output {MERMAID}")
    see(diagram, budget)
    svg = unquote(diagram.get_attribute("src") or "")
    assert "POST /token" in svg and "GET /api/photos" in svg, svg[:300]


def shoot(page: Page, top: Locator, path: Path) -> None:
    """A screenshot of the window with `top` scrolled to the top of the notebook."""
    top.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => done()))")
    page.screenshot(path=path)
    assert path.read_bytes().startswith(b"\x89PNG")


def next_step(wizard: Locator, number: int, name: str, budget: Budget) -> None:
    wizard.get_by_role("button", name=icon_and("Next")).click()
    see(wizard.get_by_text(f"Step {number} of 7: {name}", exact=True), budget)


def walk_the_wizard(page: Page, budget: Budget, screenshots: Path) -> None:
    cell = page.locator(".jp-CodeCell", has_text="wizard(server)")
    wizard = cell.locator(".jp-OutputArea-output")
    see(wizard.get_by_text("Step 1 of 7: Server", exact=True), budget)

    # 2. Developer Portal: the callback URL starts as the kit's callback page; Code
    # unlocks only once there is a callback URL.
    next_step(wizard, 2, "Developer Portal", budget)
    code = wizard.get_by_label("Code", exact=True)
    callback = wizard.get_by_label("Callback URL")
    expect(callback).to_have_value(re.compile(r"/client/callback$"), timeout=budget.ms())
    callback.fill("")
    expect(code).to_be_disabled(timeout=budget.ms())
    wizard.get_by_label("Application name").fill("Photo Printer")
    callback.press_sequentially(CALLBACK)
    expect(code).to_be_enabled(timeout=budget.ms())
    code.check()
    wizard.get_by_role("button", name="GENERATE KEYS").click()
    see(wizard.get_by_text("Registered 'Photo Printer'"), budget)
    key_field = wizard.get_by_label("Consumer Key")
    expect(key_field).not_to_have_value("", timeout=budget.ms())
    key = key_field.input_value()
    expect(wizard.get_by_label("Consumer Secret")).not_to_have_value("")
    shoot(page, cell, screenshots / "lab-portal.png")

    # 3. The authorize URL, built from the keys just made.
    next_step(wizard, 3, "Authorize URL", budget)
    url = shown_pre(wizard, "/authorize?")
    see(url, budget)
    for part in ("response_type=code", f"client_id={key}", "scope=PRODUCTION", "state="):
        assert part in url.inner_text(), url.inner_text()

    # 4. Sign in as admin, then Approve Once (greyed out until the consent page is open).
    next_step(wizard, 4, "Login and consent", budget)
    approve = wizard.get_by_role("button", name="Approve Once")
    expect(approve).to_be_disabled(timeout=budget.ms())
    wizard.get_by_label("Username").fill("admin")
    wizard.get_by_label("Password").fill("admin")
    wizard.get_by_role("button", name="Sign In").click()
    see(wizard.get_by_text("Signed in. The server asks for consent."), budget)
    approve.click()
    see(wizard.get_by_text("You pressed Approve Once."), budget)

    # 5. The redirect: the code is used only after state and iss are checked.
    next_step(wizard, 5, "Redirect", budget)
    see(shown_pre(wizard, "302 Found"), budget)
    wizard.get_by_role("button", name="Check the redirect").click()
    see(wizard.get_by_text("Every check passed"), budget)

    # 6. The token request: Send, then the JSON answer.
    next_step(wizard, 6, "Token request", budget)
    see(shown_pre(wizard, "Authorization: Basic "), budget)
    wizard.get_by_role("button", name=icon_and("Send")).click()
    see(wizard.get_by_text("The server answered 200 OK with tokens."), budget)
    answer = shown_pre(wizard, "HTTP/1.1 200 OK")
    head, _, body = answer.inner_text().partition("\n\n")
    assert "Content-Type: application/json" in head, head
    tokens = json.loads(body)
    assert tokens["token_type"] == "Bearer" and tokens["access_token"], tokens
    shoot(page, wizard.get_by_text("The raw POST", exact=True), screenshots / "lab-token.png")

    # 7. The photos API, called with that access token.
    next_step(wizard, 7, "Using the token", budget)
    expect(wizard.get_by_label("access_token", exact=True)).to_have_value(tokens["access_token"])
    wizard.get_by_role("button", name="Call the photos API").click()
    expect(wizard.get_by_role("listitem")).to_have_text(list(PHOTO_TITLES), timeout=budget.ms())
    see(wizard.get_by_text(f"200 OK: {len(PHOTO_TITLES)} photos."), budget)
    shoot(page, cell, screenshots / "lab-photos.png")


def test_a_learner_runs_start_here_and_walks_the_wizard(
    lab: Lab, page: Page, budget: Budget, screenshots: Path, tmp_path: Path
) -> None:
    try:
        open_and_run_all(page, lab, budget)
        check_mermaid(page, budget)
        walk_the_wizard(page, budget, screenshots)
    except BaseException:
        failure = tmp_path / "failure.png"
        with contextlib.suppress(Exception):
            page.screenshot(path=failure)
        print(f"screenshot of the failure: {failure}\nJupyterLab's log:\n{lab.log_tail()}")
        raise
    print(f"done in {budget.elapsed():.1f} s, JupyterLab's start included")
