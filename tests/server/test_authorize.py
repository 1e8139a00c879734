from __future__ import annotations

import pytest

from codegrant_kit.server.authorize import BROWSER_COOKIE, RETRY_MESSAGE

from .helpers import (
    CHALLENGE,
    ISSUER,
    OTHER_REDIRECT_URI,
    REDIRECT_URI,
    InProcess,
    assert_error_page,
    assert_json_error,
    authorize,
    get_code,
    redeem,
    redirect_params,
    sign_in,
    submit,
    the_form,
)

# -- (A) the request: errors that must not redirect -------------------------------


def test_login_page(server, browser):
    page = authorize(browser, server.client)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Import Photos" in page.text
    form = the_form(page.text)
    assert form.method == "post"
    assert form.action == "/authorize"
    assert form.inputs["username"]["type"] == "text"
    assert form.inputs["password"]["type"] == "password"
    assert set(form.hidden) == {"sessionDataKey", "csrf_token"}
    assert all(form.hidden.values())


def test_login_page_headers(server, browser):
    page = authorize(browser, server.client)
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    cookie = page.headers["set-cookie"].lower()
    assert cookie.startswith(BROWSER_COOKIE + "=")
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_the_browser_cookie_is_set_once(server, browser):
    first = authorize(browser, server.client)
    assert "set-cookie" in first.headers
    second = authorize(browser, server.client)
    assert "set-cookie" not in second.headers  # the browser keeps the one it has
    code_page = submit(browser, sign_in(browser, second), consent="approve")
    assert "code" in redirect_params(code_page)


def test_frame_ancestors_option():
    kit = InProcess.create(frame_ancestors=("http://localhost:8888",))
    try:
        page = authorize(kit.browser(), kit.client)
        csp = page.headers["content-security-policy"]
        assert "frame-ancestors http://localhost:8888" in csp
        assert "x-frame-options" not in page.headers
    finally:
        kit.close()


def test_unknown_client_id_is_a_page_not_a_redirect(server, browser):
    response = browser.get(
        "/authorize",
        params={"response_type": "code", "client_id": "nobody", "redirect_uri": REDIRECT_URI},
    )
    text = assert_error_page(response)
    assert "Unknown application" in text
    assert "nobody" in text


def test_missing_client_id_is_a_page(browser):
    text = assert_error_page(browser.get("/authorize", params={"redirect_uri": REDIRECT_URI}))
    assert "client_id" in text


@pytest.mark.parametrize(
    "redirect_uri",
    [
        REDIRECT_URI + "/",
        REDIRECT_URI.upper(),
        "https://CLIENT.example.com/cb",
        REDIRECT_URI + "?extra=1",
        REDIRECT_URI + "#",
        "http://client.example.com/cb",
        "https://client.example.com:443/cb",
        "https://client.example.com/c",
        "https://evil.example/cb",
        REDIRECT_URI + " ",
    ],
)
def test_unregistered_redirect_uri_is_a_page(server, browser, redirect_uri):
    # RFC 9700 2.1: exact string matching
    text = assert_error_page(authorize(browser, server.client, redirect_uri=redirect_uri))
    assert "Redirect URI mismatch" in text


@pytest.mark.parametrize("name", ["client_id", "redirect_uri"])
def test_repeated_client_id_or_redirect_uri_is_a_page(server, browser, name):
    value = server.client.client_id if name == "client_id" else REDIRECT_URI
    query = (
        f"response_type=code&client_id={server.client.client_id}&redirect_uri={REDIRECT_URI}"
        f"&state=s&{name}={value}"
    )
    assert_error_page(browser.get("/authorize?" + query))


def test_error_page_escapes_what_it_repeats(browser):
    response = browser.get("/authorize", params={"client_id": "<img src=x onerror=alert(1)>"})
    text = assert_error_page(response)
    assert "<img" not in text


def test_redirect_uri_may_be_left_out_with_one_registered(server, browser):
    client = server.add_client(redirect_uris=[REDIRECT_URI])
    page = authorize(browser, client, redirect_uri=None)
    assert page.status_code == 200


def test_redirect_uri_required_with_two_registered(server, browser):
    text = assert_error_page(authorize(browser, server.client, redirect_uri=None))
    assert "Missing redirect_uri" in text


