"""private_key_jwt: authenticating the client with a JWT it signs (RFC 7523 2.2, 3).

Instead of a client_secret, the client keeps a private key and registers the public
half (``jwks`` or ``jwks_uri``, RFC 7591 2). At each request to the token,
introspection, revocation or PAR endpoint it signs a short-lived JWT, built step by
step here so a notebook can show each part::

    key = new_key()                                   # an EC P-256 key pair
    public_jwks(key)                                  # {"keys": [{"kty": "EC", ...}]}
    steps = assertion_steps(key, client_id, issuer)   # header, claims, signature
    steps.assertion                                   # the compact JWT
    assertion_fields(steps.assertion)                 # the two form fields to send

The ``aud`` is the server's issuer identifier, one string (the RFC 7523 update,
draft-ietf-oauth-rfc7523bis Section 4), never an endpoint URL: an endpoint URL can
be one that a malicious server also names as its own (audience injection). Plain
functions over data: they work with any server.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"  # RFC 7523 2.2
ASSERTION_TYP = "client-authentication+jwt"  # draft-ietf-oauth-rfc7523bis Section 4
LIFETIME = 60  # seconds: long enough for one request


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _uint(n: int, size: int) -> str:
    return _b64url(n.to_bytes(size, "big"))


def new_key() -> ec.EllipticCurvePrivateKey:
    """A new EC P-256 key pair: the private half never leaves the client."""
    return ec.generate_private_key(ec.SECP256R1())


def _b64url_uint(text: object) -> int:
    if not isinstance(text, str):
        raise ValueError("A private JWK member is missing or not a string.")
    return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")


def private_key_from_jwk(jwk: dict[str, Any]) -> PrivateKey:
    """The private key of an RSA or EC P-256 private JWK (RFC 7518 6.3.2, 6.2.2)."""
    if jwk.get("kty") == "RSA":
        n, e, d = (_b64url_uint(jwk.get(name)) for name in ("n", "e", "d"))
        p, q = rsa.rsa_recover_prime_factors(n, e, d)
        numbers = rsa.RSAPrivateNumbers(
            p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q),
            rsa.RSAPublicNumbers(e, n),
        )  # fmt: skip
        return numbers.private_key()
    if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
        return ec.derive_private_key(_b64url_uint(jwk.get("d")), ec.SECP256R1())
    raise ValueError("Only RSA and EC P-256 private JWKs can sign a client assertion here.")


def algorithm_of(key: PrivateKey) -> str:
    """ES256 for an EC P-256 key, RS256 for an RSA key (RFC 7518 3.1)."""
    return "ES256" if isinstance(key, ec.EllipticCurvePrivateKey) else "RS256"


def public_jwk(key: ec.EllipticCurvePrivateKey, kid: str = "client-key-1") -> dict[str, str]:
    """The public half as a JWK (RFC 7518 6.2): what the server verifies with.

    >>> sorted(public_jwk(new_key()))
    ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']
    """
    numbers = key.public_key().public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": _uint(numbers.x, 32),
        "y": _uint(numbers.y, 32),
        "use": "sig",
        "alg": "ES256",
        "kid": kid,
    }


def public_jwks(key: ec.EllipticCurvePrivateKey, kid: str = "client-key-1") -> dict[str, Any]:
    """The JWK Set to register as ``jwks`` (RFC 7591 2), or to serve at a ``jwks_uri``."""
    return {"keys": [public_jwk(key, kid)]}


@dataclass(frozen=True)
class AssertionSteps:
    """Each part of one client assertion, as a learner reads it."""

    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: str  # base64url(header) "." base64url(claims)
    signature: str  # base64url of the signature (ES256: R and S, 32 bytes each)
    explained: list[str] = field(default_factory=list)

    @property
    def assertion(self) -> str:
        """The compact JWT: header.claims.signature."""
        return f"{self.signing_input}.{self.signature}"


def assertion_steps(
    key: PrivateKey,
    client_id: str,
    audience: str,
    *,
    kid: str = "client-key-1",
    lifetime: int = LIFETIME,
    clock: Callable[[], float] = time.time,
    jti: str | None = None,
) -> AssertionSteps:
    """Build a client assertion step by step (RFC 7523 3).

    ``audience`` is the server's issuer identifier (its metadata's ``issuer``).

    >>> steps = assertion_steps(new_key(), "s6BhdRkqt3", "https://as.example", clock=lambda: 1e9)
    >>> steps.header["alg"], steps.claims["aud"], steps.claims["exp"] - steps.claims["iat"]
    ('ES256', 'https://as.example', 60)
    """
    now = int(clock())
    alg = algorithm_of(key)
    header = {"alg": alg, "typ": ASSERTION_TYP, "kid": kid}
    claims = {
        "iss": client_id,  # RFC 7523 3 item 1: the client itself
        "sub": client_id,  # item 2: for client authentication, the client_id (2.2)
        "aud": audience,  # item 3: the issuer identifier, one string
        "jti": jti or secrets.token_urlsafe(16),  # item 7: unique, so no replay
        "iat": now,  # item 6
        "exp": now + lifetime,  # item 4: short-lived
    }
    signing_input = (
        _b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + _b64url(json.dumps(claims, separators=(",", ":")).encode())
    )
    data = signing_input.encode("ascii")
    if isinstance(key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        # RFC 7518 3.4: an ES256 signature is R and S, 32 bytes each, not DER
        signature = _b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
    else:
        # RFC 7518 3.3: RS256 is RSASSA-PKCS1-v1_5 with SHA-256
        signature = _b64url(key.sign(data, padding.PKCS1v15(), hashes.SHA256()))
    explained = [
        f"header: alg {alg} ({'ECDSA P-256' if alg == 'ES256' else 'RSA PKCS#1 v1.5'}, "
        f"SHA-256), typ {ASSERTION_TYP}, kid {kid}",
        f"iss and sub: {client_id}, the client authenticating itself",
        f"aud: {audience}, the server's issuer identifier, and nothing else",
        f"jti: {claims['jti']}, new for each assertion; the server refuses a second use",
        f"iat {now}, exp {now + lifetime}: valid {lifetime} seconds",
        f"signature: {alg} over base64url(header).base64url(claims), with the private key",
    ]
    return AssertionSteps(header, claims, signing_input, signature, explained)


def client_assertion(key: PrivateKey, client_id: str, audience: str, **options: Any) -> str:
    """A signed client assertion, in one call (see `assertion_steps`)."""
    return assertion_steps(key, client_id, audience, **options).assertion


def assertion_fields(assertion: str) -> dict[str, str]:
    """The form fields that carry it (RFC 7523 2.2), beside the request's own fields.

    >>> sorted(assertion_fields("a.b.c"))
    ['client_assertion', 'client_assertion_type']
    """
    return {"client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion}
