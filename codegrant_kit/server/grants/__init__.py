"""The grant types of the token endpoint, one module each, in one registry (`GRANTS`).

    authorization_code   RFC 6749 4.1.3; RFC 7636 4.5, 4.6; code replay (4.1.2)
    refresh_token        RFC 6749 6; rotation and reuse detection (RFC 9700 4.14.2)

A new grant type is a `Grant` subclass decorated with `@register_grant`: the token
endpoint, registration and the metadata then know it (README: Extending).
"""

from __future__ import annotations

from .authorization_code import AuthorizationCodeGrant, redeem_code
from .base import GRANTS, MAX_GRANT_TOKENS, Grant, TokenResponse, issue_tokens, register_grant
from .refresh_token import MAX_ROTATED_REFRESH_TOKENS, RefreshTokenGrant, rotate_refresh_token

__all__ = [
    "GRANTS",
    "MAX_GRANT_TOKENS",
    "MAX_ROTATED_REFRESH_TOKENS",
    "AuthorizationCodeGrant",
    "Grant",
    "RefreshTokenGrant",
    "TokenResponse",
    "issue_tokens",
    "redeem_code",
    "register_grant",
    "rotate_refresh_token",
]
