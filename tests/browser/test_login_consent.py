"""The login and consent pages in headless Chromium: what a learner's browser does.

The flow of RFC 6749 4.1 from the browser's side: the authorization request opens
the login page, Sign In shows the consent page, and the answer lands on the
client's callback (4.1.2) with `code`, `state` and `iss` (RFC 9207), or with
`error=access_denied` (4.1.2.1). Then the defences a browser enforces: no framing
(RFC 9700 4.16) and no Referer on the way to the callback (RFC 9700 4.2.4).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from playwright.sync_api import Page, expect

from codegrant_kit.runner import BackgroundServer

from .conftest import CLIENT_ID, CLIENT_NAME, ClientSite, start

RETRY = "Login failed! Please recheck the username and password and try again."
Shoot = Callable[[Page, str], Path]


def authorize_url(server: BackgroundServer, site: ClientSite, **params: str) -> str:
    query = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": site.callback,
        "scope": "PRODUCTION",
        "state": "xyz",
        **params,
    }
    return f"{server.url}/authorize?{urlencode(query)}"


def sign_in(page: Page, username: str = "alice", password: str = "pw") -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()


def landed(page: Page, site: ClientSite) -> dict[str, str]:
    """Wait for the callback page and return the query it received."""
    page.wait_for_url(lambda url: url.startswith(f"{site.callback}?"))
    expect(page.get_by_role("heading")).to_have_text(f"{CLIENT_NAME}: callback")
    return dict(parse_qsl(urlsplit(page.url).query))


def focused(page: Page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.textContent")


def test_approve_once_lands_on_the_callback_with_code_state_and_iss(
    page: Page, server: BackgroundServer, site: ClientSite, screenshot: Shoot
) -> None:
    page.goto(authorize_url(server, site, scope="PRODUCTION photos:read"))
    expect(page).to_have_title("Sign in · codegrant-kit")
    expect(page.get_by_text(f"{CLIENT_NAME} wants to access your account")).to_be_visible()
    screenshot(page, "server-login")

    sign_in(page)
    expect(page.get_by_role("heading", name="Give consent")).to_be_visible()
    expect(page.get_by_text(f"{CLIENT_NAME} requests access to:")).to_be_visible()
    scopes = page.get_by_role("listitem")
    expect(scopes).to_have_count(2)
    expect(scopes.nth(0)).to_contain_text("PRODUCTION")
    expect(scopes.nth(1)).to_contain_text("photos:read")
    expect(page.get_by_text(site.callback)).to_be_visible()
    screenshot(page, "server-consent")

    page.get_by_role("button", name="Approve Once").click()
    query = landed(page, site)
    assert query.keys() == {"code", "state", "iss"}
    assert query["state"] == "xyz"
    assert query["iss"] == server.url
    (code,) = [c for c in server.store.snapshot()["codes"] if c["code"] == query["code"]]
    assert (code["username"], code["scope"]) == ("alice", ("PRODUCTION", "photos:read"))
    assert [s.query for s in site.callbacks()] == [query]


def test_wrong_password_shows_the_retry_message_and_keeps_the_username(
    page: Page, server: BackgroundServer, site: ClientSite, screenshot: Shoot
) -> None:
    page.goto(authorize_url(server, site))
    sign_in(page, password="wrong")

    alert = page.get_by_role("alert")
    expect(alert).to_have_text(RETRY)
    username, password = page.get_by_label("Username"), page.get_by_label("Password")
    expect(username).to_have_value("alice")
    expect(password).to_have_value("")
    # the error is announced with the field that has focus, and the fields say why
    expect(password).to_be_focused()
    for field in (username, password):
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_attribute("aria-describedby", "login-error")
    expect(password).to_have_accessible_description(RETRY)
    screenshot(page, "server-login-failed")

    password.fill("pw")
    password.press("Enter")
    expect(page.get_by_role("heading", name="Give consent")).to_be_visible()
    assert site.callbacks() == []


def test_deny_lands_on_the_callback_with_access_denied(
    page: Page, server: BackgroundServer, site: ClientSite
) -> None:
    page.goto(authorize_url(server, site))
    sign_in(page)
    page.get_by_role("button", name="Deny").click()
    query = landed(page, site)
    assert query["error"] == "access_denied"
    assert query["state"] == "xyz"
    assert query["iss"] == server.url
    assert "code" not in query


def test_approve_always_skips_consent_the_next_time(
    page: Page, server: BackgroundServer, site: ClientSite
) -> None:
    page.goto(authorize_url(server, site))
    sign_in(page)
    page.get_by_role("button", name="Approve Always").click()
    first = landed(page, site)

    page.goto(authorize_url(server, site, state="again"))
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        sign_in(page)
    assert answer.value.status == 302  # straight back, no consent page
    second = landed(page, site)
    assert second["state"] == "again"
    assert second["code"] != first["code"]
    assert len(site.callbacks()) == 2


def test_an_unregistered_redirect_uri_shows_an_error_and_stays_on_the_server(
    page: Page, server: BackgroundServer, site: ClientSite, screenshot: Shoot
) -> None:
    response = page.goto(authorize_url(server, site, redirect_uri=f"{site.url}/elsewhere"))
    assert response is not None and response.status == 400
    expect(page.get_by_role("heading", name="Redirect URI mismatch")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("is not registered")
    assert page.url.startswith(f"{server.url}/authorize?")
    assert site.seen == []
    screenshot(page, "server-error")


def test_keyboard_only(page: Page, server: BackgroundServer, site: ClientSite) -> None:
    page.goto(authorize_url(server, site))
    # every input a person fills in has a label, and the label finds it
    unlabelled = page.locator("input:not([type=hidden])").evaluate_all(
        "inputs => inputs.filter(i => i.labels.length === 0).map(i => i.outerHTML)"
    )
    assert unlabelled == []
    expect(page.get_by_label("Username")).to_have_id("username")
    expect(page.get_by_label("Password")).to_have_id("password")

    # Tab order: username (focused on load), password, Sign In
    assert focused(page) == "username"
    page.keyboard.type("alice")
    order = []
    for _ in range(2):
        page.keyboard.press("Tab")
        assert_focus_is_visible(page)
        order.append(focused(page))
    assert order == ["password", "Sign In"]
    page.keyboard.press("Shift+Tab")
    page.keyboard.type("pw")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Give consent")).to_be_visible()
    order = []
    for _ in range(3):
        page.keyboard.press("Tab")
        assert_focus_is_visible(page)
        order.append(focused(page))
    assert order == ["Approve Once", "Approve Always", "Deny"]
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert focused(page) == "Approve Once"
    page.keyboard.press("Enter")
    assert landed(page, site).keys() == {"code", "state", "iss"}


def assert_focus_is_visible(page: Page) -> None:
    ring = page.evaluate(
        """() => {
            const el = document.activeElement, style = getComputedStyle(el);
            return {visible: el.matches(':focus-visible'), outline: style.outlineStyle,
                    width: parseFloat(style.outlineWidth)};
        }"""
    )
    assert ring["visible"] and ring["outline"] != "none" and ring["width"] >= 2, ring


def test_the_login_page_refuses_to_be_framed(
    page: Page, server: BackgroundServer, site: ClientSite
) -> None:
    login = authorize_url(server, site)
    site.pages["/attacker"] = (
        '<!doctype html><html lang="en"><title>Win a prize</title>'
        f'<iframe id="victim" src="{login}"></iframe>'
        '<iframe id="control" src="/framed"></iframe></html>'
    )
    site.pages["/framed"] = "<!doctype html><p id=framed>framed fine</p>"
    response = page.request.get(login)
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]

    with page.expect_console_message(lambda m: "frame-ancestors 'none'" in m.text) as refusal:
        page.goto(f"{site.url}/attacker")  # waits for both frames to load or fail
    assert "The request has been blocked" in refusal.value.text
    control = page.frame_locator("#control")
    expect(control.locator("#framed")).to_have_text("framed fine")  # framing works here
    victim = page.locator("#victim").element_handle().content_frame()
    assert victim is not None and victim.url == "chrome-error://chromewebdata/"
    expect(page.frame_locator("#victim").locator("#username")).to_have_count(0)


def test_the_callback_receives_no_referer(
    page: Page, server: BackgroundServer, site: ClientSite
) -> None:
    page.goto(authorize_url(server, site))
    sign_in(page)
    page.get_by_role("button", name="Approve Once").click()
    landed(page, site)
    (callback,) = site.callbacks()
    assert "referer" not in callback.headers
    assert page.evaluate("document.referrer") == ""


# The same two checks with the defence switched off (lab switches): the harness can
# see framing and a Referer, so the tests above are not passing by accident.


def test_with_lab_switch_framing_an_attacker_page_shows_the_login_page(
    page: Page, site: ClientSite
) -> None:
    with start(site, lab_switches=frozenset({"framing"})) as server:
        login = authorize_url(server, site)
        site.pages["/attacker"] = f'<!doctype html><iframe id="victim" src="{login}"></iframe>'
        page.goto(f"{site.url}/attacker")
        expect(page.frame_locator("#victim").get_by_label("Password")).to_be_visible()


def test_with_lab_switch_referrer_leak_the_callback_gets_a_referer(
    page: Page, site: ClientSite
) -> None:
    with start(site, lab_switches=frozenset({"referrer_leak"})) as server:
        page.goto(authorize_url(server, site))
        sign_in(page)
        page.get_by_role("button", name="Approve Once").click()
        landed(page, site)
        (callback,) = site.callbacks()
        # Chromium's default policy, strict-origin-when-cross-origin: the origin only
        assert callback.headers["referer"] == f"{server.url}/"
