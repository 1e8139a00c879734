"""The JWT panel: a real RS256 token from the server, verified; a tampered one, rejected."""

from __future__ import annotations

import base64
import json
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from codegrant_kit.panels.jwt_check import decode_jwt, verify_rs256

from .conftest import Panels


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


def test_a_real_jwt_is_decoded_verified_and_a_tampered_one_rejected(jwt_panels: Panels) -> None:
    panels = jwt_panels
    panels.to_code()
    panels.token._send.click()
    assert panels.token.model.error == ""
    jwt = panels.jwt.model
    assert jwt.token == panels.state.tokens.access_token  # carried over from step 6
    assert jwt.header["alg"] == "RS256" and jwt.header["typ"] == "at+jwt"
    assert jwt.claims["sub"] == "admin" and jwt.claims["iss"] == panels.state.issuer
    assert jwt.claims["client_id"] == panels.portal.model.consumer_key
    dates = {row[0]: row for row in jwt.dates}
    assert set(dates) >= {"exp", "iat"}
    assert dates["exp"][1] - dates["iat"][1] == 3600
    assert dates["iat"][2] == time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(dates["iat"][1]))

    panels.jwt._verify.click()
    assert jwt.verdict == "valid", jwt.error
    assert jwt.error == "" and "VALID" in jwt.status
    assert any("signature matches" in reason for reason in jwt.reasons)
    assert "/jwks" in (panels.state.transcript.to_text() if panels.state.transcript else "")

    panels.jwt._tamper.click()
    assert jwt.claims["sub"] == "mallory"
    panels.jwt._verify.click()
    assert jwt.verdict == "invalid"
    assert "signature does not match" in jwt.error
    assert "Traceback" not in jwt.error

    # The token the API accepts is the untouched one
    panels.jwt._token.value = panels.state.tokens.access_token
    panels.jwt._verify.click()
    assert jwt.verdict == "valid"


def test_an_opaque_token_is_not_a_jwt(panels: Panels) -> None:
    panels.to_code()
    panels.token._send.click()
    assert panels.jwt.model.verdict == ""
    assert "not a JWT" in panels.jwt.model.error
    panels.jwt._verify.click()
    assert panels.jwt.model.verdict == "invalid"
    assert "three parts" in panels.jwt.model.error


def test_a_server_without_jwks_is_said_in_words(panels: Panels) -> None:
    panels.start()
    panels.jwt._token.value = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2ln"
    assert panels.jwt.model.claims == {"sub": "admin"}
    panels.jwt._verify.click()
    assert panels.jwt.model.verdict == ""
    assert "lists no jwks_uri" in panels.jwt.model.error


def test_verify_rs256_refuses_other_algorithms_keys_and_stale_tokens() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks = jwks_of(key)
    now = time.time()
    claims = {"iss": "https://as", "sub": "admin", "exp": int(now) + 60, "iat": int(now)}
    header = {"alg": "RS256", "typ": "at+jwt", "kid": "k1"}
    good = sign(key, header, claims)
    assert verify_rs256(good, jwks, issuer="https://as").valid
    assert decode_jwt(good).claims == claims

    claims_part = good.split(".")[1]
    unsigned = b64url(b'{"alg":"none"}') + "." + claims_part + "."
    verdict = verify_rs256(unsigned, jwks)
    assert not verdict.valid and "only RS256" in str(verdict)

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    verdict = verify_rs256(sign(other, header, claims), jwks)
    assert not verdict.valid and "signature does not match" in str(verdict)

    verdict = verify_rs256(sign(key, {**header, "kid": "k2"}, claims), jwks)
    assert not verdict.valid and "no key with kid='k2'" in str(verdict)

    expired = sign(key, header, {**claims, "exp": int(now) - 1})
    verdict = verify_rs256(expired, jwks)
    assert not verdict.valid and "expired" in str(verdict)

    verdict = verify_rs256(good, jwks, issuer="https://elsewhere")
    assert not verdict.valid and "not the server" in str(verdict)

    verdict = verify_rs256("abc.def", jwks)
    assert not verdict.valid and "three parts" in str(verdict)
