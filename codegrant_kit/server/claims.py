"""What the claim scopes reveal about the user (OIDC Core 5.1, 5.4).

    scope     claims
    profile   name, preferred_username
    email     email, email_verified

OIDC Core 5.4: the claims of these scopes "are returned from the UserInfo
Endpoint ... when a response_type value is used that results in an Access Token
being issued", which the code flow is: so this server gives them at userinfo
only, and the ID token carries who signed in and when (`id_tokens`), nothing more.

The kit's accounts have a username and a password, nothing else: the name is the
username, and the email address is made up from it (example.org, RFC 2606), so it
is never verified: email_verified is false, which tells a client not to trust it
as proof of who the user is.
"""

from __future__ import annotations

from typing import Any

# OIDC Core 5.4: the claims each scope value requests
CLAIMS_BY_SCOPE: dict[str, tuple[str, ...]] = {
    "profile": ("name", "preferred_username"),
    "email": ("email", "email_verified"),
}
EMAIL_DOMAIN = "example.org"  # RFC 2606: a domain no one receives mail for


def email_of(username: str) -> str:
    """An address for an account that has none: the username at example.org.

    >>> email_of("alice"), email_of("bob@school.example")
    ('alice@example.org', 'bob@school.example')
    """
    return username if "@" in username else f"{username}@{EMAIL_DOMAIN}"


def user_claims(username: str, scope: tuple[str, ...]) -> dict[str, Any]:
    """The claims of the granted claim scopes, as userinfo answers them (OIDC Core 5.1).

    >>> user_claims("alice", ("openid", "email"))
    {'email': 'alice@example.org', 'email_verified': False}
    """
    claims: dict[str, Any] = {}
    if "profile" in scope:
        # OIDC Core 5.1 name: full name; preferred_username: "Shorthand name by which
        # the End-User wishes to be referred to"; this server knows only the username
        claims.update(name=username, preferred_username=username)
    if "email" in scope:
        # OIDC Core 5.1 email_verified: true only if the server took steps to check it
        claims.update(email=email_of(username), email_verified=False)
    return claims
