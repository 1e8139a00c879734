"""OAuth 2.0 errors, one class per error code.

RFC 6749 4.1.2.1 (authorization response), 5.2 (token endpoint), RFC 6750 3.1
(resource access), RFC 7591 3.2.2 (registration), RFC 7009 2.2.1 (revocation),
OpenID Connect Core 1.0 3.1.2.6 (prompt=none), RFC 9449 12.2 (DPoP).

    OAuthError
    ├── InvalidRequest            400  a parameter is missing, repeated or malformed
    ├── InvalidClient             401  client authentication failed (token endpoint)
    ├── InvalidGrant              400  code or refresh token is bad, used, expired or not yours
    ├── UnauthorizedClient        400  this client may not use this grant
    ├── UnsupportedGrantType      400  grant_type unknown to the server
    ├── UnsupportedResponseType   400  response_type other than "code"
    ├── InvalidScope              400  scope unknown, or wider than allowed
    ├── AccessDenied              400  the resource owner said no
    ├── InvalidToken              401  bearer token missing, expired or revoked
    ├── InsufficientScope         403  the token lacks the scope the resource needs
    ├── LoginRequired             400  prompt=none, but the user must sign in (OIDC Core 3.1.2.6)
    ├── ConsentRequired           400  prompt=none, but the user must give consent
    ├── RequestNotSupported       400  a request object (OIDC Core 6), which is not served
    ├── RequestUriNotSupported    400  a request_uri (OIDC Core 6.2), which is not served
    ├── TooManyAttempts           429  invalid_client, after repeated failures (RFC 6749 10.10)
    ├── RateLimited               429  temporarily_unavailable: too many requests from one address
    ├── InvalidDpopProof          400  the DPoP proof is missing, malformed or not for this request
    ├── UseDpopNonce              400  the DPoP proof must carry the DPoP-Nonce (RFC 9449 8)
    ├── InvalidRedirectUri        400  registration: a redirect URI is not acceptable
    ├── InvalidClientMetadata     400  registration: other metadata is not acceptable
    └── ServerError               500  the server failed (a bug: its log says where)

`FatalAuthorizationError` is not an OAuth error code: it is raised when the
client or its redirect URI cannot be trusted, so the server must show an error
page and must never redirect (RFC 6749 4.1.2.1, first paragraph).
"""

from __future__ import annotations

import re
from typing import ClassVar

MAX_DESCRIPTION = 400  # characters: a value quoted whole once made a 20 KB Location
# RFC 6749 4.1.2.1, 5.2: error_description = 1*( %x20-21 / %x23-5B / %x5D-7E )
_NOT_ALLOWED = re.compile(r"[^\x20\x21\x23-\x5b\x5d-\x7e]")


def safe_description(text: str) -> str:
    """`text` in the characters RFC 6749 allows, at most MAX_DESCRIPTION of them.

    >>> safe_description('scope "caf\u00e9" is unknown')
    "scope 'caf?' is unknown"
    """
    text = _NOT_ALLOWED.sub("?", text.replace('"', "'"))
    if len(text) > MAX_DESCRIPTION:
        # keep the head, which names the problem, and the tail, which says what to do
        text = f"{text[: MAX_DESCRIPTION - 155]} ... {text[-150:]}"
    return text


class OAuthError(Exception):
    error: ClassVar[str] = "server_error"
    status_code: ClassVar[int] = 400

    def __init__(self, description: str) -> None:
        description = safe_description(description)
        super().__init__(description)
        self.description = description

    def as_dict(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


class InvalidRequest(OAuthError):
    error = "invalid_request"


class InvalidClient(OAuthError):
    error = "invalid_client"
    status_code = 401


class InvalidGrant(OAuthError):
    error = "invalid_grant"


class UnauthorizedClient(OAuthError):
    error = "unauthorized_client"


class UnsupportedGrantType(OAuthError):
    error = "unsupported_grant_type"


class UnsupportedResponseType(OAuthError):
    error = "unsupported_response_type"


class InvalidScope(OAuthError):
    error = "invalid_scope"


class AccessDenied(OAuthError):
    error = "access_denied"


class InvalidToken(OAuthError):
    error = "invalid_token"
    status_code = 401


class InsufficientScope(OAuthError):
    """RFC 6750 3.1: "higher privileges than provided by the access token" are needed."""

    error = "insufficient_scope"
    status_code = 403


class LoginRequired(OAuthError):
    """OIDC Core 3.1.2.6: prompt=none, and the End-User is not signed in."""

    error = "login_required"


class ConsentRequired(OAuthError):
    """OIDC Core 3.1.2.6: prompt=none, and the End-User has not given consent."""

    error = "consent_required"


class RequestNotSupported(OAuthError):
    """OIDC Core 3.1.2.6: "The OP does not support use of the request parameter"."""

    error = "request_not_supported"


class RequestUriNotSupported(OAuthError):
    """OIDC Core 3.1.2.6: "The OP does not support use of the request_uri parameter"."""

    error = "request_uri_not_supported"


class InvalidDpopProof(OAuthError):
    """RFC 9449 5, 7.1: the DPoP proof is invalid (at the API: 401, see `resource`)."""

    error = "invalid_dpop_proof"


class UseDpopNonce(OAuthError):
    """RFC 9449 8, 9: send the proof again with the nonce the DPoP-Nonce header holds."""

    error = "use_dpop_nonce"

    def __init__(self, description: str, nonce: str) -> None:
        super().__init__(description)
        self.nonce = nonce


class InvalidTarget(OAuthError):
    """RFC 8707 2: the resource is invalid, unknown, or not one this client may ask for."""

    error = "invalid_target"


class InvalidRedirectUri(OAuthError):
    error = "invalid_redirect_uri"


class InvalidClientMetadata(OAuthError):
    error = "invalid_client_metadata"


class ServerError(OAuthError):
    """RFC 6749 4.1.2.1, 5.2 server_error: "an unexpected condition"; the log has the rest."""

    error = "server_error"
    status_code = 500

    def __init__(self, description: str = "The server failed; see its log.") -> None:
        super().__init__(description)


class TooManyAttempts(OAuthError):
    """Too many failed client authentications (RFC 6749 10.10); try again later."""

    error = "invalid_client"
    status_code = 429

    def __init__(self, description: str, retry_after: int) -> None:
        super().__init__(description)
        self.retry_after = retry_after


class RateLimited(OAuthError):
    """Too many requests from one address (RFC 6585 4); Retry-After says when to come back.

    RFC 6749 4.1.2.1 names the error: "temporarily_unavailable: The authorization
    server is currently unable to handle the request due to a temporary overloading".
    """

    error = "temporarily_unavailable"
    status_code = 429

    def __init__(self, description: str, retry_after: int) -> None:
        super().__init__(description)
        self.retry_after = retry_after


class FatalAuthorizationError(Exception):
    """The client_id or redirect_uri is bad: answer with a page, never a redirect."""

    def __init__(self, title: str, description: str) -> None:
        super().__init__(description)
        self.title = title
        self.description = description


class UnregisteredRedirectUri(FatalAuthorizationError):
    """The redirect_uri is not one the client registered."""

    def __init__(self, title: str, description: str, redirect_uri: str) -> None:
        super().__init__(title, description)
        self.redirect_uri = redirect_uri
