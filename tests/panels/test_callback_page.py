"""The real-browser path through the panels: the learner's own browser lands on the
kit's callback page, and the redirect panel picks the redirect up by its state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from codegrant_kit.client import Browser, ClientError, callback
from codegrant_kit.panels.portal import SEED_CALLBACK

from .conftest import Panels, close, make_panels


@pytest.fixture(autouse=True)
def outside_jupyter(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No Jupyter server in front of the kernel: the callback page is on 127.0.0.1."""
    for name in ("JUPYTERHUB_SERVICE_PREFIX", "JUPYTER_SERVER_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path))


@pytest.fixture
def started() -> Iterator[Panels]:
    panels = make_panels()
    panels.start()
    yield panels
    close(panels)


def register_default(panels: Panels) -> str:
    portal = panels.portal
    page = panels.state.callback_page_url()
    assert page == panels.server.model.url + "/client/callback"
    assert portal.model.callback_url == page and portal._callback.value == page
    assert "kit's callback page" in portal.model.warning
    portal._code.value = True
    portal._generate.click()
    assert portal.model.error == ""
    return page


def the_learners_browser(url: str, stop_at: str) -> tuple[str, str]:
    """Open the authorize link, sign in, approve and land: (Location, landed page)."""
    with Browser(stop_at=stop_at) as browser:
        browser.open(url)
        browser.login("admin", "admin")
        redirect = browser.consent("approve")
        assert redirect.kind == "redirect" and redirect.location is not None
        landed = browser.follow()
        assert landed.status == 200
        return redirect.location, landed.text


def test_the_browser_lands_on_the_callback_page_and_step_5_picks_the_redirect_up(
    started: Panels,
) -> None:
    page = register_default(started)
    authorize = started.authorize.model
    assert authorize.redirect_uri == page
    assert "kit's callback page" in authorize.warning
    location, landed = the_learners_browser(authorize.url, page)
    query = parse_qs(urlsplit(location).query)
    for name in ("code", "state", "iss"):
        assert query[name][0] in landed
    assert query["state"] == [authorize.state]
    assert "Go back to the notebook" in landed

    redirect = started.redirect
    assert redirect.model.location == ""  # nothing pasted
    redirect._use_received.click()
    assert redirect.model.error == ""
    assert redirect.model.location == location and redirect._location.value == location
    redirect._check.click()
    assert redirect.model.error == ""
    assert redirect.model.code == query["code"][0]
    started.token._send.click()
    assert started.token.model.error == ""
    assert started.state.tokens is not None


def test_before_the_browser_came_back_the_panel_says_what_to_do(started: Panels) -> None:
    register_default(started)
    redirect = started.redirect
    redirect._use_received.click()
    assert "Nothing has reached the callback page" in redirect.model.error
    assert "step 3" in redirect.model.error and redirect.model.location == ""


def test_only_the_redirect_with_this_requests_state_is_picked_up(started: Panels) -> None:
    page = register_default(started)
    authorize = started.authorize
    old_url = authorize.model.url
    authorize._new_state.click()  # a new request: the old state is no longer ours
    the_learners_browser(old_url, page)
    started.redirect._use_received.click()
    assert "Nothing has reached the callback page" in started.redirect.model.error


def test_the_seeds_callback_is_a_choice_and_the_panels_warn_before_the_click(
    started: Panels,
) -> None:
    portal = started.portal
    portal._seed_callback.click()
    assert portal.model.callback_url == SEED_CALLBACK
    assert "This site can't be reached" in portal.model.warning
    assert "address bar" in portal.model.warning
    portal._code.value = True
    portal._generate.click()
    authorize = started.authorize.model
    assert authorize.redirect_uri == SEED_CALLBACK
    assert "will show an error" in authorize.warning and "step 5" in authorize.warning
    started.redirect._use_received.click()
    assert "address bar" in started.redirect.model.error
    portal._kit_callback.click()
    assert portal.model.callback_url == started.state.callback_page_url()


def test_without_the_kits_server_there_is_no_default_callback() -> None:
    panels = make_panels()
    try:
        assert panels.portal.model.callback_url == ""
        panels.portal._kit_callback.click()
        assert "start it (step 1)" in panels.portal.model.error
    finally:
        close(panels)


def test_the_client_function_asks_only_with_a_state(started: Panels) -> None:
    with pytest.raises(ClientError, match="state"):
        callback.received(started.server.model.url, "")
    assert callback.received(started.server.model.url, "not-sent") == []


def test_behind_jupyters_proxy_the_callback_url_is_the_proxied_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JUPYTER_SERVER_URL", "https://hub.example.org/user/ada/")
    panels = make_panels()
    try:
        panels.start()
        port = urlsplit(panels.server.model.url).port
        proxied = f"https://hub.example.org/user/ada/proxy/{port}/client/callback"
        assert panels.state.callback_page_url() == proxied
        assert panels.portal.model.callback_url == proxied
        panels.portal._code.value = True
        panels.portal._generate.click()
        assert panels.portal.model.error == ""
        with Browser(stop_at=proxied) as browser:
            browser.open(panels.authorize.model.url)
            browser.login("admin", "admin")
            location = browser.consent("approve").location
            assert location is not None and location.startswith(proxied + "?")
            # what jupyter-server-proxy forwards to the kernel's server: the path, the query
            local = panels.server.model.url + "/client/callback?" + urlsplit(location).query
            assert "Go back to the notebook" in browser.http.get(local).text
        panels.redirect._use_received.click()
        assert panels.redirect.model.location == location
        panels.redirect._check.click()
        assert panels.redirect.model.error == "" and panels.redirect.model.code
    finally:
        close(panels)
