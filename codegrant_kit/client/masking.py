"""Which values of an exchange are credentials, and how they are hidden for display.

A credential keeps its first four characters so that a learner can still tell one
from another; a password is hidden completely. Form bodies, queries, JSON bodies
and the Authorization, Cookie and Set-Cookie header fields are masked in place,
their encoding and layout kept as they are.
"""

from __future__ import annotations

import re

# Fields whose values are credentials; passwords are hidden completely.
SECRET_FIELDS = frozenset(
    {
        "password",
        "client_secret",
        "code",
        "code_verifier",
        "access_token",
        "refresh_token",
        "id_token",
        "token",
        "registration_access_token",
    }
)
_FULLY_HIDDEN = frozenset({"password"})
_SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie"})


def mask_value(value: str, *, name: str = "") -> str:
    """Keep the first four characters of a credential so it can still be recognised.

    >>> mask_value("SplxlOBeZQQYbYS6WxSbIA"), mask_value("admin", name="password")
    ('Splx…', '********')
    """
    if name in _FULLY_HIDDEN or len(value) <= 8:
        return "********"
    return value[:4] + "…"


def mask_pairs(text: str) -> str:
    """Mask the secret fields of an ``a=1&b=2`` string, keeping its encoding as it is.

    >>> mask_pairs("grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA")
    'grant_type=authorization_code&code=Splx…'
    """
    parts = []
    for pair in text.split("&"):
        name, sep, value = pair.partition("=")
        if sep and name in SECRET_FIELDS and value:
            value = mask_value(value, name=name)
        parts.append(f"{name}{sep}{value}")
    return "&".join(parts)


def mask_json(text: str) -> str:
    """Mask string values of secret keys in JSON text, keeping its layout.

    >>> mask_json('{"access_token": "2YotnFZFEjr1zCsicMWpAA", "expires_in": 3600}')
    '{"access_token": "2Yot…", "expires_in": 3600}'
    """

    def replace(match: re.Match[str]) -> str:
        return f'{match.group(1)}"{mask_value(match.group(3), name=match.group(2))}"'

    pattern = r'("(' + "|".join(sorted(SECRET_FIELDS)) + r')"\s*:\s*)"((?:[^"\\]|\\.)*)"'
    return re.sub(pattern, replace, text)


def mask_header(name: str, value: str) -> str:
    """A header field's value with its credentials masked; other fields unchanged."""
    if name.lower() not in _SECRET_HEADERS:
        return value
    if name.lower() == "authorization":
        scheme, _, credentials = value.partition(" ")
        return f"{scheme} {mask_value(credentials)}" if credentials else mask_value(value)
    # Cookie and Set-Cookie: hide each value, keep names and attributes.
    return re.sub(r"(^|;\s*)([^=;\s]+)=([^;]*)", lambda m: f"{m[1]}{m[2]}=****", value, count=1)


def mask_url(target: str) -> str:
    """A URL or request target whose query has its secret fields masked."""
    base, sep, query = target.partition("?")
    return base + sep + mask_pairs(query) if sep else target
