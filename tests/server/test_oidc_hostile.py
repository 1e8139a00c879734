"""Hostile input at userinfo and in nonce, prompt and max_age: a clear 4xx, never a 5xx.

In-process (many thousands of requests); headers and bodies as raw bytes too, with
lone surrogates, invalid UTF-8 and sizes no client sends. The server keeps only
what it checked: a pending login holds a capped nonce, a valid prompt, an integer
max_age; a nonce it accepted comes back in the ID token exactly.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from joserfc import jwt
from joserfc.jwk import KeySet

from codegrant_kit.server.authentication_request import MAX_NONCE, PROMPTS
from codegrant_kit.server.rate_limit import DEFAULT_RATE_LIMITS

from .helpers import (
    FORM,
    REDIRECT_URI,
    InProcess,
    authorize,
    get_code,
    redeem,
    redirect_params,
    sign_in,
    submit,
    tokens,
)
from .test_hostile_input import BIG, TEXT, assert_authorize_answer, encode

# 300 examples for each of the 7 properties, in-process: some 15 s
SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
OIDC_NAMES = ["nonce", "prompt", "max_age", "scope", "state", "response_type"]


@pytest.fixture(scope="module")
def kit() -> Iterator[InProcess]:
    kit = InProcess.create(rate_limits=dict.fromkeys(DEFAULT_RATE_LIMITS))
    yield kit
    kit.close()


@pytest.fixture(scope="module")
def token(kit: InProcess) -> str:
    """A good access token with openid, for requests that get it almost right."""
    return str(tokens(kit.browser(), kit.client, scope="openid profile email")["access_token"])


@pytest.fixture(scope="module")
def signed_in(kit: InProcess) -> httpx.Client:
    """A browser with a session, and alice's Approve Always for openid profile."""
    browser = kit.browser()
    page = sign_in(browser, authorize(browser, kit.client, scope="openid profile"))
    redirect_params(submit(browser, page, consent="approveAlways"))
    return browser


def cookie_of(browser: httpx.Client) -> list[tuple[bytes, bytes]]:
    """The browser's cookie, as a header of a raw request (which keeps no jar)."""
    cookies = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
    return [(b"cookie", cookies.encode())]


def assert_userinfo_answer(response: httpx.Response) -> None:
    assert response.status_code in (200, 400, 401, 403, 405), response.status_code
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    if response.status_code == 200:
        assert set(body) >= {"sub"}
        return
    assert set(body) == {"error", "error_description"}, body
    if response.status_code in (401, 403):
        # RFC 6750 3: the challenge names the error
        assert f'error="{body["error"]}"' in response.headers["www-authenticate"]


def header_value(kind: str, token: str, junk: bytes) -> bytes:
    return {
        "bearer": b"Bearer " + token.encode(),
        "bearer junk": b"Bearer " + junk,
        "bearer token junk": b"Bearer " + token.encode() + junk,
        "lowercase": b"bearer " + token.encode(),
        "junk": junk,
        "basic": b"Basic " + junk,
        "big": b"Bearer " + BIG.encode(),
    }[kind]


HEADER_KINDS = st.sampled_from(
    ["bearer", "bearer junk", "bearer token junk", "lowercase", "junk", "basic", "big", "none"]
)
# bytes a header may carry on the wire (no CR, LF or NUL: the server never sees those)
HEADER_BYTES = st.binary(max_size=80).map(
    lambda raw: raw.replace(b"\r", b"").replace(b"\n", b"").replace(b"\0", b"")
)


# -- userinfo ------------------------------------------------------------------------


@SETTINGS
@given(
    method=st.sampled_from(["GET", "POST", "HEAD", "PUT"]),
    kind=HEADER_KINDS,
    junk=HEADER_BYTES,
    query=st.binary(max_size=60),
)
def test_random_userinfo_headers_and_queries(kit, token, method, kind, junk, query):
    headers = [] if kind == "none" else [(b"authorization", header_value(kind, token, junk))]
    response = kit.raw(method, "/userinfo", query=query, headers=headers)
    if method == "HEAD":
        assert response.status_code in (200, 400, 401, 403), response.status_code
        return
    assert_userinfo_answer(response)
    if response.status_code == 200:  # only the one good token, sent one way
        # RFC 9110 5.5: spaces and tabs after the value are not part of it
        good = kind in ("bearer", "lowercase") or (
            kind == "bearer token junk" and not junk.strip(b" \t")
        )
        assert good and b"access_token=" not in query, (kind, junk)


