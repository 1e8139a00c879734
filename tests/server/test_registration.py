from __future__ import annotations

import re

import pytest

from codegrant_kit.server.config import DEFAULT_SCOPES

from .helpers import REDIRECT_URI, InProcess, assert_json_error, authorize, get_code, redeem

KEY = re.compile(r"[A-Za-z0-9_-]{28}")  # WSO2's consumer keys: 28 URL-safe characters


def register(browser, **metadata):
    body = {"client_name": "Import Photos", "redirect_uris": [REDIRECT_URI], **metadata}
    return browser.post("/register", json={k: v for k, v in body.items() if v is not None})


def test_register_answers_201_with_keys_and_metadata(server, browser):
    response = register(
        browser,
        grant_types=["authorization_code", "refresh_token"],
        token_endpoint_auth_method="client_secret_post",
        scope="photos:read profile",
    )
    assert response.status_code == 201
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {
        "client_id",
        "client_secret",
        "client_id_issued_at",
        "client_secret_expires_at",
        "client_name",
        "redirect_uris",
        "grant_types",
        "response_types",
        "token_endpoint_auth_method",
        "scope",
    }
    assert KEY.fullmatch(body["client_id"]) and KEY.fullmatch(body["client_secret"])
    assert body["client_id"] != body["client_secret"]
    assert body["client_id_issued_at"] == int(server.clock.now)
    assert body["client_secret_expires_at"] == 0
    assert body["client_name"] == "Import Photos"
    assert body["redirect_uris"] == [REDIRECT_URI]
    assert body["grant_types"] == ["authorization_code", "refresh_token"]
    assert body["response_types"] == ["code"]
    assert body["token_endpoint_auth_method"] == "client_secret_post"
    assert body["scope"] == "photos:read profile"
    stored = server.store.get_client(body["client_id"])
    assert stored is not None and stored.client_secret == body["client_secret"]


def test_defaults_of_the_developer_portal(browser):
    body = register(browser).json()
    assert body["grant_types"] == ["authorization_code", "refresh_token"]
    assert body["token_endpoint_auth_method"] == "client_secret_basic"
    assert body["scope"] == " ".join(DEFAULT_SCOPES)


def test_each_registration_gets_its_own_keys(browser):
    first, second = register(browser).json(), register(browser).json()
    assert first["client_id"] != second["client_id"]
    assert first["client_secret"] != second["client_secret"]


def test_registered_client_can_run_the_flow(server, browser):
    client = server.store.get_client(register(browser).json()["client_id"])
    code = get_code(browser, client)
    assert redeem(browser, client, code).status_code == 200


@pytest.mark.parametrize("redirect_uris", [None, []], ids=["absent", "empty"])
def test_code_grant_needs_a_callback_url(browser, redirect_uris):
    body = {"client_name": "No callback"}
    if redirect_uris is not None:
        body["redirect_uris"] = redirect_uris
    assert_json_error(browser.post("/register", json=body), "invalid_redirect_uri", 400)


@pytest.mark.parametrize(
    "uri",
    [
        "https://client.example.com/cb#frag",
        "https://client.example.com/cb#",
        "/cb",
        "cb",
        "//client.example.com/cb",
        "https:///cb",
        "javascript:alert(1)",
        "data:text/html,hi",
        "https://client.example.com/c b",
        "https://client.example.com/cb\n",
        "",
        "https://client.example.com/" + "a" * 2048,
    ],
)
def test_bad_redirect_uri(browser, uri):
    assert_json_error(register(browser, redirect_uris=[uri]), "invalid_redirect_uri", 400)


def test_one_bad_uri_among_good_ones(browser):
    response = register(browser, redirect_uris=[REDIRECT_URI, "/relative"])
    assert_json_error(response, "invalid_redirect_uri", 400)


@pytest.mark.parametrize("uri", ["http://[::1/cb", "https://a\uff03b/cb"], ids=["ipv6", "nfkc"])
def test_unparsable_redirect_uri_is_a_400(browser, uri):
    assert_json_error(register(browser, redirect_uris=[uri]), "invalid_redirect_uri", 400)


@pytest.mark.parametrize(
    ("metadata", "error"),
    [
        ({"redirect_uris": REDIRECT_URI}, "invalid_client_metadata"),
        ({"redirect_uris": [1]}, "invalid_client_metadata"),
        ({"grant_types": ["password"]}, "invalid_client_metadata"),
        ({"grant_types": ["refresh_token"]}, "invalid_client_metadata"),
        ({"grant_types": "authorization_code"}, "invalid_client_metadata"),
        ({"response_types": ["token"]}, "invalid_client_metadata"),
        ({"token_endpoint_auth_method": "tls_client_auth"}, "invalid_client_metadata"),
        ({"token_endpoint_auth_method": "private_key_jwt"}, "invalid_client_metadata"),
        ({"scope": "PRODUCTION admin"}, "invalid_client_metadata"),
        ({"scope": 5}, "invalid_client_metadata"),
        ({"client_name": ["x"]}, "invalid_client_metadata"),
        ({"client_name": "x" * 201}, "invalid_client_metadata"),
    ],
)
def test_bad_metadata(browser, metadata, error):
    assert_json_error(register(browser, **metadata), error, 400)


