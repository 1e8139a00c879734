"""Reading a JWT access token (RFC 9068) and checking its RS256 signature (RFC 7515, 7518).

A JWT is three base64url parts joined by dots: header, claims, signature. Anyone
can read the first two; only the signature says who wrote them. RS256 is
RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 Section 3.3) over ``header.claims``,
checked with the issuer's public key from its JWKS (RFC 7517).

>>> decode_jwt("eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.").claims
{'sub': 'admin'}

``check_jwt(token, jwks, issuer=...)`` makes every check in order and says each
one in words; ``tamper`` changes a claim and keeps the signature, as a forger
would, to see the check fail. Plain functions over data: the keys come from
``Flow.fetch_jwks()`` or any JWKS document.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .errors import JwtFormatError

# claims that hold a NumericDate: seconds since 1970 (RFC 7519 Section 2)
DATE_CLAIMS = ("exp", "iat", "nbf", "auth_time")


def b64url_decode(part: str) -> bytes:
    """base64url without padding (RFC 7515 Section 2)."""
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError) as exc:
        raise JwtFormatError(f"{part[:20]!r}... is not base64url.") from exc


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _json_part(part: str, name: str) -> dict[str, Any]:
    raw = b64url_decode(part)
    try:
        # RFC 7519 7.2: UTF-8 JSON; NaN, a 5,000-digit number or 100,000 brackets are
        # refused in words (ValueError, RecursionError), never a crash
        value = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise JwtFormatError(f"The {name} is not JSON once base64url-decoded.") from exc
    if not isinstance(value, dict):
        raise JwtFormatError(f"The {name} is JSON but not an object.")
    return value


@dataclass(frozen=True)
class DecodedJwt:
    """The two readable parts of a JWT, and the signature's bytes."""

    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes

    def dates(self) -> dict[str, str]:
        """exp, iat, nbf as UTC dates a person can read."""
        return {
            name: as_date(self.claims[name])
            for name in DATE_CLAIMS
            if isinstance(self.claims.get(name), (int, float))
        }


def as_date(seconds: float) -> str:
    """A NumericDate as a UTC date.

    >>> as_date(0)
    '1970-01-01 00:00:00 UTC'
    """
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def decode_jwt(token: str) -> DecodedJwt:
    """Split and decode a compact JWT; nothing is checked yet."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise JwtFormatError(
            f"A JWT has three parts separated by dots; this text has {len(parts)}. "
            "An opaque access token (the server's default) is not a JWT: start the "
            "server with access_token_format='jwt'."
        )
    header = _json_part(parts[0], "header")
    claims = _json_part(parts[1], "claims part")
    return DecodedJwt(
        header=header,
        claims=claims,
        signing_input=f"{parts[0]}.{parts[1]}".encode("ascii"),
        signature=b64url_decode(parts[2]),
    )


def tamper(token: str, claim: str = "sub", value: object = "mallory") -> str:
    """The token with one claim changed and the old signature kept: a forgery that
    ``check_jwt`` must refuse."""
    jwt = decode_jwt(token)
    header, _, signature = token.strip().split(".")
    claims = json.dumps({**jwt.claims, claim: value}, separators=(",", ":")).encode()
    encoded = base64.urlsafe_b64encode(claims).rstrip(b"=").decode("ascii")
    return f"{header}.{encoded}.{signature}"


@dataclass(frozen=True)
class JwtCheck:
    """Valid or not, and each step of the check, in plain words, in the order made."""

    valid: bool
    steps: tuple[str, ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        head = "VALID" if self.valid else "INVALID"
        return head + ": " + " ".join(self.steps)


def _uint(value: object, name: str) -> int:
    if not isinstance(value, str):
        raise JwtFormatError(f"The key's {name!r} is missing.")
    return int.from_bytes(b64url_decode(value), "big")


def public_key(jwk: Mapping[str, Any]) -> rsa.RSAPublicKey:
    """An RSA public key from its JWK members n and e (RFC 7518 Section 6.3.1)."""
    if jwk.get("kty") != "RSA":
        raise JwtFormatError(f"The key is of type {jwk.get('kty')!r}, not RSA.")
    return rsa.RSAPublicNumbers(_uint(jwk.get("e"), "e"), _uint(jwk.get("n"), "n")).public_key()


def find_key(jwks: Mapping[str, Any], kid: object) -> Mapping[str, Any] | None:
    keys = [key for key in jwks.get("keys", []) if isinstance(key, dict)]
    if kid is not None:
        return next((key for key in keys if key.get("kid") == kid), None)
    rsa_keys = [key for key in keys if key.get("kty") == "RSA"]
    return rsa_keys[0] if len(rsa_keys) == 1 else None


def check_jwt(
    token: str,
    jwks: Mapping[str, Any],
    *,
    issuer: str | None = None,
    now: float | None = None,
) -> JwtCheck:
    """Check the RS256 signature against the JWKS, then the RFC 9068 claims that matter.

    A check that fails ends the steps when nothing after it can be trusted (no
    JWT, another algorithm, no key, a bad signature); past the signature, every
    claim is checked and said.
    """
    try:
        jwt = decode_jwt(token)
    except JwtFormatError as exc:
        return JwtCheck(False, (str(exc),))
    alg = jwt.header.get("alg")
    # RFC 8725 Section 3.1: use only the algorithm expected; never "none", and never
    # HS256 with a public key as the secret.
    if alg != "RS256":
        return JwtCheck(
            False,
            (f"The header says alg={alg!r}; only RS256 is accepted, whatever the token says.",),
        )
    jwk = find_key(jwks, jwt.header.get("kid"))
    if jwk is None:
        return JwtCheck(
            False,
            (f"The server's JWKS has no key with kid={jwt.header.get('kid')!r}.",),
        )
    try:
        key = public_key(jwk)
        key.verify(jwt.signature, jwt.signing_input, padding.PKCS1v15(), hashes.SHA256())
    except JwtFormatError as exc:
        return JwtCheck(False, (str(exc),))
    except InvalidSignature:
        return JwtCheck(
            False,
            (
                "The signature does not match header and claims under the server's public "
                f"key {jwk.get('kid')!r}: the token was changed after signing, or another "
                "key signed it.",
            ),
        )
    steps = [f"The RS256 signature matches the server's public key {jwk.get('kid')!r}."]
    valid = True
    now = time.time() if now is None else now
    exp = jwt.claims.get("exp")
    if not isinstance(exp, (int, float)):
        valid = False
        steps.append("It has no exp claim, which RFC 9068 Section 2.2 requires.")
    elif exp <= now:
        valid = False
        steps.append(f"It expired at {as_date(exp)} (exp).")
    else:
        steps.append(f"It has not expired (exp {as_date(exp)}).")
    if issuer is not None:
        if jwt.claims.get("iss") != issuer:
            valid = False
            steps.append(f"iss is {jwt.claims.get('iss')!r}, not the server {issuer!r}.")
        else:
            steps.append("iss names this server.")
    typ = jwt.header.get("typ")
    if typ is not None and str(typ).lower() not in ("at+jwt", "application/at+jwt"):
        valid = False
        steps.append(f"typ is {typ!r}, not at+jwt: it is not an access token (RFC 9068 4).")
    return JwtCheck(valid, tuple(steps))
