"""Hostile client assertions and pushed requests: always a 4xx, never a 5xx.

Bad signatures, alg none, a wrong typ, huge keys, lone surrogates and raw bytes, at
the four endpoints that take an assertion (RFC 7523 2.2; RFC 9126 2).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from codegrant_kit.server.rate_limit import DEFAULT_RATE_LIMITS
from codegrant_kit.server.store import Client

from .assertion_helpers import assertion, assertion_form, jwt_client
from .helpers import REDIRECT_URI, InProcess, assert_json_error

SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
TEXT = st.characters(categories=["Cs"]) | st.characters()  # lone surrogates too
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(TEXT),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(TEXT), inner, max_size=3),
    max_leaves=8,
)
ENDPOINTS = ["/token", "/introspect", "/revoke", "/par"]
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def hostile() -> Iterator[InProcess]:
    kit = InProcess.create(
        rate_limits=dict.fromkeys(DEFAULT_RATE_LIMITS),
        lab_switches=frozenset({"no_throttle"}),  # thousands of failures from one address
    )
    yield kit
    kit.close()


@pytest.fixture(scope="module")
def key() -> ECKey:
    return ECKey.generate_key("P-256")


@pytest.fixture(scope="module")
def client(hostile: InProcess, key: ECKey) -> Client:
    return jwt_client(hostile, key)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def part(value: Any) -> str:
    return b64(json.dumps(value).encode("utf-8", "surrogatepass"))


def not_5xx(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:300])
    if response.status_code >= 400:
        assert_json_error(response)


@SETTINGS
@given(header=JSON, claims=JSON, signature=st.binary(max_size=80), path=st.sampled_from(ENDPOINTS))
def test_any_assertion_gets_a_4xx(
    hostile: InProcess, header: Any, claims: Any, signature: bytes, path: str
) -> None:
    forged = f"{part(header)}.{part(claims)}.{b64(signature)}"
    form = {"token": "x", "response_type": "code", **assertion_form(forged)}
    body = urlencode(form, encoding="utf-8", errors="surrogatepass").encode()
    not_5xx(
        hostile.raw(
            "POST", path, headers=[(b"content-type", FORM["Content-Type"].encode())], body=body
        )
    )


@SETTINGS
@given(
    claims=st.dictionaries(
        st.sampled_from(["iss", "sub", "aud", "jti", "exp", "iat", "nbf"]), JSON
    ),
    path=st.sampled_from(ENDPOINTS),
)
def test_signed_but_odd_claims_get_a_4xx(
    hostile: InProcess, client: Client, key: ECKey, claims: dict[str, Any], path: str
) -> None:
    try:
        signed = assertion(hostile, client, key, **claims)
    except (TypeError, ValueError, UnicodeEncodeError):
        return  # joserfc would not sign it: nothing to send
    form = {"token": "x", "response_type": "code", "redirect_uri": REDIRECT_URI}
    not_5xx(hostile.browser().post(path, data={**form, **assertion_form(signed)}))


@SETTINGS
@given(body=st.binary(max_size=400), path=st.sampled_from(ENDPOINTS))
def test_raw_bytes_get_a_4xx(hostile: InProcess, body: bytes, path: str) -> None:
    headers = [(b"content-type", FORM["Content-Type"].encode())]
    not_5xx(hostile.raw("POST", path, headers=headers, body=b"client_assertion=" + body))


@SETTINGS
@given(data=st.dictionaries(st.text(TEXT, max_size=30), st.text(TEXT, max_size=60), max_size=8))
def test_any_pushed_request_gets_a_4xx_or_201(
    hostile: InProcess, client: Client, key: ECKey, data: dict[str, str]
) -> None:
    form = {**data, **assertion_form(assertion(hostile, client, key))}
    body = "&".join(
        f"{quote(k, errors='surrogatepass')}={quote(v, errors='surrogatepass')}"
        for k, v in form.items()
    ).encode()
    response = hostile.raw(
        "POST", "/par", headers=[(b"content-type", FORM["Content-Type"].encode())], body=body
    )
    not_5xx(response)


@SETTINGS
@given(query=st.text(TEXT, max_size=120))
def test_any_request_uri_gets_a_page(hostile: InProcess, query: str) -> None:
    raw = urlencode(
        {"client_id": "x", "request_uri": "urn:ietf:params:oauth:request_uri:" + query},
        errors="surrogatepass",
    ).encode()
    response = hostile.raw("GET", "/authorize", query=raw)
    assert response.status_code < 500, response.text[:300]


def test_alg_none_is_refused(hostile: InProcess, client: Client) -> None:
    claims = {"iss": client.client_id, "sub": client.client_id, "aud": hostile.config.issuer}
    unsigned = f"{part({'alg': 'none'})}.{part(claims | {'jti': 'n', 'exp': 2e9})}."
    response = hostile.browser().post(
        "/introspect", data={"token": "x", **assertion_form(unsigned)}
    )
    assert "alg 'none'" in assert_json_error(response, "invalid_client", 401)["error_description"]


@pytest.mark.parametrize("typ", ["dpop+jwt", "at+jwt", "JWT+whatever"])
def test_a_jwt_of_another_kind_is_refused(
    hostile: InProcess, client: Client, key: ECKey, typ: str
) -> None:
    signed = assertion(hostile, client, key, header={"typ": typ})
    response = hostile.browser().post("/introspect", data={"token": "x", **assertion_form(signed)})
    assert "typ" in assert_json_error(response, "invalid_client", 401)["error_description"]


@pytest.mark.parametrize("typ", ["JWT", "client-authentication+jwt"])
def test_the_assertion_types_are_taken(hostile: InProcess, key: ECKey, typ: str) -> None:
    client = jwt_client(hostile, key)  # its own: the fuzzed ones filled the shared one's jti share
    signed = assertion(hostile, client, key, header={"typ": typ})
    form = {"token": "x", **assertion_form(signed)}
    assert hostile.browser().post("/introspect", data=form).status_code == 200


def test_a_tampered_claim_breaks_the_signature(
    hostile: InProcess, client: Client, key: ECKey
) -> None:
    header, claims, signature = assertion(hostile, client, key).split(".")
    decoded = json.loads(base64.urlsafe_b64decode(claims + "=="))
    forged = f"{header}.{part(decoded | {'exp': decoded['exp'] + 300})}.{signature}"
    response = hostile.browser().post("/introspect", data={"token": "x", **assertion_form(forged)})
    assert "signature" in assert_json_error(response, "invalid_client")["error_description"]


@pytest.mark.parametrize(
    ("jwk", "says"),
    [
        ({"kty": "RSA", "n": "_" * 66_000, "e": "AQAB"}, "bytes at most"),
        ({"kty": "RSA", "n": b64(b"\xff" * 2048), "e": "AQAB"}, "2048 to 8192 bits"),
        ({"kty": "RSA", "n": b64(b"\xc1" * 256), "e": b64(b"\x01" * 200 + b"\x01")}, "exponent"),
        ({"kty": "RSA", "n": b64(b"\xc1" * 128), "e": "AQAB"}, "2048 to 8192 bits"),
        ({"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"}, "cannot be used"),
        ({"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}, "cannot be used"),
    ],
)
def test_huge_or_broken_keys_are_refused_at_registration(
    hostile: InProcess, jwk: dict[str, str], says: str
) -> None:
    response = hostile.browser().post(
        "/register",
        json={
            "redirect_uris": [REDIRECT_URI],
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks": {"keys": [jwk]},
        },
    )
    assert says in assert_json_error(response, "invalid_client_metadata")["error_description"]


def test_an_rsa_key_of_2048_bits_is_taken(hostile: InProcess) -> None:
    rsa = RSAKey.generate_key(2048)
    client = hostile.store.add_client(
        redirect_uris=[REDIRECT_URI],
        token_endpoint_auth_method="private_key_jwt",
        jwks=json.dumps({"keys": [rsa.as_dict(private=False)]}),
    )
    now = int(hostile.clock.now)
    claims = {"iss": client.client_id, "sub": client.client_id, "aud": hostile.config.issuer,
              "jti": "rsa-1", "exp": now + 60}  # fmt: skip
    signed = jwt.encode({"alg": "RS256"}, claims, rsa)
    form = {"token": "x", **assertion_form(signed)}
    assert hostile.browser().post("/introspect", data=form).status_code == 200