@SETTINGS
@given(
    body=st.one_of(
        st.binary(max_size=200),
        st.lists(
            st.tuples(st.sampled_from(["access_token", "x", ""]), st.text(TEXT, max_size=30))
        ).map(lambda pairs: encode(pairs).encode()),
    ),
    content_type=st.sampled_from([FORM["Content-Type"], "application/json", "text/plain", None]),
    with_token=st.booleans(),
    with_header=st.booleans(),
)
def test_random_userinfo_form_bodies(kit, token, body, content_type, with_token, with_header):
    if with_token:
        body += b"&access_token=" + token.encode()
    headers = [(b"content-type", content_type.encode())] if content_type else []
    if with_header:
        headers.append((b"authorization", b"Bearer " + token.encode()))
    response = kit.raw("POST", "/userinfo", headers=headers, body=body)
    assert_userinfo_answer(response)


@SETTINGS
@given(value=st.text(TEXT, max_size=60))
def test_random_text_as_a_token(kit, value):
    # through httpx, which sends the text as UTF-8 (lone surrogates passed through)
    raw = value.encode("utf-8", "surrogatepass")
    for response in (
        kit.raw("GET", "/userinfo", headers=[(b"authorization", b"Bearer " + raw)]),
        kit.raw(
            "POST",
            "/userinfo",
            headers=[(b"content-type", FORM["Content-Type"].encode())],
            body=encode([("access_token", value)]).encode(),
        ),
    ):
        assert_userinfo_answer(response)
        assert response.status_code in (400, 401), response.status_code


def test_a_64_kib_body_at_userinfo(kit, token):
    body = b"access_token=" + token.encode() + b"&pad=" + b"x" * 70_000
    response = kit.raw(
        "POST", "/userinfo", headers=[(b"content-type", FORM["Content-Type"].encode())], body=body
    )
    assert_userinfo_answer(response)
    assert response.status_code == 400


# -- nonce, prompt, max_age --------------------------------------------------------------


def oidc_values() -> st.SearchStrategy[str]:
    known = [*PROMPTS, "none login", "login consent", "0", "-1", "1e3", "99999999999", "\uff11"]
    return st.one_of(
        st.sampled_from([*known, "", " ", "%", "\x00", "n" * (MAX_NONCE + 1), BIG]),
        st.text(TEXT, max_size=40),
    )


def assert_kept_only_what_was_checked(kit: InProcess) -> None:
    for pending in kit.store.snapshot()["pending"]:
        assert pending["nonce"] is None or len(pending["nonce"]) <= MAX_NONCE
        assert pending["prompt"] is None or set(pending["prompt"].split()) <= set(PROMPTS)
        assert pending["max_age"] is None or isinstance(pending["max_age"], int)


@SETTINGS
@given(
    data=st.data(),
    names=st.lists(st.sampled_from(OIDC_NAMES), min_size=1, max_size=5),
    session=st.booleans(),
)
def test_random_nonce_prompt_and_max_age(kit, signed_in, data, names, session):
    query = [
        ("response_type", "code"),
        ("client_id", kit.client.client_id),
        ("redirect_uri", REDIRECT_URI),
        ("scope", "openid profile"),
    ]
    query += [(name, data.draw(oidc_values())) for name in names]
    headers = cookie_of(signed_in) if session else []
    response = kit.raw("GET", "/authorize", query=encode(query).encode(), headers=headers)
    assert_authorize_answer(response)
    assert_kept_only_what_was_checked(kit)


@SETTINGS
@given(query=st.binary(max_size=200), session=st.booleans())
def test_random_query_bytes_with_openid(kit, signed_in, query, session):
    prefix = f"client_id={kit.client.client_id}&response_type=code&scope=openid&".encode()
    headers = cookie_of(signed_in) if session else []
    response = kit.raw("GET", "/authorize", query=prefix + query, headers=headers)
    assert_authorize_answer(response)
    assert_kept_only_what_was_checked(kit)


@SETTINGS
@given(nonce=st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=80))
def test_any_accepted_nonce_comes_back_exactly_in_the_id_token(kit, signed_in, nonce):
    found = authorize(signed_in, kit.client, scope="openid profile", nonce=nonce, prompt="none")
    code = redirect_params(found)["code"]  # a session and Approve Always: straight back
    body = redeem(signed_in, kit.client, code).json()
    keys = KeySet.import_key_set(signed_in.get("/jwks").json())
    assert jwt.decode(body["id_token"], keys).claims["nonce"] == nonce


def test_a_stale_code_page_mixture_still_gets_a_code(kit):
    # the flow itself still works after all of the above
    browser = kit.browser()
    code = get_code(browser, kit.client, scope="openid", nonce="after", prompt="login")
    assert "id_token" in redeem(browser, kit.client, code).json()
