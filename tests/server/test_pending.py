"""Pending logins: the browser cookie the server mints, and the caps on open login pages."""

from __future__ import annotations

import html
from urllib.parse import urlencode

import httpx
import pytest

from codegrant_kit.server import browser_cookie
from codegrant_kit.server.authorize import BROWSER_COOKIE, MAX_STATE

from .helpers import (
    REDIRECT_URI,
    InProcess,
    assert_error_page,
    authorize,
    get_code,
    redirect_params,
    sign_in,
    submit,
    the_form,
)

PLANTED = "chosen-by-mallory"
HOST = "testserver.local"  # where httpx's cookie jar files the in-process server's cookies


def login_page_query(kit: InProcess, **params: str) -> bytes:
    query = {
        "response_type": "code",
        "client_id": kit.client.client_id,
        "redirect_uri": REDIRECT_URI,
        "state": "xyz",
        **params,
    }
    return urlencode(query).encode()


def open_page(kit: InProcess, address: str, cookie: str = "", **params: str) -> httpx.Response:
    """GET /authorize from `address`, with a Cookie header of our choosing."""
    headers = [(b"cookie", cookie.encode())] if cookie else []
    query = login_page_query(kit, **params)
    return kit.raw("GET", "/authorize", query=query, headers=headers, address=address)


def set_cookie(response: httpx.Response) -> str:
    [header] = response.headers.get_list("set-cookie")
    return header


# -- the cookie: minted by the server, adopted only if it is the server's own ------


def test_a_planted_cookie_is_replaced_by_one_the_server_mints(server, browser):
    browser.cookies.set(BROWSER_COOKIE, PLANTED, domain=HOST)
    page = authorize(browser, server.client)
    minted = browser.cookies[BROWSER_COOKIE]
    assert minted != PLANTED
    assert set_cookie(page).startswith(f"{BROWSER_COOKIE}={minted};")
    [pending] = server.store._pending.values()
    assert pending.browser == minted
    # the new cookie is the browser's from now on: the flow works
    assert "code" in redirect_params(submit(browser, sign_in(browser, page), consent="approve"))


def test_login_csrf_with_a_planted_cookie_fails(server):
    # Mallory picks a cookie value, plants it in Alice's browser (a sibling site can),
    # and opens a login page with the same value in her own browser. Were that value
    # adopted, her form would work from Alice's browser (RFC 6749 10.12).
    mallory, alice = server.browser(), server.browser()
    for browser in (mallory, alice):
        browser.cookies.set(BROWSER_COOKIE, PLANTED, domain=HOST)
    form = the_form(authorize(mallory, server.client).text)
    data = {**form.hidden, "username": "bob", "password": "builder"}
    response = alice.post(form.action, data=data)
    assert "not sent by the browser that opened it" in assert_error_page(response, 403)
    assert all(p.username is None for p in server.store._pending.values())


def test_a_cookie_of_the_right_shape_but_not_minted_here_is_replaced(server):
    other = InProcess.create()  # another server: another key
    try:
        theirs = other.browser()
        authorize(theirs, other.client)
        value = theirs.cookies[BROWSER_COOKIE]
        assert len(value) == browser_cookie.LENGTH
        page = open_page(server, "10.0.0.1", f"{BROWSER_COOKIE}={value}")
        assert page.status_code == 200
        assert value not in set_cookie(page)
        [pending] = server.store._pending.values()
        assert pending.browser != value
        assert set_cookie(page).startswith(f"{BROWSER_COOKIE}={pending.browser};")
    finally:
        other.close()


def test_the_servers_own_cookie_is_kept(server, browser):
    first = authorize(browser, server.client)
    value = browser.cookies[BROWSER_COOKIE]
    second = authorize(browser, server.client)
    assert "set-cookie" in first.headers and "set-cookie" not in second.headers
    assert [p.browser for p in server.store._pending.values()] == [value, value]


@pytest.mark.parametrize("size", [46, 64 * 1024])
def test_an_oversized_cookie_is_not_kept(server, size):
    cookie = f"{BROWSER_COOKIE}={'a' * size}"
    page = open_page(server, "10.0.0.1", cookie)
    assert page.status_code == 200
    [pending] = server.store._pending.values()
    assert len(pending.browser) == browser_cookie.LENGTH
    assert set_cookie(page).startswith(f"{BROWSER_COOKIE}={pending.browser};")


def tls_browser(kit: InProcess, **options: object) -> httpx.Client:
    """A browser that reaches the in-process server as https (so it sends Secure cookies)."""
    browser = httpx.Client(transport=kit._transport, base_url="https://testserver", **options)  # type: ignore[arg-type]
    kit._browsers.append(browser)
    return browser


def test_under_tls_the_cookie_is_host_prefixed():
    kit = InProcess.create(issuer="https://testserver")
    try:
        browser = tls_browser(kit)
        page = authorize(browser, kit.client)
        header = set_cookie(page)
        # RFC 6265bis 4.1.3.2: Secure, Path=/, no Domain
        assert header.startswith("__Host-cgk_browser=")
        attributes = [a.strip().lower() for a in header.split(";")[1:]]
        assert "secure" in attributes and "path=/" in attributes and "httponly" in attributes
        assert not any(a.startswith("domain") for a in attributes)
        assert "code" in redirect_params(submit(browser, sign_in(browser, page), consent="approve"))
        # a cookie under the plain name (which a sibling domain could set) is ignored
        planted = tls_browser(kit, cookies={BROWSER_COOKIE: PLANTED})
        assert set_cookie(authorize(planted, kit.client)).startswith("__Host-cgk_browser=")
    finally:
        kit.close()


