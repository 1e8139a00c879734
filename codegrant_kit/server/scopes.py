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
    "profile": "read your name",
}


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
