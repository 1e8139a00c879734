"""check_jwt and tamper: a JWT access token (RFC 9068) checked as plain data, no server."""

from __future__ import annotations

import base64
import json
import time

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from codegrant_kit.client import JwtFormatError, check_jwt, decode_jwt
from codegrant_kit.client.jwt import tamper


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(key: rsa.RSAPrivateKey, header: dict[str, object], claims: dict[str, object]) -> str:
    signing_input = ".".join(
        b64url(json.dumps(part).encode()) for part in (header, claims)
    ).encode()
    signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return signing_input.decode() + "." + b64url(signature)


def jwks_of(key: rsa.RSAPrivateKey, kid: str = "k1") -> dict[str, object]:
    numbers = key.public_key().public_numbers()

    def uint(n: int) -> str:
        return b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))

    return {"keys": [{"kty": "RSA", "kid": kid, "n": uint(numbers.n), "e": uint(numbers.e)}]}


def test_check_jwt_refuses_other_algorithms_keys_and_stale_tokens() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks = jwks_of(key)
    now = time.time()
    claims = {"iss": "https://as", "sub": "admin", "exp": int(now) + 60, "iat": int(now)}
    header = {"alg": "RS256", "typ": "at+jwt", "kid": "k1"}
    good = sign(key, header, claims)
    assert check_jwt(good, jwks, issuer="https://as").valid
    assert decode_jwt(good).claims == claims

    claims_part = good.split(".")[1]
    unsigned = b64url(b'{"alg":"none"}') + "." + claims_part + "."
    verdict = check_jwt(unsigned, jwks)
    assert not verdict.valid and "only RS256" in str(verdict)

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    verdict = check_jwt(sign(other, header, claims), jwks)
    assert not verdict.valid and "signature does not match" in str(verdict)

    verdict = check_jwt(sign(key, {**header, "kid": "k2"}, claims), jwks)
    assert not verdict.valid and "no key with kid='k2'" in str(verdict)

    expired = sign(key, header, {**claims, "exp": int(now) - 1})
    verdict = check_jwt(expired, jwks)
    assert not verdict.valid and "expired" in str(verdict)

    verdict = check_jwt(good, jwks, issuer="https://elsewhere")
    assert not verdict.valid and "not the server" in str(verdict)

    verdict = check_jwt("abc.def", jwks)
    assert not verdict.valid and "three parts" in str(verdict)


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_a_good_token_is_checked_step_by_step_in_words(key: rsa.RSAPrivateKey) -> None:
    now = 1_800_000_000
    claims = {"iss": "https://as", "sub": "admin", "exp": now + 60, "iat": now}
    token = sign(key, {"alg": "RS256", "typ": "at+jwt", "kid": "k1"}, claims)
    check = check_jwt(token, jwks_of(key), issuer="https://as", now=now)
    assert check.valid
    assert check.steps == (
        "The RS256 signature matches the server's public key 'k1'.",
        "It has not expired (exp 2027-01-15 08:01:00 UTC).",
        "iss names this server.",
    )
    assert str(check).startswith("VALID: The RS256 signature matches")


def test_every_claim_past_the_signature_is_checked_and_said(key: rsa.RSAPrivateKey) -> None:
    now = 1_800_000_000
    claims = {"iss": "https://elsewhere", "sub": "admin", "exp": now - 1}
    token = sign(key, {"alg": "RS256", "typ": "JWT", "kid": "k1"}, claims)
    check = check_jwt(token, jwks_of(key), issuer="https://as", now=now)
    assert not check.valid
    assert [step.split()[0] for step in check.steps] == ["The", "It", "iss", "typ"]
    assert "expired" in check.steps[1] and "not at+jwt" in check.steps[3]


def test_a_tampered_token_keeps_its_signature_and_fails(key: rsa.RSAPrivateKey) -> None:
    now = int(time.time())
    claims = {"iss": "https://as", "sub": "admin", "exp": now + 60}
    token = sign(key, {"alg": "RS256", "kid": "k1"}, claims)
    forged = tamper(token, "sub", "mallory")
    assert decode_jwt(forged).claims == {**claims, "sub": "mallory"}
    assert forged.split(".")[::2] == token.split(".")[::2]  # header and signature kept
    check = check_jwt(forged, jwks_of(key))
    assert not check.valid and "signature does not match" in check.steps[0]
    with pytest.raises(JwtFormatError, match="three parts"):
        tamper("an-opaque-token")


@pytest.mark.parametrize(
    "claims",
    [b"[" * 100_000, b'{"n": ' + b"9" * 5000 + b"}", b'{"n": NaN}', b"\xff\xfe{}"],
    ids=["deep", "huge-int", "nan", "not-utf8"],
)
def test_hostile_json_is_a_jwt_format_error_not_a_crash(claims: bytes) -> None:
    # a server's id_token is decoded for the transcript and the panels: never a crash
    with pytest.raises(JwtFormatError, match="not JSON"):
        decode_jwt(f"e30.{b64url(claims)}.")
