"""Lab switches: each turns off exactly one defence, and says so loudly."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from urllib.parse import urlencode, urlsplit

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from joserfc.jwk import ECKey

from codegrant_kit.server import ServerConfig
from codegrant_kit.server.switches import SWITCHES

from .assertion_helpers import assertion, assertion_form, jwt_client
from .dpop_helpers import Key
from .helpers import (
    REDIRECT_URI,
    URIS,
    USERS,
    InProcess,
    authorize,
    get_code,
    photos,
    redeem,
    redirect_params,
    sign_in,
    submit,
    the_form,
    tokens,
)

# -- one check per defence: True while the defence holds --------------------------


def code_replay(kit: InProcess) -> bool:
    browser = kit.browser()
    code = get_code(browser, kit.client)
    assert redeem(browser, kit.client, code).status_code == 200
    return redeem(browser, kit.client, code).status_code == 400


def open_redirect(kit: InProcess) -> bool:
    response = authorize(kit.browser(), kit.client, redirect_uri="https://evil.example/cb")
    return response.status_code == 400 and "location" not in response.headers


def regexp_redirect_uris(kit: InProcess) -> bool:
    pattern = r"regexp=https://client\.example\.com/.*"
    response = kit.browser().post("/register", json={"redirect_uris": [pattern]})
    return response.status_code == 400


def login_csrf(kit: InProcess) -> bool:
    page = authorize(kit.browser(), kit.client)
    data = {**the_form(page.text).hidden, "username": "alice", "password": USERS["alice"]}
    return kit.browser().post("/authorize", data=data).status_code == 403


def pkce_downgrade(kit: InProcess) -> bool:
    browser = kit.browser()
    code = get_code(browser, kit.client)
    verifier = "v" * 43
    return redeem(browser, kit.client, code, code_verifier=verifier).status_code == 400


def no_iss(kit: InProcess) -> bool:
    browser = kit.browser()
    page = sign_in(browser, authorize(browser, kit.client))
    got = redirect_params(submit(browser, page, consent="approve"))
    metadata = browser.get("/.well-known/oauth-authorization-server").json()
    return "iss" in got and metadata["authorization_response_iss_parameter_supported"] is True


def referrer_leak(kit: InProcess) -> bool:
    browser = kit.browser()
    page = authorize(browser, kit.client)
    found = submit(browser, sign_in(browser, page), consent="approve")
    return all(r.headers.get("referrer-policy") == "no-referrer" for r in (page, found))


def token_in_query(kit: InProcess) -> bool:
    browser = kit.browser()
    access_token = tokens(browser, kit.client)["access_token"]
    return browser.get("/api/photos", params={"access_token": access_token}).status_code == 400


def no_throttle(kit: InProcess) -> bool:
    browser = kit.browser()
    for _ in range(2):  # five wrong passwords close a page; ten lock the account
        page = authorize(browser, kit.client)
        for _ in range(5):
            page = sign_in(browser, page, "alice", "guess")
    page = sign_in(browser, authorize(browser, kit.client), "alice")
    return page.status_code == 429


def consent_any_scope(kit: InProcess) -> bool:
    browser = kit.browser()
    page = sign_in(browser, authorize(browser, kit.client, scope="photos:read"))
    submit(browser, page, consent="approveAlways")
    page = sign_in(browser, authorize(browser, kit.client, scope="photos:read PRODUCTION"))
    return page.status_code == 200 and "Give consent" in page.text


def framing(kit: InProcess) -> bool:
    page = authorize(kit.browser(), kit.client)
    return (
        page.headers.get("x-frame-options") == "DENY"
        and "frame-ancestors 'none'" in page.headers["content-security-policy"]
    )


def no_dpop(kit: InProcess) -> bool:
    # RFC 9449 7.2: the token is bound to the key, so a replay as Bearer is refused
    browser = kit.browser()
    code = get_code(browser, kit.client)
    browser.headers["DPoP"] = Key().proof(iat=kit.clock())
    body = redeem(browser, kit.client, code).json()
    del browser.headers["DPoP"]
    replay = photos(kit.browser(), body["access_token"])
    return body["token_type"] == "DPoP" and replay.status_code == 401


def legacy_assertion_audience(kit: InProcess) -> bool:
    key = ECKey.generate_key("P-256")
    client = jwt_client(kit, key)
    aud = kit.config.issuer + "/token"  # RFC 7523 3's token endpoint URL
    signed = assertion(kit, client, key, aud=aud)
    response = kit.browser().post("/introspect", data={"token": "x", **assertion_form(signed)})
    return response.status_code == 401


def audience_unchecked(kit: InProcess) -> bool:
    browser = kit.browser()
    calendar = kit.config.issuer + "/api/calendar"
    access_token = tokens(browser, kit.client, resource=calendar)["access_token"]
    headers = {"Authorization": f"Bearer {access_token}"}
    assert browser.get("/api/calendar", headers=headers).status_code == 200
    return browser.get("/api/photos", headers=headers).status_code == 401


def public_client_no_pkce(kit: InProcess) -> bool:
    public = kit.add_client(token_endpoint_auth_method="none")
    response = authorize(kit.browser(), public)
    return response.status_code == 302 and "error=invalid_request" in response.headers["location"]


def cors_any_origin(kit: InProcess) -> bool:
    public = kit.add_client(token_endpoint_auth_method="none")
    body = {"grant_type": "authorization_code", "code": "x", "client_id": public.client_id}
    answer = kit.browser().post("/token", data=body, headers={"Origin": "https://evil.example"})
    return "access-control-allow-origin" not in answer.headers


DEFENCES: dict[str, Callable[[InProcess], bool]] = {
    check.__name__: check
    for check in (
        code_replay, open_redirect, regexp_redirect_uris, login_csrf, pkce_downgrade, no_iss,
        referrer_leak, token_in_query, no_throttle, consent_any_scope, framing, no_dpop,
        legacy_assertion_audience,
        audience_unchecked, public_client_no_pkce, cors_any_origin,
    )
}  # fmt: skip


def test_every_switch_has_a_check():
    assert set(DEFENCES) == set(SWITCHES)


@pytest.mark.parametrize("switch", [None, *sorted(SWITCHES)])
def test_each_switch_turns_off_exactly_its_defence(switch):
    switches = frozenset() if switch is None else frozenset({switch})
    held = {}
    for name, check in DEFENCES.items():
        kit = InProcess.create(lab_switches=switches)
        try:
            held[name] = check(kit)
        finally:
            kit.close()
    assert held == {name: name != switch for name in DEFENCES}


# -- loud when on -------------------------------------------------------------------


def test_unknown_switch_is_refused():
    with pytest.raises(ValueError, match="Unknown lab switch 'csrf'"):
        ServerConfig(lab_switches=frozenset({"csrf"}))


def test_a_lab_server_says_so_everywhere(caplog):
    with caplog.at_level(logging.WARNING, logger="codegrant_kit.server"):
        kit = InProcess.create(lab_switches=frozenset({"no_iss", "framing"}))
    try:
        assert "LAB SWITCH framing is ON" in caplog.text
        assert "LAB SWITCH no_iss is ON" in caplog.text
        browser = kit.browser()
        metadata = browser.get("/.well-known/oauth-authorization-server").json()
        assert metadata["codegrant_kit_lab_switches"] == ["framing", "no_iss"]
        for page in (authorize(browser, kit.client), browser.get("/authorize")):
            assert "LAB SERVER" in page.text
            assert "<code>no_iss</code>" in page.text
    finally:
        kit.close()


def test_a_real_server_says_nothing(server, browser):
    metadata = browser.get("/.well-known/oauth-authorization-server").json()
    assert "codegrant_kit_lab_switches" not in metadata
    assert "LAB SERVER" not in authorize(browser, server.client).text


# -- the attacks, shown ------------------------------------------------------------


def test_regexp_callback_lets_a_code_go_elsewhere():
    kit = InProcess.create(lab_switches=frozenset({"regexp_redirect_uris"}))
    try:
        browser = kit.browser()
        pattern = r"regexp=https://client\.example\.com/.*"
        body = browser.post("/register", json={"redirect_uris": [pattern]}).json()
        client = kit.store.get_client(body["client_id"])
        loose = "https://client.example.com/cb/../../attacker"
        page = sign_in(browser, authorize(browser, client, redirect_uri=loose))
        assert "code" in redirect_params(submit(browser, page, consent="approve"), loose)
        bad = browser.post("/register", json={"redirect_uris": ["regexp=("]})
        assert bad.status_code == 400
    finally:
        kit.close()


def test_open_redirect_sends_the_browser_anywhere():
    kit = InProcess.create(lab_switches=frozenset({"open_redirect"}))
    try:
        response = authorize(kit.browser(), kit.client, redirect_uri="https://evil.example/cb")
        assert response.status_code == 302
        assert response.headers["location"].startswith("https://evil.example/cb?error=")
        # a client_id that is unknown still gets a page
        response = authorize(kit.browser(), kit.client, client_id="nobody")
        assert response.status_code == 400 and "location" not in response.headers
    finally:
        kit.close()


@pytest.mark.parametrize("switch", ["open_redirect", "regexp_redirect_uris"])
@pytest.mark.parametrize("redirect_uri", ["http://[::1/cb", "https://a\uff03b/cb"])
def test_lab_redirects_to_unparsable_uris_are_no_500(switch, redirect_uri):
    # "No input makes it answer 5xx", lab or not
    kit = InProcess.create(lab_switches=frozenset({switch}))
    try:
        client = kit.add_client(redirect_uris=[REDIRECT_URI, "regexp=.*"])
        query = {"response_type": "x", "client_id": client.client_id, "redirect_uri": redirect_uri}
        # raw, since httpx itself refuses such a Location once the server sends one
        response = kit.raw("GET", "/authorize", query=urlencode(query).encode())
        assert response.status_code < 500
    finally:
        kit.close()


# -- a lab server is still no 5xx server --------------------------------------------


@pytest.fixture(scope="module")
def every_switch() -> Iterator[InProcess]:
    kit = InProcess.create(lab_switches=frozenset(SWITCHES))
    kit.add_client(client_id="loose", redirect_uris=[REDIRECT_URI, r"regexp=https://.*"])
    yield kit
    kit.close()


def parsable(uri: str) -> bool:
    """False for the URIs of test_lab_redirects_to_unparsable_uris_are_no_500."""
    try:
        urlsplit(uri)
    except ValueError:
        return False
    return True


@settings(max_examples=100, deadline=None)
@given(
    client_id=st.sampled_from(["loose", "nobody"]),
    redirect_uri=URIS,
    extra=st.dictionaries(st.sampled_from(["response_type", "scope", "state"]), st.text()),
)
def test_every_switch_on_random_authorization_requests(
    every_switch, client_id, redirect_uri, extra
):
    assume(parsable(redirect_uri))
    query = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, **extra}
    response = every_switch.raw("GET", "/authorize", query=urlencode(query).encode())
    assert response.status_code in (200, 302, 400), response.status_code


@settings(max_examples=100, deadline=None)
@given(token=st.text(), query=st.binary(max_size=100))
def test_every_switch_on_random_photo_requests(every_switch, token, query):
    response = every_switch.raw(
        "GET",
        "/api/photos",
        query=query + b"&" + urlencode({"access_token": token}).encode(),
    )
    assert response.status_code in (400, 401), response.status_code