def test_second_registered_redirect_uri_works(server, browser):
    page = authorize(browser, server.client, redirect_uri=OTHER_REDIRECT_URI)
    page = submit(browser, sign_in(browser, page), consent="approve")
    assert "code" in redirect_params(page, OTHER_REDIRECT_URI)


def test_non_utf8_query_is_a_page(server):
    response = server.raw("GET", "/authorize", query=b"client_id=\xff&response_type=code")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "location" not in response.headers


def test_other_methods_are_a_page(browser):
    response = browser.put("/authorize")
    assert_error_page(response, 405)


# -- (A) the request: errors that go back to the client ---------------------------


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"response_type": None}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": "code id_token"}, "unsupported_response_type"),
        ({"scope": "admin"}, "invalid_scope"),
        ({"scope": "photos:read admin"}, "invalid_scope"),
        ({"scope": 'photos:read "x"'}, "invalid_scope"),
        ({"scope": "   "}, "invalid_scope"),
        ({"code_challenge": CHALLENGE, "code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": CHALLENGE}, "invalid_request"),  # plain by default
        ({"code_challenge_method": "S256"}, "invalid_request"),
        ({"code_challenge": CHALLENGE[:-1], "code_challenge_method": "S256"}, "invalid_request"),
        ({"code_challenge": CHALLENGE + "A", "code_challenge_method": "S256"}, "invalid_request"),
        ({"code_challenge": "+" * 43, "code_challenge_method": "S256"}, "invalid_request"),
    ],
)
def test_request_errors_redirect_with_error_state_iss(server, browser, params, error):
    response = authorize(browser, server.client, **params)
    got = redirect_params(response)
    assert got["error"] == error
    assert got["error_description"]
    assert got["state"] == "xyz"
    assert got["iss"] == ISSUER
    assert "code" not in got
    assert response.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("name", ["state", "scope", "response_type", "code_challenge"])
def test_repeated_parameters_redirect_invalid_request(server, browser, name):
    query = (
        f"response_type=code&client_id={server.client.client_id}&redirect_uri={REDIRECT_URI}"
        f"&scope=photos:read&state=xyz&{name}=again"
    )
    got = redirect_params(browser.get("/authorize?" + query))
    assert got["error"] == "invalid_request"
    assert name in got["error_description"]
    assert got["iss"] == ISSUER


def test_error_redirect_without_state(server, browser):
    got = redirect_params(authorize(browser, server.client, state=None, response_type="token"))
    assert "state" not in got
    assert got["error"] == "unsupported_response_type"


def test_error_redirect_keeps_the_registered_query(server, browser):
    client = server.add_client(redirect_uris=["https://client.example.com/cb?app=1"])
    response = authorize(browser, client, response_type="token")
    location = response.headers["location"]
    assert location.startswith("https://client.example.com/cb?app=1&error=")


def test_scope_left_out_means_the_clients_scopes(server, browser):
    client = server.add_client(scope=["profile"])
    page = sign_in(browser, authorize(browser, client, scope=None))
    assert "<code>profile</code>" in page.text


# -- (B) login ------------------------------------------------------------------


def test_wrong_password_shows_the_login_page_again(server, browser):
    first = authorize(browser, server.client)
    again = sign_in(browser, first, "alice", "not her password")
    assert again.status_code == 200
    assert "location" not in again.headers
    assert RETRY_MESSAGE in again.text
    form = the_form(again.text)
    assert form.hidden == the_form(first.text).hidden
    assert form.inputs["username"]["value"] == "alice"
    assert server.store.snapshot()["codes"] == []


@pytest.mark.parametrize(
    ("username", "password"),
    [("mallory", "wonderland"), ("alice", ""), ("", "wonderland"), ("ALICE", "wonderland")],
)
def test_unknown_user_or_empty_field_is_a_retry(server, browser, username, password):
    page = authorize(browser, server.client)
    again = submit(browser, page, username=username, password=password)
    assert again.status_code == 200
    assert RETRY_MESSAGE in again.text


