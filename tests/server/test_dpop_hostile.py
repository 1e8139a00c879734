"""Hostile DPoP proofs at the token endpoint and the API: a clear 4xx, never a 5xx.

Proofs built to fail one check each (a bad signature, a wrong typ, alg none, a
private key in the jwk, a huge key), and proofs made of random JSON and raw
bytes (lone surrogates, invalid UTF-8). Nothing is accepted, and nothing
crashes: every answer is a 400 at the token endpoint or a 401 at the API.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codegrant_kit.server.dpop import DpopVerifier
from codegrant_kit.server.errors import InvalidDpopProof

from .dpop_helpers import Key, b64, part
from .helpers import FORM, ISSUER, InProcess, basic, get_code

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PHOTOS = ISSUER + "/api/photos"
KEY = Key()
RSA_KEY = Key("RS256")

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def kit() -> Iterator[InProcess]:
    server = InProcess.create(rate_limits={"token": None})
    yield server
    server.close()


@pytest.fixture(scope="module")
def bound(kit: InProcess) -> str:
    """An access token bound to KEY."""
    browser = kit.browser()
    code = get_code(browser, kit.client)
    headers = {
        "DPoP": KEY.proof(iat=kit.clock()),
        "Authorization": basic(kit.client.client_id, kit.client.client_secret),
    }
    body = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": kit.client.redirect_uris[0],
    }
    response = browser.post("/token", data=body, headers=headers)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def at_token_endpoint(kit: InProcess, proof: bytes) -> int:
    headers = [
        (b"content-type", FORM["Content-Type"].encode()),
        (b"authorization", basic(kit.client.client_id, kit.client.client_secret).encode()),
        (b"dpop", proof),
    ]
    body = b"grant_type=refresh_token&refresh_token=unknown"
    response = kit.raw("POST", "/token", headers=headers, body=body)
    assert response.status_code == 400, (response.status_code, response.text, proof[:200])
    assert response.json()["error"] in ("invalid_dpop_proof", "use_dpop_nonce")
    return response.status_code


def at_the_api(kit: InProcess, token: str, proof: bytes) -> None:
    headers = [(b"authorization", f"DPoP {token}".encode()), (b"dpop", proof)]
    response = kit.raw("GET", "/api/photos", headers=headers)
    assert response.status_code == 401, (response.status_code, response.text, proof[:200])
    assert response.headers["www-authenticate"].startswith("DPoP error=")


def signed(key: Key, header: dict[str, Any], claims: dict[str, Any]) -> str:
    signing_input = f"{part(header)}.{part(claims)}"
    return f"{signing_input}.{key.sign(signing_input)}"


def claims(kit: InProcess, **extra: Any) -> dict[str, Any]:
    return {
        "jti": secrets.token_urlsafe(9),
        "htm": "POST",
        "htu": ISSUER + "/token",
        "iat": int(kit.clock()),
        **extra,
    }


def header(**extra: Any) -> dict[str, Any]:
    return {"typ": "dpop+jwt", "alg": "ES256", "jwk": KEY.jwk, **extra}


def huge_rsa_jwk() -> dict[str, str]:
    return {"kty": "RSA", "n": b64(b"\xff" * 100_000), "e": "AQAB"}


BROKEN = {
    "bad signature": lambda kit: signed(KEY, header(), claims(kit))[:-4] + "AAAA",
    "signed by another key": lambda kit: signed(Key(), header(), claims(kit)),
    "typ JWT": lambda kit: signed(KEY, header(typ="JWT"), claims(kit)),
    "no typ": lambda kit: signed(
        KEY, {k: v for k, v in header().items() if k != "typ"}, claims(kit)
    ),
    "alg none": lambda kit: f"{part(header(alg='none'))}.{part(claims(kit))}.",
    "alg HS256": lambda kit: signed(KEY, header(alg="HS256"), claims(kit)),
    "alg RS256 with an EC key": lambda kit: signed(KEY, header(alg="RS256"), claims(kit)),
    "private key in the jwk": lambda kit: signed(
        KEY, header(jwk={**KEY.jwk, "d": "AAAA"}), claims(kit)
    ),
    "jwk not an object": lambda kit: signed(KEY, header(jwk="key"), claims(kit)),
    "no jwk": lambda kit: signed(KEY, {"typ": "dpop+jwt", "alg": "ES256"}, claims(kit)),
    "huge RSA jwk": lambda kit: signed(
        RSA_KEY, header(alg="RS256", jwk=huge_rsa_jwk()), claims(kit)
    ),
    "small RSA jwk": lambda kit: signed(
        RSA_KEY,
        header(alg="RS256", jwk={"kty": "RSA", "n": b64(b"\xc3" * 64), "e": "AQAB"}),
        claims(kit),
    ),
    "RSA 16384-bit jwk": lambda kit: signed(
        RSA_KEY,
        header(alg="RS256", jwk={"kty": "RSA", "n": b64(b"\xc3" * 2048), "e": "AQAB"}),
        claims(kit),
    ),
    "EC x of 1 KiB": lambda kit: signed(
        KEY, header(jwk={**KEY.jwk, "x": b64(b"\x01" * 1024)}), claims(kit)
    ),
    "EC point off the curve": lambda kit: signed(
        KEY, header(jwk={**KEY.jwk, "y": KEY.jwk["x"]}), claims(kit)
    ),
    "no jti": lambda kit: signed(
        KEY, header(), {k: v for k, v in claims(kit).items() if k != "jti"}
    ),
    "jti a number": lambda kit: signed(KEY, header(), claims(kit, jti=7)),
    "htm GET": lambda kit: signed(KEY, header(), claims(kit, htm="GET")),
    "htu elsewhere": lambda kit: signed(
        KEY, header(), claims(kit, htu="https://evil.example/token")
    ),
    "htu with a bad port": lambda kit: signed(
        KEY, header(), claims(kit, htu="http://testserver:99999/token")
    ),
    "iat a string": lambda kit: signed(KEY, header(), claims(kit, iat="now")),
    "iat true": lambda kit: signed(KEY, header(), claims(kit, iat=True)),
    "iat stale": lambda kit: signed(KEY, header(), claims(kit, iat=int(kit.clock()) - 3600)),
    "iat huge": lambda kit: signed(KEY, header(), claims(kit, iat=10**400)),
    "two parts": lambda kit: signed(KEY, header(), claims(kit)).rsplit(".", 1)[0],
    "four parts": lambda kit: signed(KEY, header(), claims(kit)) + ".x",
    "header not JSON": lambda kit: "bm90IGpzb24." + part(claims(kit)) + ".AAAA",
    "header a list": lambda kit: part([1, 2]) + "." + part(claims(kit)) + ".AAAA",
    "deep JSON": lambda kit: b64(b"[" * 100_000) + "." + part(claims(kit)) + ".AAAA",
    "too long": lambda kit: "A" * 100_000,
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_each_broken_proof_is_refused(kit, bound, name):
    proof = BROKEN[name](kit).encode("utf-8", "surrogatepass")
    at_token_endpoint(kit, proof)
    at_the_api(kit, bound, proof)


def test_two_proofs_are_refused(kit):
    good = KEY.proof(iat=kit.clock()).encode()
    headers = [
        (b"content-type", FORM["Content-Type"].encode()),
        (b"authorization", basic(kit.client.client_id, kit.client.client_secret).encode()),
        (b"dpop", good),
        (b"dpop", good),
    ]
    response = kit.raw(
        "POST", "/token", headers=headers, body=b"grant_type=refresh_token&refresh_token=x"
    )
    assert response.json()["error"] == "invalid_dpop_proof"


@SETTINGS
@given(raw=st.binary(max_size=300))
def test_raw_bytes_never_crash(kit, bound, raw):
    at_token_endpoint(kit, raw)
    at_the_api(kit, bound, raw)


@SETTINGS
@given(head=JSON, body=JSON, surrogate=st.sampled_from(["", "\ud800", "\udfff\x00"]))
def test_random_json_never_crashes(kit, bound, head, body, surrogate):
    encoded = [
        base64.urlsafe_b64encode(
            json.dumps(value).replace("null", f'"{surrogate}"', 1).encode("utf-8", "surrogatepass")
        )
        .rstrip(b"=")
        .decode()
        for value in (head, body)
    ]
    proof = f"{encoded[0]}.{encoded[1]}.{b64(b'x' * 64)}".encode()
    at_token_endpoint(kit, proof)
    at_the_api(kit, bound, proof)


@SETTINGS
@given(
    typ=st.one_of(st.just("dpop+jwt"), JSON),
    alg=st.one_of(st.sampled_from(["ES256", "RS256", "none", "HS256", "ES512"]), JSON),
    extra=st.dictionaries(
        st.sampled_from(["d", "kid", "crv", "x", "y", "kty", "n", "e"]), JSON, max_size=3
    ),
    htu=st.one_of(st.text(max_size=30), JSON),
    ath=st.one_of(st.text(max_size=50), JSON),
)
def test_signed_proofs_with_random_members_never_crash(kit, bound, typ, alg, extra, htu, ath):
    head = {"typ": typ, "alg": alg, "jwk": {**KEY.jwk, **extra}}
    proof = signed(KEY, head, claims(kit, htu=htu, ath=ath)).encode()
    at_token_endpoint(kit, proof)
    at_the_api(kit, bound, proof)


def test_a_proof_check_that_fails_changes_nothing():
    # a proof refused for its claims leaves no jti behind: only accepted proofs fill the cache
    kit = InProcess.create()
    try:
        verifier: DpopVerifier = kit.store.services.dpop
        proof = KEY.proof(htm="GET", iat=kit.clock())
        with pytest.raises(InvalidDpopProof):
            verifier.verify([proof], "POST", (ISSUER + "/token",))
        assert len(verifier.jtis) == 0
    finally:
        kit.close()
