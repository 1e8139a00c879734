"""Verifying a compact JWS with the signer's public key: RFC 7515, 7517, 7518.

The asymmetric algorithms only (RSA PKCS#1 v1.5 and PSS, ECDSA): the signer holds
the private key and publishes the public one in a JWK Set. An HMAC (HS256) signs
and verifies with one shared secret, so a public key must never be taken as one:
that is the RS256/HS256 key confusion, and why :data:`ALGORITHMS` has no HS*.

>>> sorted(ALGORITHMS)[:3]
['ES256', 'ES384', 'ES512']
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from .errors import JwtFormatError

# RFC 7518 3.3: a key of size 2048 bits or larger MUST be used with these algorithms.
MIN_RSA_BITS = 2048


@dataclass(frozen=True)
class _Alg:
    kty: str  # the JWK key type that verifies it (RFC 7518 6.1)
    hash: type[hashes.HashAlgorithm]
    curve: str | None = None  # EC only: the JWK crv (RFC 7518 6.2.1.1)
    pss: bool = False


# RFC 7518 3.1: the asymmetric JWS algorithms; HS* (HMAC) are refused on purpose.
ALGORITHMS: dict[str, _Alg] = {
    "RS256": _Alg("RSA", hashes.SHA256),
    "RS384": _Alg("RSA", hashes.SHA384),
    "RS512": _Alg("RSA", hashes.SHA512),
    "PS256": _Alg("RSA", hashes.SHA256, pss=True),
    "PS384": _Alg("RSA", hashes.SHA384, pss=True),
    "PS512": _Alg("RSA", hashes.SHA512, pss=True),
    "ES256": _Alg("EC", hashes.SHA256, "P-256"),
    "ES384": _Alg("EC", hashes.SHA384, "P-384"),
    "ES512": _Alg("EC", hashes.SHA512, "P-521"),
}
_CURVES: dict[str, ec.EllipticCurve] = {
    "P-256": ec.SECP256R1(),
    "P-384": ec.SECP384R1(),
    "P-521": ec.SECP521R1(),
}
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64url_decode(part: str, name: str) -> bytes:
    """Strict base64url without padding (RFC 7515 Section 2); anything else is refused."""
    # RFC 7515 2: base64url, with all trailing '=' characters omitted
    if not _B64URL.fullmatch(part) or len(part) % 4 == 1:
        raise JwtFormatError(
            f"The {name} is not base64url text (only A-Z a-z 0-9 - _, no padding), so this "
            "is not a JWT as a server writes one."
        )
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _b64_uint(jwk: Mapping[str, Any], name: str) -> int:
    value = jwk.get(name)
    if not isinstance(value, str) or not value:
        raise JwtFormatError(f"The key has no {name!r} member, so it cannot verify anything.")
    return int.from_bytes(b64url_decode(value, f"key's {name!r}"), "big")


def public_key(jwk: Mapping[str, Any]) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
    """An RSA or EC public key from its JWK (RFC 7518 Sections 6.2 and 6.3)."""
    try:
        if jwk.get("kty") == "RSA":
            return rsa.RSAPublicNumbers(_b64_uint(jwk, "e"), _b64_uint(jwk, "n")).public_key()
        crv = jwk.get("crv")
        curve = _CURVES.get(crv) if isinstance(crv, str) else None
        if jwk.get("kty") == "EC" and curve is not None:
            x, y = _b64_uint(jwk, "x"), _b64_uint(jwk, "y")
            return ec.EllipticCurvePublicNumbers(x, y, curve).public_key()
    except ValueError as exc:  # not a key cryptography accepts: e even, point off the curve
        raise JwtFormatError(f"The key is not a valid public key: {exc}.") from exc
    raise JwtFormatError(f"The key is of type {jwk.get('kty')!r:.40}, which the kit cannot use.")


def signature_ok(alg: str, key: object, signature: bytes, signing_input: bytes) -> bool:
    """Whether ``signature`` is ``alg``'s over ``signing_input`` under ``key`` (RFC 7515 5.2)."""
    spec = ALGORITHMS[alg]
    try:
        if isinstance(key, rsa.RSAPublicKey):
            scheme: padding.AsymmetricPadding = (
                padding.PSS(padding.MGF1(spec.hash()), spec.hash().digest_size)
                if spec.pss
                else padding.PKCS1v15()
            )
            key.verify(signature, signing_input, scheme, spec.hash())
            return True
        if isinstance(key, ec.EllipticCurvePublicKey):
            # RFC 7518 3.4: the signature is R and S, each as long as the curve's order
            size = (key.curve.key_size + 7) // 8
            if len(signature) != 2 * size:
                return False
            r = int.from_bytes(signature[:size], "big")
            s = int.from_bytes(signature[size:], "big")
            key.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(spec.hash()))
            return True
    except InvalidSignature:
        return False
    return False


def usable(jwk: Mapping[str, Any], alg: str) -> bool:
    """Whether a JWK may verify an ``alg`` signature: its type, curve, use and alg."""
    spec = ALGORITHMS[alg]
    # RFC 7517 4.2 and 4.4: a key published for encryption, or for another algorithm,
    # must not verify this signature
    return (
        jwk.get("kty") == spec.kty
        and (spec.curve is None or jwk.get("crv") == spec.curve)
        and jwk.get("use", "sig") == "sig"
        and jwk.get("alg", alg) == alg
    )


def pick_keys(jwks: Mapping[str, Any], kid: object, alg: str) -> list[Mapping[str, Any]]:
    """The keys of a JWK Set that may verify this signature: with this kid, if any."""
    keys = jwks.get("keys")
    found = [key for key in keys if isinstance(key, dict)] if isinstance(keys, list) else []
    if kid is not None:
        found = [key for key in found if key.get("kid") == kid]
    return [key for key in found if usable(key, alg)]
