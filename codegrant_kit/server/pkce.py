"""Proof Key for Code Exchange, the server's side (RFC 7636 4.4-4.6)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

# RFC 7636 4.1: code-verifier = 43*128unreserved
VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
# RFC 7636 4.2: BASE64URL(SHA256(ASCII(code_verifier))) is 43 characters, no padding
S256_CHALLENGE = re.compile(r"[A-Za-z0-9\-_]{43}")


def s256(verifier: str) -> str:
    """The S256 challenge of a verifier (RFC 7636 4.2).

    >>> s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
    'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
    """
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def is_valid_verifier(verifier: str) -> bool:
    return VERIFIER.fullmatch(verifier) is not None


def is_valid_challenge(challenge: str) -> bool:
    return S256_CHALLENGE.fullmatch(challenge) is not None


def verify(verifier: str, challenge: str) -> bool:
    # RFC 7636 4.6: compare BASE64URL-ENCODE(SHA256(ASCII(code_verifier))) == code_challenge
    return hmac.compare_digest(s256(verifier), challenge)