def test_under_tls_behind_a_proxy_the_cookie_is_secure_prefixed_with_the_path():
    prefix = "/user/ada/proxy/8000"
    kit = InProcess.create(issuer=f"https://testserver{prefix}", trust_forwarded_prefix=True)
    try:
        browser = tls_browser(kit, headers={"X-Forwarded-Prefix": prefix})
        page = authorize(browser, kit.client)
        header = set_cookie(page)
        assert header.startswith("__Secure-cgk_browser=")
        attributes = [a.strip().lower() for a in header.split(";")[1:]]
        assert "secure" in attributes and f"path={prefix}" in attributes
        assert the_form(page.text).action == f"{prefix}/authorize"
        assert "code" in redirect_params(submit(browser, sign_in(browser, page), consent="approve"))
    finally:
        kit.close()


# -- state and the other parameters: capped -------------------------------------


def test_a_state_at_the_cap_is_kept_and_sent_back(server, browser):
    state = "s" * MAX_STATE
    page = sign_in(browser, authorize(browser, server.client, state=state))
    assert redirect_params(submit(browser, page, consent="approve"))["state"] == state


@pytest.mark.parametrize("length", [MAX_STATE + 1, 8192, 8193, 64 * 1024])
def test_an_over_long_state_is_an_error_page_not_a_redirect(server, length):
    # RFC 6749 4.1.2.1: an error redirect must carry the exact state; it is not kept
    text = html.unescape(assert_error_page(open_page(server, "10.0.0.1", state="s" * length)))
    assert str(length) in text
    assert not server.store._pending


def test_an_over_long_parameter_is_an_error_page(server, browser):
    response = authorize(browser, server.client, scope="photos:read " + "x" * 9000)
    assert "Parameter 'scope' is 9012 characters" in html.unescape(assert_error_page(response))


# -- how many login pages may be open: per address and in all ----------------------


def test_pending_logins_per_address_are_capped():
    kit = InProcess.create(max_pending_per_address=3)
    try:
        assert [open_page(kit, "10.0.0.1").status_code for _ in range(3)] == [200] * 3
        kit.clock.advance(100)
        refused = open_page(kit, "10.0.0.1")
        text = html.unescape(assert_error_page(refused, 429))
        assert "max_pending_per_address" in text and "10.0.0.1" in text
        assert refused.headers["retry-after"] == "500"  # when the oldest page expires
        assert len(kit.store._pending) == 3
        # another address is not held up, and a finished flow frees its page
        assert open_page(kit, "10.0.0.2").status_code == 200
        browser = kit.browser()  # from 127.0.0.1
        for _ in range(2):
            get_code(browser, kit.client)
        assert kit.store._pending_per_address == {"10.0.0.1": 3, "10.0.0.2": 1}
        # expired pages free their room too
        kit.clock.advance(500)
        assert open_page(kit, "10.0.0.1").status_code == 200
        assert kit.store._pending_per_address == {"10.0.0.1": 1, "10.0.0.2": 1}
    finally:
        kit.close()


def test_pending_logins_in_all_are_capped():
    kit = InProcess.create(max_pending=4)
    try:
        for n in range(4):
            assert open_page(kit, f"10.0.0.{n}").status_code == 200
        kit.clock.advance(30)
        refused = open_page(kit, "10.0.0.9")
        text = html.unescape(assert_error_page(refused, 429))
        assert "max_pending" in text and "instructor" in text
        assert refused.headers["retry-after"] == "570"
        assert "10.0.0.9" not in kit.store._pending_per_address
    finally:
        kit.close()


def test_memory_stays_flat_under_a_flood_of_login_pages():
    # The load: every GET /authorize with a big cookie and a long state. With
    # the rate limits off, only the caps hold it.
    kit = InProcess.create(rate_limits={"authorize": None})
    cap = kit.config.max_pending_per_address
    try:
        cookie = f"{BROWSER_COOKIE}={'c' * 16 * 1024}"
        state = "s" * MAX_STATE
        statuses = [
            open_page(kit, "10.0.0.1", cookie, state=state).status_code for _ in range(2000)
        ]
        assert statuses == [200] * cap + [429] * (2000 - cap)
        for n in range(kit.config.max_pending // cap):
            for _ in range(cap):
                open_page(kit, f"10.1.0.{n}", cookie, state=state)
        assert len(kit.store._pending) == kit.config.max_pending
        assert open_page(kit, "10.2.0.1", cookie, state=state).status_code == 429
        assert kit.store._pending_per_address["10.0.0.1"] == cap
        for pending in kit.store._pending.values():
            assert len(pending.browser) == browser_cookie.LENGTH
            assert pending.state is not None and len(pending.state) <= MAX_STATE
        assert len(kit.store.services.progress._browsers) <= kit.config.max_pending
    finally:
        kit.close()
