"""The Start Here tutorial in a real JupyterLab, as a learner uses it, in headless Chromium.

Open the notebook, wait for the kernel, Run All Cells from the Run menu, then walk the
wizard with the mouse and keyboard: create an application in the Developer Portal,
open the authorize link in a second tab of the same browser, sign in as admin and
approve on the server's own pages, land on the kit's callback page (/client/callback),
back in the notebook pick that redirect up and check it, send the token request and
read the token JSON, call the photos API and see the titles; then sign in once more
in the panel and press Deny. On the way: step 1 shows what a later cell did without
a Refresh, the flow diagram's labels are big enough to read, the Mermaid diagrams
are drawn as images, no cell wrote to stderr, and at every step no element's
content is wider than its box (scrollWidth <= clientWidth).

The widgets have no test ids: everything is found as a learner finds it, by button
text, field label and the wizard's "Step N of 7" line.
"""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote, urlsplit

from playwright.sync_api import Locator, Page, expect

from codegrant_kit.server.resource import PHOTO_TITLES

if TYPE_CHECKING:  # no __init__.py here: a package named "jupyterlab" would shadow the real one
    from conftest import Budget, Lab

MERMAID = '.jp-RenderedMermaid img[src^="data:image/svg+xml"]'
# Each element shown whose content is wider than its box (scrollWidth > clientWidth),
# named by tag, class and text. Text fields scroll their value by design; hidden
# elements (the other steps) have no width.
OVERFLOW_JS = """
root => {
  const found = [];
  for (const element of root.querySelectorAll('*')) {
    if (['INPUT', 'TEXTAREA', 'SELECT'].includes(element.tagName)) continue;
    if (element.clientWidth === 0 || element.scrollWidth <= element.clientWidth) continue;
    const classes = typeof element.className === 'string' ? element.className.trim() : '';
    const name = element.tagName.toLowerCase()
      + (classes ? '.' + classes.split(/\\s+/).join('.') : '');
    const text = (element.innerText || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
    found.push(`${name} (${element.scrollWidth} > ${element.clientWidth} px): ${text}`);
  }
  return found;
}
"""

# The height on screen of the smallest message label of a Mermaid diagram drawn as an
# image: the label's height in the SVG, times the image's width over the SVG's.
LABEL_JS = """
image => {
  const holder = document.createElement('div');
  holder.style.cssText = 'position:absolute;left:-20000px;top:0';
  holder.innerHTML = decodeURIComponent(image.src.slice(image.src.indexOf(',') + 1));
  document.body.appendChild(holder);
  const svg = holder.querySelector('svg');
  const heights = [...svg.querySelectorAll('text.messageText')].map(text => text.getBBox().height);
  const scale = image.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  holder.remove();
  return Math.min(...heights) * scale;
}
"""
MIN_LABEL_PX = 14.0  # the notebook's text is about 14 px high at JupyterLab's 13 px font


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
    """The flow drawn in Markdown, its labels big enough to read, and the transcript
    drawn from the exchanges made."""
    flow = page.locator(f".jp-MarkdownCell {MERMAID}").first
    see(flow, budget)
    label = flow.evaluate(LABEL_JS)
    assert label >= MIN_LABEL_PX, f"the flow diagram's labels are {label:.1f} px high"
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


def overflowing(wizard: Locator) -> list[str]:
    """Every element of the wizard shown now whose content is wider than its box."""
    return list(wizard.evaluate(OVERFLOW_JS))


