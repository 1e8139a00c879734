"""Hostile input at the new parameters and endpoints: resource=, Origin, preflights, the
protected resource metadata, public clients. Surrogates and raw bytes; never a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codegrant_kit.server.pkce import s256
from codegrant_kit.server.rate_limit import DEFAULT_RATE_LIMITS

from .helpers import REDIRECT_URI, InProcess, get_code

SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
TEXT = st.characters(categories=["Cs"]) | st.characters()
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
FORM = (b"content-type", b"application/x-www-form-urlencoded")


@pytest.fixture(scope="module")
def hostile() -> Iterator[InProcess]:
    kit = InProcess.create(
        rate_limits=dict.fromkeys(DEFAULT_RATE_LIMITS),
        max_clients=1_000_000,
        max_clients_per_address=1_000_000,
    )
    yield kit
    kit.close()


def encoded(value: str) -> bytes:
    # a lone surrogate cannot be UTF-8: send its surrogatepass bytes, as a hostile client can
    return quote(value.encode("utf-8", "surrogatepass"), safe="").encode()


def assert_no_5xx(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code < 500, (response.status_code, response.text[:300])


@SETTINGS
@given(
    resource=st.text(TEXT, max_size=300)
    | st.binary(max_size=300).map(lambda b: b.decode("latin-1"))
)
def test_resource_at_authorize(hostile, resource):
    query = (
        b"response_type=code&client_id=" + hostile.client.client_id.encode()
        + b"&redirect_uri=" + quote(REDIRECT_URI, safe="").encode()
        + b"&state=s&resource=" + encoded(resource)
    )  # fmt: skip
    response = hostile.raw("GET", "/authorize", query=query)
    assert_no_5xx(response)
    # no random value is one of the APIs: an error comes back (or a page, for bad bytes;
    # an empty resource is an omitted one, RFC 6749 3.1: the login page)
    if response.status_code == 302:
        assert "error=" in response.headers["location"]


@SETTINGS
@given(resource=st.text(TEXT, max_size=300), raw=st.binary(max_size=200))
def test_resource_at_the_token_endpoint(hostile, resource, raw):
    for value in (encoded(resource), raw):
        body = (
            b"grant_type=authorization_code&code=x&client_id="
            + hostile.client.client_id.encode() + b"&resource=" + value
        )  # fmt: skip
        assert_no_5xx(hostile.raw("POST", "/token", headers=[FORM], body=body))


@SETTINGS
@given(origin=st.binary(max_size=300), method=st.binary(max_size=40), body=st.binary(max_size=300))
def test_origin_and_preflights(hostile, origin, method, body):
    headers = [(b"origin", origin), (b"access-control-request-method", method)]
    for path in ("/token", "/revoke"):
        assert_no_5xx(hostile.raw("OPTIONS", path, headers=headers))
        response = hostile.raw("POST", path, headers=[FORM, (b"origin", origin)], body=body)
        assert_no_5xx(response)
        assert response.headers.get("access-control-allow-origin") != "*"


@SETTINGS
@given(path=st.text(TEXT, max_size=100))
def test_protected_resource_metadata_paths(hostile, path):
    raw = "/.well-known/oauth-protected-resource/" + path
    response = hostile.raw("GET", quote(raw.encode("utf-8", "surrogatepass"), safe="/"))
    assert_no_5xx(response)


@SETTINGS
@given(header=st.binary(max_size=200))
def test_the_apis_with_any_authorization_header(hostile, header):
    for path in ("/api/photos", "/api/calendar"):
        response = hostile.raw("GET", path, headers=[(b"authorization", b"Bearer " + header)])
        assert_no_5xx(response)
        assert response.status_code in (400, 401)


@settings(max_examples=200, deadline=None)
@given(client_id=st.text(TEXT, max_size=100), verifier=st.text(TEXT, max_size=200))
def test_public_client_token_requests(hostile, client_id, verifier):
    body = (
        b"grant_type=authorization_code&code=x&client_id=" + encoded(client_id)
        + b"&code_verifier=" + encoded(verifier)
    )  # fmt: skip
    response = hostile.raw("POST", "/token", headers=[FORM], body=body)
    assert_no_5xx(response)


def test_a_real_public_clients_code_survives_hostile_resources(server):
    public = server.add_client(token_endpoint_auth_method="none")
    browser = server.browser()
    code = get_code(browser, public, code_challenge=s256(VERIFIER), code_challenge_method="S256")
    base = {"grant_type": "authorization_code", "code": code, "client_id": public.client_id,
            "redirect_uri": REDIRECT_URI, "code_verifier": VERIFIER}  # fmt: skip
    for bad in ("\ud800", "http://x/#", "https://testserver/api/photos\x00"):
        body = b"&".join(
            k.encode() + b"=" + encoded(v) for k, v in {**base, "resource": bad}.items()
        )
        response = server.raw("POST", "/token", headers=[FORM], body=body)
        assert response.status_code == 400, response.text
    assert browser.post("/token", data=base).status_code == 200
