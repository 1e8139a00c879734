"""What the server remembers, as plain records (RFC 6749 1.3.1, 1.4, 1.5, 2.2; RFC 7591 3.2.1).

Each is a dataclass with wire names for fields. The `Store` keeps them in
memory and a `backend` writes them through; neither adds rules to them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

TokenKind = Literal["access_token", "refresh_token"]


@dataclass(frozen=True, slots=True)
class Client:
    client_id: str
    client_secret: str
    client_name: str
    redirect_uris: tuple[str, ...]
    grant_types: tuple[str, ...]
    response_types: tuple[str, ...]
    token_endpoint_auth_method: str
    scope: tuple[str, ...]
    client_id_issued_at: int
    # private_key_jwt (RFC 7591 2): the client's public keys, a JWK Set as JSON text, or
    # where to fetch them
    jwks: str | None = None
    jwks_uri: str | None = None
    # RFC 9126 6: this client's authorization requests must be pushed first
    require_pushed_authorization_requests: bool = False

    @property
    def is_public(self) -> bool:
        """A public client (RFC 6749 2.1): it registered token_endpoint_auth_method "none".

        It has no secret (client_secret is ""), sends only its client_id at the token
        endpoint (RFC 6749 3.2.1), and must use PKCE (RFC 9700 2.1.1). A browser app or
        a native app is one; DPoP binds its refresh tokens to a key instead of a secret.
        """
        return self.token_endpoint_auth_method == "none"

    def metadata(self) -> dict[str, Any]:
        """The client information response of RFC 7591 3.2.1 (no secret for a public client)."""
        secret: dict[str, Any] = {}
        if not self.is_public:
            # RFC 7591 3.2.1: client_secret_expires_at REQUIRED with a secret; 0: never
            secret = {"client_secret": self.client_secret, "client_secret_expires_at": 0}
        return {
            "client_id": self.client_id,
            **secret,
            "client_id_issued_at": self.client_id_issued_at,
            "client_name": self.client_name,
            "redirect_uris": list(self.redirect_uris),
            "grant_types": list(self.grant_types),
            "response_types": list(self.response_types),
            "token_endpoint_auth_method": self.token_endpoint_auth_method,
            "scope": " ".join(self.scope),
            **({"jwks": json.loads(self.jwks)} if self.jwks else {}),
            **({"jwks_uri": self.jwks_uri} if self.jwks_uri else {}),
            # RFC 9126 6: false when left out, so said only when true
            **(
                {"require_pushed_authorization_requests": True}
                if self.require_pushed_authorization_requests
                else {}
            ),
        }


@dataclass(frozen=True, slots=True)
class User:
    username: str
    password_hash: str = field(repr=False)


@dataclass(slots=True)
class PendingAuthorization:
    """One authorization request between the login page and the redirect."""

    id: str
    csrf_token: str = field(repr=False)
    browser: str = field(repr=False)  # the cookie that ties the forms to one browser
    address: str  # where the request came from, for max_pending_per_address
    client_id: str
    redirect_uri: str
    redirect_uri_given: bool
    scope: tuple[str, ...]
    state: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    expires_at: float
    username: str | None = None
    failed_logins: int = 0
    # OIDC Core 3.1.2.1: the request's nonce, prompt and max_age
    nonce: str | None = None
    prompt: str | None = None
    max_age: int | None = None
    auth_time: float | None = None  # when the user signed in (OIDC Core 2 auth_time)
    dpop_jkt: str | None = None  # RFC 9449 10: the code is for this DPoP key only
    resource: str | None = None  # RFC 8707 2: the API the token is for; None: every API


@dataclass(frozen=True, slots=True)
class AuthorizationCode:
    code: str
    client_id: str
    username: str
    redirect_uri: str | None  # None when the request left it out (RFC 6749 4.1.3)
    scope: tuple[str, ...]
    code_challenge: str | None
    code_challenge_method: str | None
    issued_at: float
    expires_at: float
    grant_id: str
    nonce: str | None = None  # OIDC Core 3.1.2.1: bound to the code, for the ID token
    auth_time: float | None = None  # when the user signed in (OIDC Core 2)
    dpop_jkt: str | None = None  # RFC 9449 10: redeemable only with a proof of this key
    resource: str | None = None  # RFC 8707 2: the API the authorization request named


@dataclass(frozen=True, slots=True)
class Token:
    value: str
    kind: TokenKind
    client_id: str
    username: str
    scope: tuple[str, ...]
    issued_at: float
    expires_at: float
    grant_id: str
    auth_time: float | None = None  # of the sign-in it comes from: refreshed ID tokens keep it
    jkt: str | None = None  # RFC 9449 6: bound to the DPoP key of this thumbprint (RFC 7638)
    # RFC 8707 2: the API (resource identifier) it is for, its audience; None: every API
    resource: str | None = None


@dataclass(frozen=True, slots=True)
class Consent:
    username: str
    client_id: str
    scope: frozenset[str]
    granted_at: float


@dataclass(slots=True)
class IssuedGrant:
    """Everything issued from one authorization code, revoked together."""

    # dicts used as ordered sets, oldest first: O(1) to add and remove, never rebuilt;
    # holding only strings, the cycle collector does not track them
    tokens: dict[str, None] = field(default_factory=dict)  # live tokens
    rotated: dict[str, None] = field(default_factory=dict)  # refresh tokens exchanged
    revoked: bool = False
    expires_at: float = 0.0
    queued: bool = False  # has an entry in the purge heap (one at most)
