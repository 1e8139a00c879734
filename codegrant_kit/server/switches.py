"""Lab switches: each turns off exactly one defence, to show the attack it stops.

A switch is never on by default. When one is on, the server says so everywhere:
a warning in its log, a red banner on every HTML page, and the list in its
metadata (`codegrant_kit_lab_switches`), so nobody mistakes a lab for a server.

Each switch is declared once, here: what it turns off, what that lets through,
where the defence is written down, and the item of the lab's RFC 9700 checklist
that finds it off. The lab's attacks name their switch where they are defined
(`codegrant_kit.lab`, `@attack_on("code_replay")`); the server knows nothing of them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LabSwitch:
    name: str
    defence: str  # what the switch turns off
    attack: str  # what that lets through
    sections: tuple[str, ...]  # where the defence is written down
    check: str  # the key of its item in the lab's checklist (`codegrant_kit.lab.CHECKS`)
    check_title: str  # that item, as the checklist reports it

    @property
    def source(self) -> str:
        """The sections as one citation: 'RFC 6749 4.1.2, RFC 9700 4.2.4'."""
        return ", ".join(self.sections)


SWITCHES: dict[str, LabSwitch] = {
    s.name: s
    for s in (
        LabSwitch(
            "code_replay",
            "single-use authorization codes, and revoking what a replayed code issued",
            "a stolen code redeemed a second time",
            ("RFC 6749 4.1.2", "RFC 9700 4.2.4"),
            "single_use_codes",
            "A code works once; a replay revokes its tokens",
        ),
        LabSwitch(
            "regexp_redirect_uris",
            "exact string matching of redirect URIs",
            "WSO2-style regexp= callbacks whose loose pattern sends codes to an attacker",
            ("RFC 9700 2.1", "RFC 9700 4.1"),
            "exact_redirect_uri",
            "Redirect URIs are matched exactly",
        ),
        LabSwitch(
            "open_redirect",
            "the refusal to redirect to a redirect_uri that is not registered",
            "the server used as an open redirector to an attacker's site",
            ("RFC 9700 4.11.2", "RFC 6749 4.1.2.1"),
            "no_open_redirect",
            "No redirect to an unregistered redirect URI",
        ),
        LabSwitch(
            "login_csrf",
            "the CSRF token and browser cookie on the login and consent forms",
            "login CSRF and forged consent",
            ("RFC 9700 4.7", "RFC 6749 10.12"),
            "login_csrf",
            "The login form works only in the browser that opened it",
        ),
        LabSwitch(
            "pkce_downgrade",
            "refusing a code_verifier for a code issued without a code_challenge",
            "a PKCE downgrade that lets an injected code through",
            ("RFC 9700 2.1.1", "RFC 9700 4.8.2"),
            "no_pkce_downgrade",
            "No PKCE downgrade",
        ),
        LabSwitch(
            "no_iss",
            "the iss parameter in every authorization response",
            "a mix-up between two authorization servers",
            ("RFC 9700 4.4", "RFC 9207"),
            "iss_in_response",
            "iss in the authorization response stops mix-up",
        ),
        LabSwitch(
            "referrer_leak",
            "Referrer-Policy: no-referrer on the server's pages and redirects",
            "codes and state leaking through the Referer header",
            ("RFC 9700 4.2.4",),
            "referrer_policy",
            "Referrer-Policy keeps the request out of Referer",
        ),
        LabSwitch(
            "token_in_query",
            "accepting bearer tokens only in the Authorization header",
            "access tokens in URLs, where logs and browser history keep them",
            ("RFC 9700 4.3.2", "RFC 6750 2.3"),
            "no_tokens_in_urls",
            "Access tokens are refused in URLs",
        ),
        LabSwitch(
            "no_throttle",
            "locking out a user, an address or a client after repeated failures",
            "guessing passwords and weak client secrets",
            ("RFC 6749 10.10", "RFC 9700 2.5"),
            "guessing_slowed",
            "Guessing passwords and client secrets is locked out",
        ),
        LabSwitch(
            "consent_any_scope",
            "Approve Always covering only the scopes that were approved",
            "a later request for a wider scope approved without asking",
            ("RFC 9700 2.3", "RFC 6749 3.3"),
            "consent_per_scope",
            "Approve Always does not cover a wider scope",
        ),
        LabSwitch(
            "framing",
            "frame-ancestors 'none' and X-Frame-Options: DENY on the pages",
            "clickjacking the consent page",
            ("RFC 9700 4.16", "RFC 6749 10.13"),
            "clickjacking",
            "Login and consent pages cannot be framed",
        ),
        LabSwitch(
            "no_dpop",
            "binding access tokens to the client's DPoP key (the server ignores DPoP proofs)",
            "a stolen access token replayed from another machine",
            ("RFC 9449 1", "RFC 9700 4.10.1"),
            "sender_constrained_tokens",
            "DPoP binds access tokens to the client's key",
        ),
        LabSwitch(
            "legacy_assertion_audience",
            "accepting only the issuer identifier, one string, as a client assertion's aud "
            "(the audience rule of draft-ietf-oauth-rfc7523bis, Section 4)",
            "audience injection: an assertion made for another server, with this server's "
            "token or PAR endpoint URL as aud, replayed here as the client",
            ("RFC 7523 3", "RFC 8414 2"),
            "assertion_audience_is_issuer",
            "A client assertion's aud must be the issuer",
        ),
        LabSwitch(
            "audience_unchecked",
            "each API's check that a token was issued for it (its resource, the token's aud)",
            "a token for one API replayed at another",
            ("RFC 8707 2", "RFC 9700 2.3"),
            "audience_restricted",
            "An API refuses a token issued for another API",
        ),
        LabSwitch(
            "public_client_no_pkce",
            "PKCE required of public clients, which have no secret",
            "a public client's intercepted code redeemed by whoever holds it",
            ("RFC 9700 2.1.1", "RFC 7636 1"),
            "public_client_pkce",
            "A public client must use PKCE",
        ),
        LabSwitch(
            "cors_any_origin",
            "CORS at the token endpoint only for the origins a client registered",
            "a page on any other origin reading token responses in the user's browser",
            ("RFC 6454 3",),  # the same-origin policy; draft-ietf-oauth-browser-based-apps 6.3
            "cors_registered_origins",
            "The token endpoint allows CORS only from the client's own origin",
        ),
    )
}


def check_switches(names: frozenset[str]) -> frozenset[str]:
    unknown = sorted(names - SWITCHES.keys())
    if unknown:
        raise ValueError(
            f"Unknown lab switch {unknown[0]!r}; the switches are: {', '.join(sorted(SWITCHES))}."
        )
    return names
