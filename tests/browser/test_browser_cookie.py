"""The browser cookie in Chromium: `__Host-` under TLS, and a planted value never adopted.

A plain-http page on the same host (cookies ignore ports: here the client's own
site) tries to plant the cookie before the learner signs in (RFC 6749 10.12).
Under TLS Chromium refuses it the `__Host-` name (RFC 6265bis 4.1.3.2); without TLS
it reaches the server, which mints a value of its own instead. Chromium counts
http://127.0.0.1 as a secure context that may set Secure cookies, so the TLS test
reaches both servers by a name, as learners reach a classroom server.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect

from .conftest import CHROMIUM, LAUNCH_ARGS, ClientSite, start
from .test_login_consent import authorize_url, landed, sign_in

HOST = "classroom.test"
PLANT = (
    "<!doctype html><title>Planting</title><script>"
    'document.cookie = "cgk_browser=planted; path=/";'
    'document.cookie = "__Host-cgk_browser=planted; path=/; secure";'
    "</script><h1>planted</h1>"
)


def test_over_tls_the_cookie_is_host_prefixed_and_cannot_be_planted(
    browser: Browser, site: ClientSite, tmp_path: Path
) -> None:
    args = [*LAUNCH_ARGS, f"--host-resolver-rules=MAP {HOST} 127.0.0.1"]
    named = browser.browser_type.launch(executable_path=str(CHROMIUM), args=args)
    site.pages["/plant"] = PLANT
    try:
        context = named.new_context(ignore_https_errors=True)  # the classroom's own CA
        context.set_default_timeout(5_000)
        page = context.new_page()
        with start(site, tls=True, tls_dir=tmp_path / "tls") as server:
            url = server.url.replace("127.0.0.1", HOST)
            page.goto(site.url.replace("127.0.0.1", HOST) + "/plant")
            expect(page.get_by_role("heading")).to_have_text("planted")
            assert [c["name"] for c in context.cookies(url)] == ["cgk_browser"]

            page.goto(authorize_url(server, site).replace("127.0.0.1", HOST, 1))
            [pending] = server.store._pending.values()
            sign_in(page)  # the cookie came back: the consent page, not "Request refused"
            page.get_by_role("button", name="Approve Once").click()
            assert "code" in landed(page, site)
            cookies = {c["name"]: c for c in context.cookies(url)}
            ours = cookies["__Host-cgk_browser"]
            assert ours["value"] == pending.browser != "planted"
            assert (ours["secure"], ours["path"], ours["httpOnly"]) == (True, "/", True)
            assert cookies["cgk_browser"]["value"] == "planted"  # there, and ignored
    finally:
        named.close()


def test_without_tls_a_planted_cookie_is_replaced(browser: Browser, site: ClientSite) -> None:
    site.pages["/plant"] = PLANT
    context = browser.new_context()
    context.set_default_timeout(5_000)
    try:
        page = context.new_page()
        with start(site) as server:
            page.goto(f"{site.url}/plant")
            page.goto(authorize_url(server, site))
            [pending] = server.store._pending.values()
            assert pending.browser != "planted"
            cookies = {c["name"]: c["value"] for c in context.cookies(server.url)}
            assert cookies["cgk_browser"] == pending.browser  # overwritten by the server
            sign_in(page)
            page.get_by_role("button", name="Approve Once").click()
            assert "code" in landed(page, site)
    finally:
        context.close()
