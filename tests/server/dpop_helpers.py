"""DPoP proofs for the server's tests, signed here with `cryptography`, not the kit's client.

`make_proof` signs any header and claims, so a test can send what a careful
client never would: a wrong typ, alg none, a private key in the jwk.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from .helpers import ISSUER


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def part(value: Any) -> str:
    return b64(json.dumps(value, separators=(",", ":")).encode())


class Key:
    """An ES256 (P-256) or RS256 key pair, and the proofs it signs."""

    def __init__(self, alg: str = "ES256") -> None:
        self.alg = alg
        self.private: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
        if alg == "ES256":
            self.private = ec.generate_private_key(ec.SECP256R1())
            numbers = self.private.public_key().public_numbers()
            self.jwk = {
                "kty": "EC",
                "crv": "P-256",
                "x": b64(numbers.x.to_bytes(32, "big")),
                "y": b64(numbers.y.to_bytes(32, "big")),
            }
            required = {k: self.jwk[k] for k in ("crv", "kty", "x", "y")}
        else:
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            rsa_numbers = self.private.public_key().public_numbers()
            n = rsa_numbers.n.to_bytes(256, "big")
            self.jwk = {"kty": "RSA", "n": b64(n), "e": b64(rsa_numbers.e.to_bytes(3, "big"))}
            required = {k: self.jwk[k] for k in ("e", "kty", "n")}
        canonical = json.dumps(required, separators=(",", ":")).encode()
        self.jkt = b64(hashlib.sha256(canonical).digest())

    def sign(self, signing_input: str) -> str:
        if isinstance(self.private, ec.EllipticCurvePrivateKey):
            r, s = decode_dss_signature(
                self.private.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
            )
            return b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
        return b64(self.private.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256()))

    def proof(
        self,
        htm: str = "POST",
        htu: str = ISSUER + "/token",
        *,
        iat: float,
        access_token: str | None = None,
        header: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        full_header = {"typ": "dpop+jwt", "alg": self.alg, "jwk": self.jwk, **(header or {})}
        body: dict[str, Any] = {"jti": secrets.token_urlsafe(12), "htm": htm, "htu": htu}
        body["iat"] = int(iat)
        if access_token is not None:
            body["ath"] = b64(hashlib.sha256(access_token.encode()).digest())
        body |= claims
        signing_input = f"{part(full_header)}.{part(body)}"
        return f"{signing_input}.{self.sign(signing_input)}"


def claims_of(jwt: str) -> dict[str, Any]:
    payload = jwt.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))
