"""What every grant type shares: a registry, and the tokens it issues (RFC 6749 4, 5.1).

A grant type is a class with `grant_type` (the value of the token request's
grant_type parameter) and `handle(params, client)`, registered with
`@register_grant`. The token endpoint dispatches on the registry, registration
accepts the grant types in it, and the metadata lists them: one place each.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeVar

from ..config import ServerConfig
from ..errors import InvalidGrant, UnauthorizedClient
from ..id_tokens import IdTokens
from ..jwt_access_tokens import JwtSigner, access_token_claims
from ..params import Params
from ..records import Client, Token
from ..services import Services
from ..store import Store

TOKEN_BYTES = 32
# A grant's memory is bounded however often it is refreshed. Live tokens: issuing one
# more retires the oldest (RFC 6749 does not ask that old access tokens survive a
# refresh).
MAX_GRANT_TOKENS = 10

Encoder = Callable[[str, float, float], str]  # (jti, iat, exp) -> the access token


class Signer(Protocol):
    """What signs a JWT: a `JwtSigner`, or the server's `SigningKeys`."""

    def sign(self, claims: dict[str, Any], typ: str = ...) -> str: ...


@dataclass(frozen=True)
class TokenResponse:
    """RFC 6749 5.1: what a successful token request gets back."""

    access: Token
    refresh: Token | None = None
    id_token: str | None = None  # OIDC Core 3.1.3.3: when the scope holds openid

    def body(self) -> dict[str, object]:
        body: dict[str, object] = {
            "access_token": self.access.value,
            # RFC 9449 5: a token bound to a DPoP key is of type DPoP
            "token_type": "Bearer" if self.access.jkt is None else "DPoP",
            "expires_in": round(self.access.expires_at - self.access.issued_at),
        }
        if self.refresh is not None:
            body["refresh_token"] = self.refresh.value
        body["scope"] = " ".join(self.access.scope)
        if self.id_token is not None:
            body["id_token"] = self.id_token
        return body