def test_five_wrong_passwords_close_the_page(server, browser):
    page = authorize(browser, server.client)
    for _ in range(4):
        page = sign_in(browser, page, "alice", "guess")
        assert RETRY_MESSAGE in page.text
    closed = sign_in(browser, page, "alice", "guess")
    assert_error_page(closed, 429)
    # even the right password no longer works on that page
    assert_error_page(sign_in(browser, page, "alice"), 400)
    assert server.store.snapshot()["codes"] == []


def test_four_wrong_then_right(server, browser):
    page = authorize(browser, server.client)
    for _ in range(4):
        page = sign_in(browser, page, "alice", "guess")
    assert "Give consent" in sign_in(browser, page, "alice").text


def test_argon2id_sign_in():
    kit = InProcess.create(password_hash="argon2id")
    try:
        assert kit.store.check_password("alice", "wonderland")
        browser = kit.browser()
        page = authorize(browser, kit.client)
        assert RETRY_MESSAGE in sign_in(browser, page, "alice", "nope").text
        assert "Give consent" in sign_in(browser, page, "alice").text
    finally:
        kit.close()


def test_login_page_expires(server, browser):
    page = authorize(browser, server.client)
    server.clock.advance(server.config.login_lifetime)
    text = assert_error_page(sign_in(browser, page))
    assert "expired" in text


def test_unknown_session_data_key(server, browser):
    page = authorize(browser, server.client)
    form = the_form(page.text)
    data = {**form.hidden, "sessionDataKey": "forged", "username": "alice", "password": "x"}
    assert_error_page(browser.post("/authorize", data=data))


def test_form_must_be_urlencoded(server, browser):
    page = authorize(browser, server.client)
    form = the_form(page.text)
    response = browser.post(
        "/authorize", json={**form.hidden, "username": "alice", "password": "wonderland"}
    )
    assert_error_page(response)


# -- (C) consent ----------------------------------------------------------------


def test_consent_page_names_app_user_and_scopes(server, browser):
    page = sign_in(browser, authorize(browser, server.client, scope="photos:read profile"))
    assert page.status_code == 200
    assert "Import Photos" in page.text
    assert "alice" in page.text
    assert "<code>photos:read</code>" in page.text and "<code>profile</code>" in page.text
    assert "PRODUCTION" not in page.text
    form = the_form(page.text)
    assert form.method == "post"
    assert set(form.hidden) == {"sessionDataKey", "csrf_token"}
    choices = {b["value"] for b in form.buttons if b.get("name") == "consent"}
    assert choices == {"approve", "approveAlways", "deny"}


def test_approve_redirects_with_code_state_iss(server, browser):
    page = sign_in(browser, authorize(browser, server.client, state="st@te with space"))
    response = submit(browser, page, consent="approve")
    got = redirect_params(response)
    assert set(got) == {"code", "state", "iss"}
    assert got["state"] == "st@te with space"
    assert got["iss"] == ISSUER
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    [code] = server.store.snapshot()["codes"]
    assert code["code"] == got["code"]
    assert code["username"] == "alice" and code["scope"] == ("photos:read",)
    assert code["expires_at"] == server.clock.now + 300


def test_deny_redirects_access_denied(server, browser):
    page = sign_in(browser, authorize(browser, server.client))
    got = redirect_params(submit(browser, page, consent="deny"))
    assert got["error"] == "access_denied"
    assert got["state"] == "xyz" and got["iss"] == ISSUER
    assert "code" not in got
    assert server.store.snapshot()["codes"] == []


def test_unknown_consent_value_shows_the_page_again(server, browser):
    page = sign_in(browser, authorize(browser, server.client))
    again = submit(browser, page, consent="yes please")
    assert again.status_code == 400
    assert "location" not in again.headers
    assert "Approve Once" in again.text
    data = {**the_form(again.text).hidden, "consent": "approve"}
    assert "code" in redirect_params(browser.post("/authorize", data=data))


def test_consent_before_login_is_refused(server, browser):
    page = authorize(browser, server.client)
    response = submit(browser, page, consent="approve")
    assert_error_page(response)
    assert server.store.snapshot()["codes"] == []


