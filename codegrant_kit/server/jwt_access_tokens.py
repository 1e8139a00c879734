"""JWT access tokens (RFC 9068), signed RS256, with their keys as a JWKS (RFC 7517).

WSO2 API Manager issues JWT access tokens by default; a learner can decode one
and check its signature against the server's `jwks_uri`. The token is still
remembered by the store, so revocation and introspection work the same.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

JWKS_PATH = "/jwks"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _uint(n: int) -> str:
    return b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))


class JwtSigner:
    """An RS256 key pair: signs access tokens, publishes the public half."""

    def __init__(self, key: rsa.RSAPrivateKey | None = None) -> None:
        self._key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
        numbers = self._key.public_key().public_numbers()
        self.public_jwk: dict[str, str] = {
            "kty": "RSA",
            "n": _uint(numbers.n),
            "e": _uint(numbers.e),
        }
        # RFC 7638: the key id is the thumbprint of the required members, in order
        canonical = json.dumps(
            {"e": self.public_jwk["e"], "kty": "RSA", "n": self.public_jwk["n"]},
            separators=(",", ":"),
        )
        self.kid = b64url(hashlib.sha256(canonical.encode()).digest())

    @classmethod
    def from_pem(cls, pem: bytes) -> JwtSigner:
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("The JWT signing key must be an RSA key.")
        return cls(key)

    def private_pem(self) -> bytes:
        """The private key, to keep it across restarts (PKCS#8, unencrypted)."""
        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [{**self.public_jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def sign(self, claims: dict[str, Any], typ: str = "at+jwt") -> str:
        """A JWS (RFC 7515) of `claims`; RFC 9068 2.1: an access token's typ is "at+jwt"."""
        header = {"alg": "RS256", "typ": typ, "kid": self.kid}
        signing_input = ".".join(
            b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
        )
        signature = self._key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{b64url(signature)}"


def access_token_claims(
    *,
    issuer: str,
    audience: str,
    username: str,
    client_id: str,
    scope: tuple[str, ...],
    issued_at: float,
    expires_at: float,
    jti: str,
    jkt: str | None = None,
) -> dict[str, Any]:
    # RFC 9068 2.2: iss, exp, aud, sub, client_id, iat, jti are REQUIRED; scope when granted
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": username,
        "aud": audience,
        "client_id": client_id,
        "scope": " ".join(scope),
        "iat": int(issued_at),
        "exp": int(expires_at),
        "jti": jti,
    }
    if jkt is not None:
        # RFC 9449 6.1: a DPoP-bound token names its key's thumbprint in cnf.jkt
        claims["cnf"] = {"jkt": jkt}
    return claims
