"""The ID token: who signed in, for which client, when (OpenID Connect Core 1.0 2, 3.1.3).

A code flow whose scope holds `openid` gets an `id_token` beside the access token
(OIDC Core 3.1.3.3). It is a JWS (RS256, with the `kid` of a key at `jwks_uri`):

    header  {"alg": "RS256", "typ": "JWT", "kid": "..."}
    claims  {"iss": the issuer, "sub": the user (`subjects`), "aud": the client_id,
             "exp", "iat", "auth_time": when the user signed in,
             "nonce": the authorization request's, if it sent one,
             "at_hash": half of SHA-256 of the access token}

The access token is for the API; the ID token is for the client alone (its `aud`),
to learn who signed in. The claims of `profile` and `email` come from userinfo
(`claims`, OIDC Core 5.4), not from here.

After a refresh (OIDC Core 12.2) the response carries a new ID token: the same
iss, sub, aud and auth_time, a new iat and exp and at_hash, and no nonce ("it
SHOULD NOT have a nonce Claim Value").
"""

from __future__ import annotations

import hashlib
from typing import Any

from .config import ServerConfig
from .jwt_access_tokens import b64url
from .signing_keys import SigningKeys
from .subjects import Subjects

ALGORITHMS = ("RS256",)  # OIDC Core 15.1: an OP MUST support RS256
# the claims an ID token of this server may carry, for claims_supported (Discovery 3)
ID_TOKEN_CLAIMS = ("iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash")


def at_hash(access_token: str) -> str:
    """OIDC Core 3.1.3.6: "the base64url encoding of the left-most half of the hash of
    the octets of the ASCII representation of the access_token value", the hash being
    the one of the ID token's alg (SHA-256 for RS256).

    >>> at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNQs")  # 16 of SHA-256's 32 bytes: 22 characters
    'ZbpixJGcK_9iI2hxYdi-sQ'
    """
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return b64url(digest[: len(digest) // 2])


def id_token_claims(
    *,
    issuer: str,
    sub: str,
    client_id: str,
    issued_at: float,
    expires_at: float,
    auth_time: float,
    access_token: str,
    nonce: str | None,
) -> dict[str, Any]:
    # OIDC Core 2: iss, sub, aud, exp, iat REQUIRED; auth_time; nonce if the request had one
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": sub,
        "aud": client_id,
        "exp": int(expires_at),
        "iat": int(issued_at),
        "auth_time": int(auth_time),
    }
    # OIDC Core 3.1.2.1: the nonce "is passed through unmodified ... to the ID Token"
    if nonce is not None:
        claims["nonce"] = nonce
    claims["at_hash"] = at_hash(access_token)
    return claims


class IdTokens:
    """Signs ID tokens with the server's keys; knows each user's sub."""

    def __init__(self, config: ServerConfig, keys: SigningKeys, subjects: Subjects) -> None:
        self.config = config
        self.keys = keys
        self.subjects = subjects

    def issue(
        self,
        *,
        client_id: str,
        username: str,
        access_token: str,
        issued_at: float,
        auth_time: float,
        nonce: str | None,
    ) -> str:
        claims = id_token_claims(
            issuer=self.config.issuer,
            sub=self.subjects.sub(username),
            client_id=client_id,
            issued_at=issued_at,
            # as long as the access token it comes with (WSO2 IS: 3600 s for both)
            expires_at=issued_at + self.config.access_token_lifetime,
            auth_time=auth_time,
            access_token=access_token,
            nonce=nonce,
        )
        # RFC 7519 5.1: typ "JWT"
        return self.keys.sign(claims, typ="JWT")
