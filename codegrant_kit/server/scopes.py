"""Scope strings (RFC 6749 3.3)."""

from __future__ import annotations

import re

from .errors import InvalidScope

# RFC 6749 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5B\x5D-\x7E]+")

DESCRIPTIONS = {
    "PRODUCTION": "call the application's APIs with a production key",
    "SANDBOX": "call the application's APIs with a sandbox key",
    "photos:read": "see your photos",
    # OIDC Core 5.4: what each claim scope reveals, in the words of its claims
    "profile": "read your name and username (the claims name, preferred_username)",
    "openid": (
        "learn that it is you who signed in, and when: an ID token with an identifier "
        "of your account (sub) that is the same at every sign-in"
    ),
    "email": "read your email address and whether it was verified (email, email_verified)",
}
# OIDC Core 3.1.2.1: a request is OpenID Connect when its scope holds openid, so only
# the client may ask for it; email, added with it, is granted only when asked for too,
# so a request without scope is granted what it was before OpenID Connect came in.
NOT_BY_DEFAULT = ("openid", "email")


def default_scope(allowed: tuple[str, ...]) -> tuple[str, ...]:
    """What an authorization request without scope gets (RFC 6749 3.3: a default).

    >>> default_scope(("photos:read", "openid", "profile", "email"))
    ('photos:read', 'profile')
    """
    return tuple(scope for scope in allowed if scope not in NOT_BY_DEFAULT)


def parse_scope(
    raw: str | None, allowed: tuple[str, ...], default: tuple[str, ...]
) -> tuple[str, ...]:
    """The requested scopes in order, each checked against what is allowed.

    >>> parse_scope("PRODUCTION photos:read", ("PRODUCTION", "photos:read"), ())
    ('PRODUCTION', 'photos:read')
    """
    if raw is None:
        # RFC 6749 3.3: if the client omits scope, use a pre-defined default value
        return default
    scopes: list[str] = []
    for token in raw.split(" "):
        if not token:
            continue
        if not SCOPE_TOKEN.fullmatch(token):
            raise InvalidScope(f"The scope {token!r} holds characters RFC 6749 3.3 forbids.")
        if token not in allowed:
            raise InvalidScope(
                f"The scope {token!r} is not allowed for this client; it may ask for: "
                f"{' '.join(allowed) or '(nothing)'}."
            )
        if token not in scopes:
            scopes.append(token)
    if not scopes:
        raise InvalidScope("The scope parameter is empty.")
    return tuple(scopes)
