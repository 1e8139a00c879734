"""The refresh token grant (RFC 6749 6; RFC 9700 4.14.2: rotation and reuse detection)."""

from __future__ import annotations

from collections.abc import Callable

from ..errors import InvalidGrant
from ..params import Params
from ..records import Client, Token
from ..resource_indicators import narrowed_resource
from ..scopes import parse_scope
from ..store import Store
from .base import Grant, TokenResponse, register_grant

# Rotated refresh tokens are kept to detect their reuse (RFC 9700 4.14.2), at most this
# many a grant: the oldest is forgotten, and presenting it again gets invalid_grant,
# not the grant revoked.
MAX_ROTATED_REFRESH_TOKENS = 20


def rotate_refresh_token(
    store: Store, value: str, client_id: str, check: Callable[[Token], object]
) -> Token:
    """Retire a refresh token for a new one (RFC 9700 4.14.2: rotation)."""
    with store.lock:
        token, rotated = store.find_refresh_token(value)
        if rotated:
            assert token is not None
            # RFC 9700 4.14.2: presenting a retired refresh token again means it
            # leaked: the whole grant is revoked
            if token.client_id == client_id:
                store.revoke_grant(token.grant_id)
                raise InvalidGrant(
                    "This refresh token was already exchanged for a new one. Using it "
                    "again looks like theft, so every token of this grant is now revoked "
                    "(RFC 9700 4.14.2)."
                )
            token = None
        if token is None:
            raise InvalidGrant("The refresh token is unknown, expired or revoked.")
        if token.client_id != client_id:
            raise InvalidGrant("This refresh token was issued to another client.")
        if token.expires_at <= store.now():
            raise InvalidGrant("The refresh token has expired.")
        check(token)
        store.retire_refresh_token(token)
        _, retired = store.grant_tokens(token.grant_id)
        store.forget_tokens(
            token.grant_id, retired[: max(0, len(retired) - MAX_ROTATED_REFRESH_TOKENS)]
        )
        return token


@register_grant
class RefreshTokenGrant(Grant):
    grant_type = "refresh_token"

    def handle(self, params: Params, client: Client) -> TokenResponse:
        # REQUIRED. The refresh token issued to the client.
        value = params.require("refresh_token")

        def narrowed(old: Token) -> tuple[str, ...]:
            # RFC 9449 5: a refresh token bound to a DPoP key needs a proof of that key
            if old.jkt is not None and old.jkt != self.dpop_jkt:
                raise InvalidGrant(
                    "This refresh token is bound to a DPoP key: send a DPoP proof signed by "
                    "the key it was issued with (RFC 9449 5)."
                )
            # RFC 6749 6: the scope MUST NOT include any scope not originally granted
            return parse_scope(params.get("scope"), old.scope, old.scope)

        def check(old: Token) -> None:
            narrowed(old)
            # RFC 8707 2.2: a refresh request may name one resource of the grant, no other
            resources.append(narrowed_resource(self.config, params, old.resource))

        resources: list[str | None] = []
        old = rotate_refresh_token(self.store, value, client.client_id, check=check)
        # RFC 6749 6: a new refresh token keeps the scope of the one it replaces.
        # OIDC Core 12.2: with openid still in the scope, a new ID token of the same
        # sign-in (its auth_time) and no nonce
        return self.issue(
            client,
            old.username,
            narrowed(old),
            old.grant_id,
            old.scope,
            auth_time=old.auth_time,
            resource=resources[0],
            granted_resource=old.resource,
        )