class Grant(ABC):
    """One grant type of the token endpoint."""

    grant_type: ClassVar[str]

    def __init__(
        self,
        config: ServerConfig,
        store: Store,
        services: Services,
        signer: JwtSigner | Signer | None = None,
        id_tokens: IdTokens | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.services = services
        self.signer = signer  # None: opaque access tokens
        self.id_tokens = id_tokens  # None: no ID tokens (a grant used on its own)
        # RFC 9449 5: the thumbprint of this request's DPoP key, which the token endpoint
        # set after checking the proof (`dpop`); None: no DPoP, tokens are bearer tokens
        self.dpop_jkt: str | None = None

    @abstractmethod
    def handle(self, params: Params, client: Client) -> TokenResponse:
        """The token response for this request from this (authenticated) client, which the
        token endpoint has already found allowed this grant (`check_client_allowed`)."""

    def check_client_allowed(self, client: Client) -> None:
        # RFC 6749 5.2 unauthorized_client: not authorized to use this grant type
        if self.grant_type not in client.grant_types:
            raise UnauthorizedClient(
                f"This application is not allowed the {self.grant_type} grant; it registered "
                f"{', '.join(client.grant_types)}."
            )

    def encoder(
        self,
        client_id: str,
        username: str,
        scope: tuple[str, ...],
        resource: str | None = None,
        jkt: str | None = None,
    ) -> Encoder | None:
        """How the access token is written: opaque, or a signed JWT (RFC 9068).

        Its `aud` is the resource it is for (RFC 8707 2, RFC 9068 3), else every API;
        its `cnf.jkt` the DPoP key it is bound to (RFC 9449 6.1), if any.
        """
        signer = self.signer
        if signer is None:
            return None
        config = self.config

        def encode(jti: str, issued_at: float, expires_at: float) -> str:
            return signer.sign(
                access_token_claims(
                    issuer=config.issuer,
                    audience=resource or config.issuer + "/api",
                    username=username,
                    client_id=client_id,
                    scope=scope,
                    issued_at=issued_at,
                    expires_at=expires_at,
                    jti=jti,
                    jkt=jkt,
                )
            )

        return encode

    def issue(
        self,
        client: Client,
        username: str,
        scope: tuple[str, ...],
        grant_id: str,
        refresh_scope: tuple[str, ...] | None,
        *,
        auth_time: float | None = None,
        nonce: str | None = None,
        resource: str | None = None,
        granted_resource: str | None = None,
    ) -> TokenResponse:
        """The tokens, and an ID token when the scope holds openid (OIDC Core 3.1.3.3).

        `auth_time` is when the user signed in, `nonce` the authorization request's. A
        grant without a sign-in (client credentials) passes no auth_time: an ID token
        says who signed in and when, and there is nobody to name.
        """
        # RFC 9449 5: "Refresh tokens issued to confidential clients are not bound to the
        # DPoP proof public key because they are already sender-constrained"; a public
        # client's (token_endpoint_auth_method none) MUST be bound to it
        public = client.token_endpoint_auth_method == "none"
        access, refresh = issue_tokens(
            self.store,
            client_id=client.client_id,
            username=username,
            scope=scope,
            grant_id=grant_id,
            refresh_scope=refresh_scope,
            encode_access=self.encoder(client.client_id, username, scope, resource, self.dpop_jkt),
            auth_time=auth_time,
            jkt=self.dpop_jkt,
            refresh_jkt=self.dpop_jkt if public else None,
            resource=resource,
            granted_resource=granted_resource,
        )
        id_token = None
        # OIDC Core 3.1.2.1: "If the openid scope value is not present, the behavior is
        # entirely unspecified": this server then answers plain OAuth, without ID token
        if "openid" in scope and auth_time is not None and self.id_tokens is not None:
            id_token = self.id_tokens.issue(
                client_id=client.client_id,
                username=username,
                access_token=access.value,
                issued_at=access.issued_at,
                auth_time=auth_time,
                nonce=nonce,
            )
        return TokenResponse(access, refresh, id_token)


def issue_tokens(
    store: Store,
    *,
    client_id: str,
    username: str,
    scope: tuple[str, ...],
    grant_id: str,
    refresh_scope: tuple[str, ...] | None,
    encode_access: Encoder | None = None,
    auth_time: float | None = None,
    jkt: str | None = None,
    refresh_jkt: str | None = None,
    resource: str | None = None,
    granted_resource: str | None = None,
) -> tuple[Token, Token | None]:
    """An access token, and a refresh token unless refresh_scope is None.

    `jkt` and `refresh_jkt`: the DPoP key each is bound to (RFC 9449 5), if any.

    `encode_access(jti, iat, exp)` turns the random value into the token's
    final form (a signed JWT); without it the token is the random value.
    `resource` is the access token's audience, `granted_resource` the refresh
    token's: what the authorization request named (RFC 8707 2.2).
    """
    config = store.config
    now = store.now()
    expires_at = now + config.access_token_lifetime
    value = config.randomness.token(TOKEN_BYTES)
    if encode_access is not None:
        value = encode_access(value, now, expires_at)
    access = Token(
        value,
        "access_token",
        client_id,
        username,
        scope,
        now,
        expires_at,
        grant_id,
        auth_time,
        jkt,
        resource,  # RFC 8707 2: its audience
    )
    refresh = None
    if refresh_scope is not None:
        refresh = Token(
            config.randomness.token(TOKEN_BYTES),
            "refresh_token",
            client_id,
            username,
            refresh_scope,
            now,
            now + config.refresh_token_lifetime,
            grant_id,
            auth_time,
            refresh_jkt,
            granted_resource,  # RFC 8707 2.2: the grant's; a refresh may narrow it to one API
        )
    with store.lock:
        if not store.add_tokens(grant_id, [t for t in (access, refresh) if t is not None]):
            raise InvalidGrant("The grant was revoked while these tokens were made.")
        live, _ = store.grant_tokens(grant_id)
        # the grant keeps MAX_GRANT_TOKENS live tokens: the oldest beyond are retired
        store.forget_tokens(grant_id, live[: max(0, len(live) - MAX_GRANT_TOKENS)])
    return access, refresh


GRANTS: dict[str, type[Grant]] = {}
G = TypeVar("G", bound=type[Grant])


def register_grant(cls: G) -> G:
    """Add a grant type to the server (a class decorator); the last one for a name wins."""
    GRANTS[cls.grant_type] = cls
    return cls
