"""Profiles: OAuth 2.1 and FAPI 2.0, each turning optional defences into requirements.

    codegrant-kit serve --profile oauth2.1     start_server(profile="oauth2.1")
    codegrant-kit serve --profile fapi2        start_server(profile="fapi2")

A lab switch turns one defence off; a profile does the opposite: it turns on, for
every client, what the kit otherwise leaves to each client's choice. So a profile
and a lab switch that turns off one of its defences cannot be on together.

A profile sets its settings when the `ServerConfig` is made (`require_pkce`,
`require_pushed_authorization_requests`, a shorter `code_lifetime`) and adds two rules
read from `ServerConfig.profile_rules()`: the client authentication methods allowed
(`client_auth`, `registration`, `metadata`) and a DPoP proof on every token request
(`token_endpoint`). It never turns a setting off.

OAuth 2.1 is draft-ietf-oauth-v2-1 (still a draft); FAPI 2.0 is the OpenID Foundation's
FAPI 2.0 Security Profile (Final, February 2025), Section 5.3.2. Each `Requirement`
names the clause it comes from (item numbers as in the profile's own source text);
`left` says which clauses the kit does not enforce, and why.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Requirement:
    rule: str  # what the server then requires, in a learner's words
    source: str  # the clause it comes from


@dataclass(frozen=True)
class Profile:
    name: str  # as given to --profile
    title: str
    requirements: tuple[Requirement, ...]
    pkce: bool  # PKCE with S256 for every client (`ServerConfig.require_pkce`)
    par: bool  # authorization requests pushed first (RFC 9126 5)
    dpop: bool  # a DPoP proof on every token request (sender-constrained tokens)
    auth_methods: tuple[str, ...]  # the client authentication methods it allows
    refused_auth_methods: dict[str, str]  # the others, each with the reason
    code_lifetime: int | None  # the longest an authorization code may live, if bounded
    # lab switches that turn off a defence the profile requires
    conflicts: frozenset[str]
    left: tuple[str, ...]  # the clauses the kit does not enforce, and why

    def summary(self) -> str:
        """The one line the CLI prints and the pages show."""
        return f"PROFILE {self.name} ({self.title}) requires: " + "; ".join(
            requirement.rule for requirement in self.requirements
        )

    def as_metadata(self) -> dict[str, object]:
        """What the metadata says of it (`codegrant_kit_profile`)."""
        return {
            "name": self.name,
            "title": self.title,
            "requires": [f"{r.rule} ({r.source})" for r in self.requirements],
        }


# Lab switches both profiles forbid: each turns off a rule both require (exact redirect
# URIs, PKCE, single-use codes, no tokens in URLs), which the kit holds by default.
_EXACT_REDIRECTS = frozenset({"regexp_redirect_uris", "open_redirect"})
_BASELINE_SWITCHES = _EXACT_REDIRECTS | {
    "pkce_downgrade",
    "public_client_no_pkce",
    "token_in_query",
    "code_replay",
}

OAUTH_2_1 = Profile(
    name="oauth2.1",
    title="OAuth 2.1, draft-ietf-oauth-v2-1",
    requirements=(
        Requirement(
            "PKCE with S256 for every client, confidential ones too",
            "OAuth 2.1 4.1.1, 7.5.1",
        ),
        Requirement(
            "client_secret_basic, not client_secret_post, for a client with a secret",
            "OAuth 2.1 2.4.1: the secret in the body is NOT RECOMMENDED",
        ),
    ),
    pkce=True,
    par=False,
    dpop=False,
    auth_methods=("client_secret_basic", "private_key_jwt", "none"),
    refused_auth_methods={
        "client_secret_post": (
            "OAuth 2.1 (2.4.1) does not recommend the secret in the request body, "
            "where logs and proxies keep it; every client here can send it in an "
            "Authorization: Basic header (client_secret_basic)"
        ),
    },
    code_lifetime=None,
    conflicts=frozenset(_BASELINE_SWITCHES),
    # What OAuth 2.1 requires and the kit does always, profile or not: no implicit
    # and no password grant (neither exists here); exact redirect URI matching, loopback
    # ports aside (RFC 8252 7.3, as OAuth 2.1 allows); refresh tokens of public clients
    # rotated (refresh_token.py) or, with DPoP, bound to the key; single-use codes;
    # no access tokens in a URL. Its lab switches are in `conflicts`.
    left=(),
)

FAPI_2_0 = Profile(
    name="fapi2",
    title="FAPI 2.0 Security Profile",
    requirements=(
        Requirement("pushed authorization requests (PAR) only", "FAPI 2.0 5.3.2.2 items 2-4"),
        Requirement("PKCE with S256", "FAPI 2.0 5.3.2.2 item 5"),
        Requirement("redirect_uri in every pushed request", "FAPI 2.0 5.3.2.2 item 6"),
        Requirement(
            "sender-constrained access tokens: a DPoP proof on every token request",
            "FAPI 2.0 5.3.2.1 items 4, 5 (the kit: DPoP, not MTLS)",
        ),
        Requirement(
            "private_key_jwt client authentication; no client secrets, no public clients",
            "FAPI 2.0 5.3.2.1 item 6 (the kit: private_key_jwt, not MTLS)",
        ),
        Requirement("authorization codes that live 60 seconds at most", "FAPI 2.0 5.3.2.1 item 11"),
        Requirement("iss in the authorization response", "FAPI 2.0 5.3.2.2, RFC 9207"),
    ),
    pkce=True,
    par=True,
    dpop=True,
    auth_methods=("private_key_jwt",),
    refused_auth_methods={
        method: (
            "FAPI 2.0 (5.3.2.1) authenticates clients with private_key_jwt or MTLS only: "
            "a shared secret can be replayed by whoever reads it, a signed assertion "
            "cannot; register keys (jwks or jwks_uri) with "
            "token_endpoint_auth_method private_key_jwt"
        )
        for method in ("client_secret_basic", "client_secret_post")
    }
    | {
        "none": (
            "FAPI 2.0 (5.3.2.1) serves confidential clients only: a public client "
            "cannot authenticate; register keys with token_endpoint_auth_method "
            "private_key_jwt"
        )
    },
    code_lifetime=60,
    conflicts=frozenset(_BASELINE_SWITCHES | {"no_dpop", "no_iss"}),
    left=(
        # the kit's TLS has no client certificates: a notebook could not present one
        "MTLS (RFC 8705), for client authentication and for sender-constraining: DPoP "
        "and private_key_jwt are the kit's choices of the two the profile allows",
        # a learner's lab servers use http://127.0.0.1 callbacks, which the clause allows
        # for native apps only; the kit keeps taking http redirect URIs so that the
        # tutorials run without certificates
        "5.3.2.2 item 8, no http redirect URIs but loopback ones: not checked",
        # the kit's rotation revokes the grant when an old refresh token comes back
        # (RFC 9700 4.14.2), which this clause discourages for confidential clients
        "5.3.2.1 item 9, a retried refresh with the previous refresh token: refused, "
        "as the kit rotates refresh tokens and detects their reuse",
        "5.3.2.2 item 11, redirects with 303: the kit answers 302, never 307 (item 10)",
        "5.4 (cryptography): PS256 and EdDSA; the kit takes ES256 and RS256 keys of "
        "2048 bits or more, and never none",
    ),
)

PROFILES: dict[str, Profile] = {profile.name: profile for profile in (OAUTH_2_1, FAPI_2_0)}


def check_profile(name: str | None, lab_switches: frozenset[str]) -> Profile | None:
    """The profile of this name, or ValueError: unknown, or beside a switch it forbids.

    >>> check_profile("fapi2", frozenset()).par
    True
    >>> check_profile(None, frozenset({"no_dpop"})) is None
    True
    """
    if name is None:
        return None
    profile = PROFILES.get(name)
    if profile is None:
        raise ValueError(f"No profile is named {name!r}; the profiles are: {', '.join(PROFILES)}.")
    clashing = sorted(profile.conflicts & lab_switches)
    if clashing:
        raise ValueError(
            f"The profile {name} requires the defence that the lab switch {clashing[0]} "
            "turns off: a profile turns defences on, a lab switch turns one off. "
            "Start the server with one or the other."
        )
    return profile