def test_body_must_be_a_json_object(browser):
    form = browser.post("/register", data={"redirect_uris": REDIRECT_URI})
    assert_json_error(form, "invalid_client_metadata", 400)
    headers = {"Content-Type": "application/json"}
    for body in (b"{", b"[]", b'"x"', b"\xff\xfe", b"[" * 60_000):
        response = browser.post("/register", content=body, headers=headers)
        assert_json_error(response, "invalid_client_metadata", 400)
    too_large = b'{"client_name": "' + b"x" * 70_000 + b'"}'
    response = browser.post("/register", content=too_large, headers=headers)
    assert_json_error(response, "invalid_request", 400)


def test_only_post(browser):
    response = browser.get("/register")
    assert_json_error(response, "invalid_request", 405)
    assert response.headers["allow"] == "POST"


def test_client_limit_is_a_400():
    kit = InProcess.create(max_clients=2)  # alice's test client is the first
    try:
        browser = kit.browser()
        assert register(browser).status_code == 201
        assert_json_error(register(browser), "invalid_client_metadata", 400)
    finally:
        kit.close()


def test_client_name_is_escaped_on_the_login_page(server, browser):
    name = '<script>alert("x")</script>'
    client = server.store.get_client(register(browser, client_name=name).json()["client_id"])
    page = authorize(browser, client)
    assert page.status_code == 200
    assert name not in page.text
    assert "&lt;script&gt;" in page.text


def test_config_scopes_bound_registration():
    kit = InProcess.create(scopes=("photos:read",))
    try:
        assert_json_error(register(kit.browser(), scope="PRODUCTION"), "invalid_client_metadata")
        assert register(kit.browser()).json()["scope"] == "photos:read"
    finally:
        kit.close()


@pytest.mark.parametrize(
    "body",
    [
        b'{"client_name": "\\ud800", "redirect_uris": ["https://client.example.com/cb"]}',
        b'{"redirect_uris": ["https://client.example.com/\\udfff"]}',
        b'{"redirect_uris": ["https://client.example.com/cb"], "\\ud83d": 1}',
        b'{"redirect_uris": ["https://client.example.com/cb"], "scope": "a\\ud800b"}',
    ],
)
def test_lone_surrogates_are_refused_and_nothing_is_stored(server, browser, body):
    # RFC 8259 8.2: a lone surrogate is no character; it cannot be stored or sent back
    before = server.store.dashboard()["clients"]
    response = browser.post("/register", content=body, headers={"Content-Type": "application/json"})
    error = assert_json_error(response, "invalid_client_metadata", 400)
    assert "surrogate" in error["error_description"]
    assert server.store.dashboard()["clients"] == before


def test_a_surrogate_pair_is_one_character(server, browser):
    body = b'{"client_name": "\\ud83d\\udcf7 Photos", "redirect_uris": ["https://client.example.com/cb"]}'
    response = browser.post("/register", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 201
    assert response.json()["client_name"] == "\U0001f4f7 Photos"


@pytest.mark.parametrize(
    "uri",
    [
        "https://client.example.com/cb",
        "http://127.0.0.1:8765/cb",
        "http://[::1]/cb",
        "http://localhost:8888/cb",
        "com.example.app:/oauth2redirect",  # RFC 8252 7.1: reverse domain name
        "com.example.app://cb?x=1",
    ],
)
def test_web_and_native_redirect_uris_are_accepted(browser, uri):
    response = register(browser, redirect_uris=[uri])
    assert response.status_code == 201, response.text
    assert response.json()["redirect_uris"] == [uri]


@pytest.mark.parametrize(
    ("uri", "says"),
    [
        ("https://good.example@evil.example/cb", "user name"),
        ("https://good.example:pw@evil.example/cb", "user name"),
        ("http://@client.example.com/cb", "user name"),
        ("about:blank", "'about'"),
        ("blob:https://client.example.com/0b4e", "'blob'"),
        ("chrome://settings", "'chrome'"),
        ("ws://client.example.com/cb", "'ws'"),
        ("wss://client.example.com/cb", "'wss'"),
        ("urn:ietf:wg:oauth:2.0:oob", "out-of-band"),
        ("urn:ietf:wg:oauth:2.0:oob:auto", "out-of-band"),
        ("urn:example:cb", "'urn'"),
        ("file:///etc/passwd", "'file'"),
        ("JavaScript:alert(1)", "'javascript'"),
        ("myapp:/cb", "'myapp'"),
    ],
)
def test_odd_redirect_uris_are_refused_and_stored_nowhere(server, browser, uri, says):
    before = server.store.dashboard()["clients"]
    response = register(browser, redirect_uris=[uri])
    description = assert_json_error(response, "invalid_redirect_uri", 400)["error_description"]
    assert says in description
    if "user name" not in description:
        # the error says what is allowed instead
        assert "https" in description and "RFC 8252 7.1" in description
    assert server.store.dashboard()["clients"] == before