def test_consent_posted_twice_is_refused(server, browser):
    page = sign_in(browser, authorize(browser, server.client))
    first = submit(browser, page, consent="approve")
    assert "code" in redirect_params(first)
    second = submit(browser, page, consent="approve")
    assert_error_page(second)
    assert len(server.store.snapshot()["codes"]) == 1


def test_approve_always_skips_consent_next_time(server, browser):
    page = sign_in(browser, authorize(browser, server.client, scope="photos:read profile"))
    assert "code" in redirect_params(submit(browser, page, consent="approveAlways"))
    # same scope: straight from the login to the redirect
    response = sign_in(browser, authorize(browser, server.client, scope="photos:read profile"))
    assert set(redirect_params(response)) == {"code", "state", "iss"}
    # a narrower scope is covered too
    response = sign_in(browser, authorize(browser, server.client, scope="profile"))
    assert "code" in redirect_params(response)
    [consent] = server.store.snapshot()["consents"]
    assert consent["username"] == "alice" and consent["scope"] == ["photos:read", "profile"]


def test_wider_scope_asks_again(server, browser):
    page = sign_in(browser, authorize(browser, server.client, scope="photos:read"))
    submit(browser, page, consent="approveAlways")
    page = sign_in(browser, authorize(browser, server.client, scope="photos:read PRODUCTION"))
    assert page.status_code == 200 and "Give consent" in page.text
    assert "<code>PRODUCTION</code>" in page.text


def test_approve_always_is_per_user_and_client(server, browser):
    page = sign_in(browser, authorize(browser, server.client))
    submit(browser, page, consent="approveAlways")
    assert "Give consent" in sign_in(browser, authorize(browser, server.client), "bob").text
    other = server.add_client()
    assert "Give consent" in sign_in(browser, authorize(browser, other)).text


def test_approve_once_is_not_remembered(server, browser):
    page = sign_in(browser, authorize(browser, server.client))
    submit(browser, page, consent="approve")
    assert "Give consent" in sign_in(browser, authorize(browser, server.client)).text
    assert server.store.snapshot()["consents"] == []


def test_deny_is_not_remembered(server, browser):
    page = sign_in(browser, authorize(browser, server.client))
    submit(browser, page, consent="deny")
    assert "Give consent" in sign_in(browser, authorize(browser, server.client)).text


# -- CSRF: the forms work only from the browser that opened them -----------------


def test_login_without_the_browser_cookie_is_refused(server, browser):
    page = authorize(browser, server.client)
    attacker = server.browser()  # no cookie
    form = the_form(page.text)
    response = attacker.post(
        "/authorize", data={**form.hidden, "username": "alice", "password": "wonderland"}
    )
    assert_error_page(response, 403)
    # the rightful browser still can
    assert "Give consent" in sign_in(browser, page).text


def test_login_with_a_wrong_csrf_token_is_refused(server, browser):
    page = authorize(browser, server.client)
    form = the_form(page.text)
    data = {**form.hidden, "csrf_token": "forged", "username": "alice", "password": "wonderland"}
    assert_error_page(browser.post("/authorize", data=data), 403)
    data.pop("csrf_token")
    assert_error_page(browser.post("/authorize", data=data), 403)


def test_consent_without_the_browser_cookie_is_refused(server, browser):
    page = sign_in(browser, authorize(browser, server.client))
    attacker = server.browser()
    response = attacker.post(
        "/authorize", data={**the_form(page.text).hidden, "consent": "approve"}
    )
    assert_error_page(response, 403)
    assert server.store.snapshot()["codes"] == []
    assert "code" in redirect_params(submit(browser, page, consent="approve"))


def test_consent_with_another_browsers_cookie_is_refused(server, browser):
    page = sign_in(browser, authorize(browser, server.client))
    attacker = server.browser()
    authorize(attacker, server.client)  # the attacker's own cookie
    response = attacker.post(
        "/authorize", data={**the_form(page.text).hidden, "consent": "approve"}
    )
    assert_error_page(response, 403)
    assert server.store.snapshot()["codes"] == []


def test_consent_with_a_wrong_csrf_token_is_refused(server, browser):
    page = sign_in(browser, authorize(browser, server.client))
    data = {**the_form(page.text).hidden, "csrf_token": "forged", "consent": "approve"}
    assert_error_page(browser.post("/authorize", data=data), 403)
    assert server.store.snapshot()["codes"] == []