def walk_the_wizard(page: Page, budget: Budget, screenshots: Path) -> list[str]:
    """The wizard from step 1 to 7, the authorize link opened in a second tab of the
    same browser; returns what overflowed its box, step by step."""
    cell = page.locator(".jp-CodeCell", has_text="wizard(server)")
    wizard = cell.locator(".jp-OutputArea-output")
    offenders: list[str] = []

    def check_layout(where: str) -> None:
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => done()))")
        offenders.extend(f"{where}: {found}" for found in overflowing(wizard))

    see(wizard.get_by_text("Step 1 of 7: Server", exact=True), budget)
    # A later cell registered "Playground" with a Flow of its own: step 1 shows it, no Refresh.
    see(wizard.get_by_role("cell", name="Playground", exact=True), budget)
    check_layout("step 1 after Run All")

    # 2. Developer Portal: the callback URL starts as the kit's callback page; Code
    # unlocks only once there is a callback URL.
    next_step(wizard, 2, "Developer Portal", budget)
    code = wizard.get_by_label("Code", exact=True)
    callback = wizard.get_by_label("Callback URL")
    expect(callback).to_have_value(re.compile(r"/client/callback$"), timeout=budget.ms())
    kit_callback = callback.input_value()
    callback.fill("")
    expect(code).to_be_disabled(timeout=budget.ms())
    wizard.get_by_label("Application name").fill("Photo Printer")
    callback.press_sequentially(kit_callback)
    expect(code).to_be_enabled(timeout=budget.ms())
    code.check()
    wizard.get_by_role("button", name="GENERATE KEYS").click()
    see(wizard.get_by_text("Registered 'Photo Printer'"), budget)
    key_field = wizard.get_by_label("Consumer Key")
    expect(key_field).not_to_have_value("", timeout=budget.ms())
    key = key_field.input_value()
    expect(wizard.get_by_label("Consumer Secret")).not_to_have_value("")
    check_layout("step 2")
    shoot(page, cell, screenshots / "lab-portal.png")

    # 3. The authorize URL, built from the keys just made, opened in a second tab.
    next_step(wizard, 3, "Authorize URL", budget)
    url = shown_pre(wizard, "/authorize?")
    see(url, budget)
    for part in ("response_type=code", f"client_id={key}", "scope=PRODUCTION", "state="):
        assert part in url.inner_text(), url.inner_text()
    check_layout("step 3")
    with page.context.expect_page(timeout=budget.ms()) as opened:
        wizard.get_by_role("link", name="Open it in your browser").click()
    tab = opened.value

    # 4. In that tab, the server's own pages: sign in as admin, Approve Once; the
    # browser lands on the kit's callback page, which shows what arrived.
    tab.get_by_label("Username").fill("admin")
    tab.get_by_label("Password").fill("admin")
    tab.get_by_role("button", name="Sign In").click()
    tab.get_by_role("button", name="Approve Once").click()
    tab.wait_for_url(lambda address: f"{kit_callback}?" in address, timeout=budget.ms())
    expect(tab).to_have_title("Callback received · the client's page", timeout=budget.ms())
    query = dict(parse_qsl(urlsplit(tab.url).query))
    for name in ("code", "state", "iss"):
        expect(tab.locator(f"code#{name}")).to_have_text(query[name])
    see(tab.get_by_text("Go back to the notebook."), budget)
    tab.locator("main").screenshot(path=screenshots / "lab-callback.png")
    page.bring_to_front()
    next_step(wizard, 4, "Login and consent", budget)

    # 5. The redirect the callback page received, fetched by its state; state and iss
    # are checked before the code is used.
    next_step(wizard, 5, "Redirect", budget)
    wizard.get_by_role("button", name="Use the redirect the callback page received").click()
    expect(wizard.get_by_label("Location")).to_have_value(tab.url, timeout=budget.ms())
    wizard.get_by_role("button", name="Check the redirect").click()
    see(wizard.get_by_text("Every check passed"), budget)
    check_layout("step 5")

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
    check_layout("step 6")
    shoot(page, wizard.get_by_text("The raw POST", exact=True), screenshots / "lab-token.png")

    # 7. The photos API, called with that access token.
    next_step(wizard, 7, "Using the token", budget)
    expect(wizard.get_by_label("access_token", exact=True)).to_have_value(tokens["access_token"])
    wizard.get_by_role("button", name="Call the photos API").click()
    expect(wizard.get_by_role("listitem")).to_have_text(list(PHOTO_TITLES), timeout=budget.ms())
    see(wizard.get_by_text(f"200 OK: {len(PHOTO_TITLES)} photos."), budget)
    check_layout("step 7")
    shoot(page, cell, screenshots / "lab-photos.png")

    # Back to step 4: the panel's own browser signs in and presses Deny; the answer
    # comes line by line.
    for _ in range(3):
        wizard.get_by_role("button", name=icon_and("Back")).click()
    see(wizard.get_by_text("Step 4 of 7: Login and consent", exact=True), budget)
    wizard.get_by_label("Username").fill("admin")
    wizard.get_by_label("Password").fill("admin")
    wizard.get_by_role("button", name="Sign In").click()
    see(wizard.get_by_text("Signed in. The server asks for consent"), budget)
    wizard.get_by_role("button", name="Deny").click()
    see(wizard.get_by_text("You pressed Deny.", exact=True), budget)
    see(wizard.get_by_text("Likely cause: The user clicked Deny on the consent page."), budget)
    see(shown_pre(wizard, "error=access_denied"), budget)
    check_layout("step 4 after Deny")

    # Back to step 1: the codes and tokens of both flows, and the folded transcript.
    for _ in range(3):
        wizard.get_by_role("button", name=icon_and("Back")).click()
    see(wizard.get_by_text("Step 1 of 7: Server", exact=True), budget)
    see(wizard.get_by_role("cell", name="Photo Printer", exact=True), budget)
    check_layout("step 1 at the end")
    wizard.get_by_text("Transcript: every exchange so far", exact=True).click()
    see(shown_pre(wizard, "GET /api/photos"), budget)
    check_layout("the transcript")
    return offenders


def test_a_learner_runs_start_here_and_walks_the_wizard(
    lab: Lab, page: Page, budget: Budget, screenshots: Path, tmp_path: Path
) -> None:
    try:
        open_and_run_all(page, lab, budget)
        check_mermaid(page, budget)
        offenders = walk_the_wizard(page, budget, screenshots)
        assert not offenders, "content wider than its box:\n" + "\n".join(offenders)
    except BaseException:
        failure = tmp_path / "failure.png"
        with contextlib.suppress(Exception):
            page.screenshot(path=failure)
        print(f"screenshot of the failure: {failure}\nJupyterLab's log:\n{lab.log_tail()}")
        raise
    print(f"done in {budget.elapsed():.1f} s, JupyterLab's start included")
