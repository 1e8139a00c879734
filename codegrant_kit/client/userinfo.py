"""The UserInfo endpoint: OpenID Connect Core 1.0 Section 5.3.

With the access token of an ``openid`` flow, the client asks who the user is:
``GET /userinfo`` (or ``POST``) with ``Authorization: Bearer ...`` (Core 5.3.1,
RFC 6750 2.1). The answer is a JSON object of claims about the user (Core 5.1);
its ``sub`` MUST be exactly the ID token's, or none of it may be used (Core 5.3.2):
the access token could be another user's, swapped in.

>>> print(userinfo_request("https://op.example/userinfo", "SlAV32hkKG").headers["authorization"])
Bearer SlAV32hkKG
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from ._http import Verify, json_object, send
from .discovery import Endpoints
from .errors import (
    InvalidUserinfoResponse,
    OAuthResponseError,
    StepOutOfOrder,
    UserinfoSubjectMismatch,
)
from .explain import ParameterNote, notes

# OpenID Connect Core 5.1: the standard claims a learner meets first, and their scopes (5.4)
_CLAIMS: dict[str, tuple[str, str]] = {
    "sub": ("the user's identifier at this issuer; the same as the ID token's", "Core 5.3.2"),
    "name": ("the user's full name (scope profile)", "OpenID Connect Core 5.1, 5.4"),
    "preferred_username": ("the name the user goes by (scope profile)", "Core 5.1, 5.4"),
    "given_name": ("first name (scope profile)", "OpenID Connect Core 5.1, 5.4"),
    "family_name": ("surname (scope profile)", "OpenID Connect Core 5.1, 5.4"),
    "email": ("the user's e-mail address (scope email)", "OpenID Connect Core 5.1, 5.4"),
    "email_verified": (
        "whether the issuer checked that the address is the user's (scope email)",
        "OpenID Connect Core 5.1, 5.4",
    ),
}


@dataclass(frozen=True)
class UserInfo:
    """The claims the userinfo endpoint answered, their ``sub`` checked."""

    sub: str
    claims: Mapping[str, Any] = field(default_factory=dict)

    def explain(self) -> list[ParameterNote]:
        return notes(self.claims.items(), _CLAIMS, "a claim of this issuer")


def userinfo_request(
    url: str, access_token: str, *, method: Literal["GET", "POST"] = "GET"
) -> httpx.Request:
    """The userinfo request, built but not sent (Core 5.3.1)."""
    headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
    if method == "POST":
        # Core 5.3.1: POST is allowed; the token still travels in the header (RFC 6750 2.1)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return httpx.Request("POST", url, headers=headers, content=b"")
    return httpx.Request("GET", url, headers=headers)


def read_userinfo(response: httpx.Response, *, expected_sub: str | None) -> UserInfo:
    """Read a userinfo answer; raise if it is an error, not JSON, or about another user."""
    if response.status_code != 200:
        # Core 5.3.3: errors as in RFC 6750 3.1, in WWW-Authenticate
        raise OAuthResponseError.from_response(response, where="resource")
    if response.headers.get("content-type", "").startswith("application/jwt"):
        raise InvalidUserinfoResponse(
            "The userinfo answer is a signed or encrypted JWT (Core 5.3.2), which this client "
            "registered for nowhere and the kit does not read: ask for plain JSON."
        )
    body = json_object(response)
    if body is None:
        raise InvalidUserinfoResponse("The userinfo answer is not a JSON object (Core 5.3.2).")
    sub = body.get("sub")
    # Core 5.3.2: the sub (subject) Claim MUST always be returned in the UserInfo Response
    if not isinstance(sub, str) or not sub:
        raise InvalidUserinfoResponse("The userinfo answer has no sub, which Core 5.3.2 requires.")
    # Core 5.3.2: the sub Claim MUST be verified to exactly match the ID Token's
    if expected_sub is not None and sub != expected_sub:
        raise UserinfoSubjectMismatch(expected_sub, sub)
    return UserInfo(sub=sub, claims=body)


def fetch_userinfo(
    endpoints: Endpoints | str,
    access_token: str,
    *,
    expected_sub: str | None,
    method: Literal["GET", "POST"] = "GET",
    http: httpx.Client | None = None,
    verify: Verify = True,
) -> UserInfo:
    """Ask the userinfo endpoint who the user is, and check its sub against the ID
    token's (``expected_sub``; None only to look without trusting the answer)."""
    url = endpoints if isinstance(endpoints, str) else endpoints.userinfo_endpoint
    if url is None:
        raise StepOutOfOrder(
            "The server's metadata lists no userinfo_endpoint: it is not an OpenID Provider, "
            "or it was discovered without openid (Discovery 1.0 Section 3)."
        )
    request = userinfo_request(url, access_token, method=method)
    return read_userinfo(send(request, http, verify), expected_sub=expected_sub)
