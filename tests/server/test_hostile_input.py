"""Whatever a client or browser sends, the answer is a correct 4xx, never a 5xx.

JSON endpoints answer RFC 6749 5.2 errors ({error, error_description}); the
authorization endpoint answers an HTML page, or a redirect to a registered URI.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Iterator
from urllib.parse import quote, urlencode, urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codegrant_kit.server.rate_limit import DEFAULT_RATE_LIMITS

from .helpers import (
    CHALLENGE,
    FORM,
    OTHER_REDIRECT_URI,
    REDIRECT_URI,
    URIS,
    VERIFIER,
    InProcess,
    assert_client_refused,
    assert_json_error,
    authorize,
    basic,
    the_form,
)

# 1000 examples for each of the 11 properties: 11,000 in all, some 20 s (in-process)
SETTINGS = settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Lone surrogates ("Cs", such as \ud800) besides any other character: text() never
# draws them, and a JSON escape or a %ED%A0%80 in a URL brings them in
TEXT = st.characters(categories=["Cs"]) | st.characters()
BIG = "x" * 64 * 1024  # 64 KiB
JSON_ENDPOINTS = ["/token", "/introspect", "/revoke"]
NAMES = [
    "response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
    "code_challenge_method", "grant_type", "code", "code_verifier", "refresh_token", "token",
    "token_type_hint", "client_secret", "sessionDataKey", "csrf_token", "username", "password",
    "consent",
]  # fmt: skip


@pytest.fixture(scope="module")
def hostile() -> Iterator[InProcess]:
    # thousands of requests from one address on a clock that never moves: no limits,
    # or they would answer most of them (test_throttle and test_registration test them)
    kit = InProcess.create(
        rate_limits=dict.fromkeys(DEFAULT_RATE_LIMITS),
        max_clients=1_000_000,
        max_clients_per_address=1_000_000,
    )
    yield kit
    kit.close()


@pytest.fixture(scope="module")
def http(hostile: InProcess) -> httpx.Client:
    """One browser for the requests whose cookies do not matter."""
    return hostile.browser()


@pytest.fixture(scope="module")
def page(hostile: InProcess) -> dict[str, str]:
    """The hidden inputs of one real login page, for forms that look almost right."""
    browser = hostile.browser()
    return the_form(authorize(browser, hostile.client).text).hidden


def known_values(kit: InProcess) -> list[str]:
    return [
        "code", "token", "authorization_code", "refresh_token", "S256", "plain", "approve",
        "approveAlways", "deny", "alice", "wonderland", "photos:read", "PRODUCTION",
        kit.client.client_id, kit.client.client_secret, REDIRECT_URI, OTHER_REDIRECT_URI,
        CHALLENGE, VERIFIER, "", " ", "%", "%ff", "\x00", "\u2028", "<script>", BIG,
    ]  # fmt: skip


def values(kit: InProcess) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(known_values(kit)), st.text(TEXT, max_size=40))


def pairs(kit: InProcess) -> st.SearchStrategy[list[tuple[str, str]]]:
    names = st.one_of(st.sampled_from(NAMES), st.text(TEXT, max_size=12))
    return st.lists(st.tuples(names, values(kit)), max_size=10)


def encode(pairs: list[tuple[str, str]]) -> str:
    """urlencode, with a lone surrogate sent as the bytes a hostile client would send."""
    return urlencode(pairs, errors="surrogatepass")


def stored_clients(kit: InProcess) -> int:
    return int(kit.store.dashboard()["clients"])


# -- what a correct answer looks like ----------------------------------------------


def assert_authorize_answer(response: httpx.Response) -> None:
    """A page (login, consent, error) or a redirect with an error to a registered URI."""
    assert response.status_code in (200, 302, 400, 403, 405, 429), response.status_code
    if response.status_code == 302:
        location = response.headers["location"]
        base = location.partition("?")[0]
        assert base in (REDIRECT_URI, OTHER_REDIRECT_URI), location
        query = urlsplit(location).query
        assert "error=" in query or "code=" in query
        assert "iss=" in query
    else:
        assert "location" not in response.headers
        assert response.headers["content-type"].startswith("text/html")
        assert "<h1>" in response.text


def assert_json_answer(response: httpx.Response, path: str) -> None:
    if response.status_code == 200:
        # introspection of an unknown token, revocation of one: both fine
        assert path in ("/introspect", "/revoke"), response.text
        assert response.json() in ({"active": False}, {})
        return
    body = assert_json_error(response)
    if response.status_code in (401, 429) or body["error"] == "invalid_client":
        assert_client_refused(response)


# -- the authorization endpoint ----------------------------------------------------


@SETTINGS
@given(data=st.data())
def test_random_authorization_requests(hostile, data):
    query = data.draw(pairs(hostile))
    if data.draw(st.booleans()):
        query.append(("client_id", hostile.client.client_id))
    response = hostile.raw("GET", "/authorize", query=encode(query).encode())
    assert_authorize_answer(response)


@SETTINGS
@given(query=st.binary(max_size=200))
def test_random_query_bytes(hostile, query):
    assert_authorize_answer(hostile.raw("GET", "/authorize", query=query))


@SETTINGS
@given(data=st.data())
def test_random_login_and_consent_forms(hostile, page, data):
    form = data.draw(pairs(hostile))
    if data.draw(st.booleans()):
        form = list(page.items()) + form
    browser = hostile.browser()
    if data.draw(st.booleans()):
        authorize(browser, hostile.client)  # a browser cookie, though not that page's
    response = browser.post("/authorize", content=encode(form), headers=FORM)
    assert_authorize_answer(response)


@SETTINGS
@given(body=st.binary(max_size=300), content_type=st.sampled_from([FORM["Content-Type"], None]))
def test_random_form_bytes_to_authorize(hostile, body, content_type):
    headers = [(b"content-type", content_type.encode())] if content_type else []
    response = hostile.raw("POST", "/authorize", headers=headers, body=body)
    assert response.status_code in (400, 403), response.status_code
    assert response.headers["content-type"].startswith("text/html")


# -- the JSON endpoints ------------------------------------------------------------


def auth_headers(kit: InProcess, choice: str, junk: bytes) -> list[tuple[bytes, bytes]]:
    if choice == "basic":
        value = basic(kit.client.client_id, kit.client.client_secret).encode()
    elif choice == "junk":
        value = junk
    elif choice == "basic junk":
        value = b"Basic " + base64.b64encode(junk)
    else:
        return []
    return [(b"authorization", value)]


@SETTINGS
@given(
    data=st.data(),
    path=st.sampled_from(JSON_ENDPOINTS),
    auth=st.sampled_from(["basic", "none", "junk", "basic junk", "post"]),
    junk=st.binary(max_size=60),
    address=st.ip_addresses(v=4).map(str),
)
def test_random_forms_to_json_endpoints(hostile, data, path, auth, junk, address):
    form = data.draw(pairs(hostile))
    if auth == "post":
        form += [("client_id", hostile.client.client_id)]
        form += [("client_secret", hostile.client.client_secret)]
    headers = [(b"content-type", FORM["Content-Type"].encode())]
    headers += auth_headers(hostile, auth, junk)
    body = encode(form).encode()
    response = hostile.raw("POST", path, headers=headers, body=body, address=address)
    assert_json_answer(response, path)


@SETTINGS
@given(
    path=st.sampled_from(JSON_ENDPOINTS),
    body=st.binary(max_size=300),
    content_type=st.sampled_from([b"application/x-www-form-urlencoded", b"application/json", b""]),
    auth=st.sampled_from(["basic", "none"]),
)
def test_random_bytes_to_json_endpoints(hostile, path, body, content_type, auth):
    headers = [(b"content-type", content_type)] if content_type else []
    headers += auth_headers(hostile, auth, b"")
    assert_json_answer(hostile.raw("POST", path, headers=headers, body=body), path)


@SETTINGS
@given(
    path=st.sampled_from(JSON_ENDPOINTS),
    credentials=st.one_of(
        st.binary(max_size=80).map(lambda b: b"Basic " + base64.b64encode(b)),
        st.binary(max_size=80).map(lambda b: b"Basic " + b),
        st.binary(max_size=80),
        st.tuples(st.text(max_size=20), st.text(max_size=20)).map(
            lambda p: b"Basic " + base64.b64encode(f"{p[0]}:{p[1]}".encode())
        ),
        st.text(alphabet="%0123456789abcdefABCDEFGxyz+:", max_size=30).map(
            lambda t: b"Basic " + base64.b64encode(t.encode())
        ),
    ),
    address=st.ip_addresses(v=4).map(str),
)
def test_broken_basic_headers(hostile, path, credentials, address):
    response = hostile.raw(
        "POST",
        path,
        headers=[(b"authorization", credentials), (b"content-type", FORM["Content-Type"].encode())],
        body=b"grant_type=authorization_code&code=x&token=x",
        address=address,
    )
    assert_client_refused(response)


# -- registration ------------------------------------------------------------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(TEXT, max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(TEXT, max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
METADATA = st.fixed_dictionaries(
    {},
    optional={
        "client_name": st.one_of(st.text(TEXT, max_size=30), JSON),
        "redirect_uris": st.one_of(st.lists(URIS | st.text(TEXT, max_size=30), max_size=3), JSON),
        "grant_types": st.one_of(
            st.lists(st.sampled_from(["authorization_code", "refresh_token", "password"])), JSON
        ),
        "response_types": st.one_of(st.just(["code"]), JSON),
        "token_endpoint_auth_method": st.one_of(
            st.sampled_from(["client_secret_basic", "client_secret_post", "none"]), JSON
        ),
        "scope": st.one_of(st.sampled_from(["PRODUCTION", "photos:read profile", ""]), JSON),
    },
)


def register(
    kit: InProcess, body: bytes, content_type: bytes = b"application/json"
) -> httpx.Response:
    """POST /register; a refused registration must leave no client behind."""
    before = stored_clients(kit)
    headers = [(b"content-type", content_type)] if content_type else []
    response = kit.raw("POST", "/register", headers=headers, body=body)
    assert stored_clients(kit) == before + (response.status_code == 201), response.text
    return response


@SETTINGS
@given(metadata=st.one_of(METADATA, JSON))
def test_random_registrations(hostile, metadata):
    # json.dumps writes a lone surrogate as its escape, "\ud800"
    response = register(hostile, json.dumps(metadata).encode())
    if response.status_code == 201:
        body = response.json()
        assert body["redirect_uris"] and body["client_id"]
    else:
        assert_json_error(response, status=400)


@SETTINGS
@given(uris=st.lists(URIS | st.text(TEXT, max_size=30), min_size=1, max_size=2))
def test_random_redirect_uris(hostile, uris):
    response = register(hostile, json.dumps({"redirect_uris": uris}).encode())
    if response.status_code == 201:
        assert response.json()["redirect_uris"] == list(dict.fromkeys(uris))
    elif any(0xD800 <= ord(ch) <= 0xDFFF for uri in uris for ch in uri):
        assert_json_error(response, "invalid_client_metadata", 400)
    else:
        assert_json_error(response, "invalid_redirect_uri", 400)


# pieces of a JSON string written by hand: escapes of lone and paired surrogates,
# raw UTF-8 of a surrogate (which no UTF-8 decoder accepts), quotes, and plain text
JSON_PIECES = st.sampled_from(
    [rb"\ud800", rb"\udfff", rb"\ud83d\udcf7", rb"\udcf7\ud83d", rb"\u0000", rb"\"", rb"\\",
     b"\xed\xa0\x80", b"\xff", "\u00e9".encode(), b"cb", b"/", b"%"]
)  # fmt: skip
JSON_STRING = st.lists(JSON_PIECES, max_size=6).map(b"".join)


@SETTINGS
@given(name=JSON_STRING, path=JSON_STRING, key=JSON_STRING)
def test_hand_written_json_escapes_to_register(hostile, name, path, key):
    body = (
        b'{"client_name": "' + name + b'", '
        b'"redirect_uris": ["https://client.example.com/' + path + b'"], '
        b'"' + key + b'": "x"}'
    )
    response = register(hostile, body)
    if response.status_code != 201:
        assert_json_error(response, status=400)


@SETTINGS
@given(
    body=st.binary(max_size=300),
    content_type=st.sampled_from([b"application/json", b"text/plain", b""]),
)
def test_random_bytes_to_register(hostile, body, content_type):
    response = register(hostile, body, content_type)
    if response.status_code != 201:
        assert_json_error(response, status=400)


# -- 64 KiB values, repeated parameters, oversize bodies, odd methods --------------


@pytest.mark.parametrize("name", ["client_id", "redirect_uri", "state", "scope", "code_challenge"])
def test_64_kib_value_at_authorize(hostile, name):
    query = {
        "response_type": "code",
        "client_id": hostile.client.client_id,
        "redirect_uri": REDIRECT_URI,
        "state": "xyz",
        name: BIG,
    }
    response = hostile.raw("GET", "/authorize", query=urlencode(query).encode())
    assert_authorize_answer(response)
    # no value may make the server keep 64 KiB: an error page, not a login page
    assert response.status_code == 400
    assert f"Parameter '{name}' is 65536 characters" in html.unescape(response.text)


@pytest.mark.parametrize("path", JSON_ENDPOINTS)
@pytest.mark.parametrize("name", ["grant_type", "code", "redirect_uri", "code_verifier", "token"])
def test_64_kib_value_at_json_endpoints(hostile, http, path, name):
    body = {"grant_type": "authorization_code", "code": "x", "token": "x", name: BIG}
    headers = {"Authorization": basic(hostile.client.client_id, hostile.client.client_secret)}
    response = http.post(path, data=body, headers=headers)
    assert_json_answer(response, path)


def test_64_kib_credentials(hostile):
    headers = {"Authorization": basic(BIG, BIG)}
    response = hostile.browser().post("/token", data={"grant_type": "x"}, headers=headers)
    assert_client_refused(response)


def test_64_kib_registration(hostile):
    response = hostile.browser().post(
        "/register", json={"client_name": BIG, "redirect_uris": [REDIRECT_URI]}
    )
    assert_json_error(response, "invalid_client_metadata", 400)
    response = hostile.browser().post("/register", json={"redirect_uris": ["https://a/" + BIG]})
    assert_json_error(response, "invalid_redirect_uri", 400)


@pytest.mark.parametrize("path", [*JSON_ENDPOINTS, "/register"])
def test_oversize_body(hostile, path):
    content_type = "application/json" if path == "/register" else FORM["Content-Type"]
    response = hostile.browser().post(
        path, content=b"a=" + b"x" * 200_000, headers={"Content-Type": content_type}
    )
    assert_json_error(response, status=400)


def test_oversize_form_to_authorize(hostile):
    response = hostile.browser().post("/authorize", content=b"a=" + b"x" * 200_000, headers=FORM)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("path", JSON_ENDPOINTS)
@pytest.mark.parametrize("name", ["grant_type", "code", "token", "client_id", "client_secret"])
def test_repeated_parameters_at_json_endpoints(hostile, path, name):
    # RFC 6749 3.2: parameters MUST NOT be included more than once
    client = hostile.client
    form = {
        "grant_type": "authorization_code",
        "code": "x",
        "token": "x",
        "client_id": client.client_id,
        "client_secret": client.client_secret,
    }
    body = urlencode(form) + f"&{name}={quote(form[name])}"
    response = hostile.browser().post(path, content=body, headers=FORM)
    assert_json_error(response, "invalid_request", 400)


def test_too_many_parameters(hostile):
    body = "&".join(f"p{n}=1" for n in range(1000))
    response = hostile.browser().post("/token", content=body, headers=FORM)
    assert_json_error(response, "invalid_request", 400)
    assert_authorize_answer(hostile.raw("GET", "/authorize", query=body.encode()))


@pytest.mark.parametrize("method", ["HEAD", "OPTIONS", "PUT", "PATCH", "DELETE", "TRACE"])
@pytest.mark.parametrize(
    "path",
    ["/authorize", "/token", "/register", "/introspect", "/revoke", "/api/photos", "/", "/nowhere"],
)
def test_odd_methods(hostile, method, path):
    response = hostile.raw(method, path)
    assert 400 <= response.status_code < 500 or response.status_code == 200, response.status_code
