"""The kit's callback page in headless Chromium: the real-browser path ends on a page
that works, and the redirect panel picks the redirect up without copy and paste."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import Page, expect

from codegrant_kit.panels import AuthorizePanel, FlowState, PortalPanel, RedirectPanel, ServerPanel
from codegrant_kit.panels.authorize_panel import browser_url


@pytest.fixture
def panels(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FlowState]:
    for name in ("JUPYTERHUB_SERVICE_PREFIX", "JUPYTER_SERVER_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path))  # no Jupyter in front
    state = FlowState()
    server = ServerPanel(state, password_hash="fast")
    server._start.click()
    assert server.model.running
    yield state
    server._stop.click()
    state.close()


def test_the_authorize_link_ends_on_the_callback_page_with_code_state_and_iss(
    page: Page, panels: FlowState
) -> None:
    portal, authorize, redirect = PortalPanel(panels), AuthorizePanel(panels), RedirectPanel(panels)
    callback = panels.callback_page_url()
    assert callback is not None and portal.model.callback_url == callback
    portal._code.value = True
    portal._generate.click()
    assert portal.model.error == ""

    page.goto(browser_url(authorize.model.url))  # the link step 3 shows
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("admin")
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("button", name="Approve Once").click()
    page.wait_for_url(lambda url: url.startswith(f"{callback}?"))

    expect(page).to_have_title("Callback received · the client's page")
    query = dict(parse_qsl(urlsplit(page.url).query))
    assert query["state"] == authorize.model.state and query["iss"] == panels.issuer
    for name in ("code", "state", "iss"):
        expect(page.locator(f"code#{name}")).to_have_text(query[name])
    expect(page.get_by_text("Go back to the notebook.")).to_be_visible()

    redirect._use_received.click()
    assert redirect.model.error == ""
    assert redirect.model.location == page.url
    redirect._check.click()
    assert redirect.model.error == "" and redirect.model.code == query["code"]