def test_csrf_token_of_another_request_is_refused(server, browser):
    first = authorize(browser, server.client)
    second = authorize(browser, server.client)
    data = {
        **the_form(first.text).hidden,
        "csrf_token": the_form(second.text).hidden["csrf_token"],
        "username": "alice",
        "password": "wonderland",
    }
    assert_error_page(browser.post("/authorize", data=data), 403)


def test_repeated_form_fields_are_refused(server, browser):
    page = authorize(browser, server.client)
    hidden = the_form(page.text).hidden
    body = "&".join(f"{k}={v}" for k, v in hidden.items())
    body += "&username=alice&password=wonderland&username=bob"
    response = browser.post(
        "/authorize", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert_error_page(response)


# -- loopback redirect URIs (RFC 8252 7.3) ----------------------------------------


@pytest.mark.parametrize(
    ("registered", "requested"),
    [
        ("http://127.0.0.1/cb", "http://127.0.0.1:51004/cb"),
        ("http://127.0.0.1:8000/cb", "http://127.0.0.1:51004/cb"),
        ("http://127.0.0.1:8000/cb?a=1", "http://127.0.0.1/cb?a=1"),
        ("http://[::1]/cb", "http://[::1]:65535/cb"),
        ("http://[::1]:8000", "http://[::1]:9"),
    ],
)
def test_a_loopback_redirect_uri_takes_any_port(server, browser, registered, requested):
    client = server.add_client(redirect_uris=[registered])
    code = get_code(browser, client, redirect_uri=requested)
    # the token request names the URI the code was sent to, exactly (RFC 6749 4.1.3)
    assert redeem(browser, client, code, redirect_uri=requested).status_code == 200


def test_the_token_request_names_the_very_port(server, browser):
    client = server.add_client(redirect_uris=["http://127.0.0.1/cb"])
    code = get_code(browser, client, redirect_uri="http://127.0.0.1:51004/cb")
    for other in ["http://127.0.0.1/cb", "http://127.0.0.1:51005/cb"]:
        response = redeem(browser, client, code, redirect_uri=other)
        assert_json_error(response, "invalid_grant", 400)


@pytest.mark.parametrize(
    ("registered", "requested"),
    [
        ("http://127.0.0.1/cb", "http://127.0.0.1:51004/cb/"),  # the path differs
        ("http://127.0.0.1/cb", "http://127.0.0.1:51004/cb?x=1"),
        ("http://127.0.0.1/cb", "https://127.0.0.1:51004/cb"),
        ("http://127.0.0.1/cb", "http://127.0.0.2:51004/cb"),
        ("http://127.0.0.1/cb", "http://127.0.0.1.evil.example:80/cb"),
        ("http://127.0.0.1/cb", "http://127.0.0.1:99999/cb"),
        ("http://127.0.0.1/cb", "http://127.0.0.1:/cb"),
        ("http://127.0.0.1/cb", "http://evil@127.0.0.1:8000/cb"),
        ("http://[::1]/cb", "http://[::1]:8000@evil.example/cb"),
        ("http://[::1]/cb", "http://127.0.0.1:8000/cb"),
        ("https://127.0.0.1/cb", "https://127.0.0.1:8443/cb"),  # http only, as in 7.3
        ("https://client.example.com/cb", "https://client.example.com:8443/cb"),
    ],
)
def test_otherwise_a_loopback_redirect_uri_is_exact(server, browser, registered, requested):
    client = server.add_client(redirect_uris=[registered])
    text = assert_error_page(authorize(browser, client, redirect_uri=requested))
    assert "Redirect URI mismatch" in text


def test_localhost_gets_no_port_exception(server, browser):
    client = server.add_client(redirect_uris=["http://localhost:8000/cb"])
    text = assert_error_page(authorize(browser, client, redirect_uri="http://localhost:8001/cb"))
    assert "Redirect URI mismatch" in text
    assert "RFC 8252 8.3" in text
    text = assert_error_page(authorize(browser, client, redirect_uri="http://localhost/cb"))
    assert "RFC 8252 8.3" in text
    assert get_code(browser, client, redirect_uri="http://localhost:8000/cb")
