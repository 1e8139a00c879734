"""Every OAuth error code in plain words: what it means, its likely cause, the fix.

The codes come from four places, and one code can mean different things in each:

- the authorization response, RFC 6749 Section 4.1.2.1 (sent back in the redirect);
- the token endpoint, RFC 6749 Section 5.2 (a JSON body, status 400 or 401);
- a protected resource, RFC 6750 Section 3.1 (the ``WWW-Authenticate`` header);
- dynamic registration, RFC 7591 Section 3.2.2, and revocation, RFC 7009
  Section 2.2.1.

>>> explain_error("invalid_grant").section
'RFC 6749 Section 5.2'

The server's ``error_description`` sharpens the guess at the cause: a description
that mentions the verifier points at PKCE rather than at a replayed code. A
description that lists several causes ("unknown, expired or revoked") proves none
of them, so the explanation lists them all; what the flow itself did (module
``history``) then says which one happened.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Literal, NamedTuple

Where = Literal["authorization", "token", "resource", "registration", "revocation"]


class ParameterNote(NamedTuple):
    """One row of an explanation table: a parameter, its value, what it is for."""

    parameter: str
    value: str
    purpose: str
    section: str


def notes(
    pairs: Iterable[tuple[str, object]],
    purposes: Mapping[str, tuple[str, str]],
    unknown: str,
) -> list[ParameterNote]:
    """A note for each (name, value): what ``purposes`` says of the name, else ``unknown``.

    >>> notes([("state", "xyz"), ("x", 1)], {"state": ("against CSRF", "RFC 6749 10.12")}, "?")
    ... # doctest: +NORMALIZE_WHITESPACE
    [ParameterNote(parameter='state', value='xyz', purpose='against CSRF',
                   section='RFC 6749 10.12'),
     ParameterNote(parameter='x', value='1', purpose='?', section='')]
    """
    return [
        ParameterNote(name, str(value), *purposes.get(name, (unknown, ""))) for name, value in pairs
    ]


@dataclass(frozen=True)
class Explanation:
    """An error code explained for a learner."""

    error: str
    where: str
    section: str
    meaning: str
    likely_cause: str
    fix: str
    description: str | None = None
    known: bool = True

    def __str__(self) -> str:
        lines = [f"{self.error} ({self.section}, {self.where})"]
        if self.description:
            lines.append(f'The server says: "{self.description}"')
        lines.append(f"What it means: {self.meaning}")
        lines.append(f"Likely cause: {self.likely_cause}")
        lines.append(f"Fix: {self.fix}")
        return "\n".join(lines)


_PLACES: dict[Where, tuple[str, str]] = {
    "authorization": ("authorization response", "RFC 6749 Section 4.1.2.1"),
    "token": ("token endpoint", "RFC 6749 Section 5.2"),
    "resource": ("protected resource", "RFC 6750 Section 3.1"),
    "registration": ("client registration", "RFC 7591 Section 3.2.2"),
    "revocation": ("token revocation", "RFC 7009 Section 2.2.1"),
}

# the place a place name stands for, e.g. "token endpoint" -> "token"
PLACE_OF: dict[str, Where] = {name: place for place, (name, _) in _PLACES.items()}

# (meaning, likely cause, fix) for each code, per place it can come from.
_TABLE: dict[Where, dict[str, tuple[str, str, str]]] = {
    "authorization": {
        "invalid_request": (
            "The authorization request is missing a required parameter, has an invalid "
            "value, repeats a parameter, or is otherwise malformed.",
            "A parameter such as response_type or client_id is missing, a parameter "
            "appears twice (RFC 6749 Section 3.1 forbids it), or code_challenge_method "
            "is not one the server supports.",
            "Build the URL with AuthorizationRequest so each parameter is sent once, "
            "and use code_challenge_method=S256.",
        ),
        "unauthorized_client": (
            "This client may not ask for an authorization code this way.",
            "The application was registered without the authorization_code grant "
            "(in WSO2's Developer Portal: the Code checkbox was not ticked).",
            "Enable the Code grant for the application, then start again.",
        ),
        "access_denied": (
            "The resource owner, or the server's policy, refused the request.",
            "The user clicked Deny on the consent page, or, if nobody did, the server's "
            "policy refused: a request that asked for no scope often leaves it nothing to "
            "grant.",
            "If the user clicked Deny, nothing is wrong with the client: ask again, or carry "
            "on without access. If nobody did, ask for a scope from the server's "
            "scopes_supported.",
        ),
        "unsupported_response_type": (
            "The server does not issue authorization codes for this response_type.",
            "response_type is not 'code' (a typo, or 'token' from the implicit grant).",
            "Send response_type=code.",
        ),
        "invalid_scope": (
            "The requested scope is invalid, unknown, or malformed.",
            "The scope is not one the server or the application knows (for example "
            "PRODUCTION on a server that has no such scope).",
            "Ask only for scopes listed in the server's scopes_supported or registered "
            "for the application.",
        ),
        "server_error": (
            "The server hit an unexpected condition (a 500 cannot be redirected, so it "
            "sends this code instead).",
            "A bug or misconfiguration on the server side.",
            "Read the server's log; try again later.",
        ),
        "temporarily_unavailable": (
            "The server is overloaded or down for maintenance.",
            "Too much load, or the server is restarting.",
            "Try again later.",
        ),
    },
    "token": {
        "invalid_request": (
            "The token request is missing a required parameter, has an unsupported "
            "value, repeats a parameter, uses more than one way to authenticate the "
            "client, or is otherwise malformed.",
            "code or redirect_uri is missing, the body is not "
            "application/x-www-form-urlencoded, or the client sent its credentials both "
            "in the Authorization header and in the body.",
            "Send a form body with grant_type, code and redirect_uri, and authenticate "
            "the client exactly one way.",
        ),
        "invalid_client": (
            "Client authentication failed: unknown client, no client authentication, "
            "or an authentication method the server does not accept (status 401).",
            "A wrong consumer secret, a Basic header built from another application's "
            "consumer key, or id and secret not form-encoded before base64 "
            "(RFC 6749 Section 2.3.1).",
            "Rebuild the header step by step with BasicAuthSteps and compare the "
            "decoded client_id with the one in the authorize URL; use the "
            "token_endpoint_auth_method the application was registered with.",
        ),
        "invalid_grant": (
            "The authorization code or refresh token is invalid, expired, revoked, was "
            "issued to another client, or does not match the redirect_uri of the "
            "authorization request.",
            "One of: the code or refresh token was used already, has expired (WSO2 "
            "keeps codes 300 s) or was revoked; redirect_uri differs from the authorize "
            "request; the PKCE code_verifier does not match the challenge.",
            "Start the flow again for a fresh code, send the same redirect_uri as in "
            "the authorize request, and the verifier of the pair whose challenge you "
            "sent.",
        ),
        "unauthorized_client": (
            "This client may not use this grant type.",
            "The grant type (authorization_code or refresh_token) was not enabled when "
            "the application was registered.",
            "Enable the grant type for the application.",
        ),
        "unsupported_grant_type": (
            "The server does not support this grant_type.",
            "A typo in grant_type (for example 'authorisation_code').",
            "Send grant_type=authorization_code, or refresh_token to refresh.",
        ),
        "invalid_scope": (
            "The requested scope is invalid, unknown, malformed, or wider than what "
            "the resource owner granted.",
            "A refresh asked for a scope that was not granted in the first place.",
            "Ask for the granted scope or a part of it, or leave scope out.",
        ),
        "invalid_dpop_proof": (
            "The DPoP proof in the DPoP header is missing a claim, malformed, not for this "
            "request, or signed by another key than the code is bound to (RFC 9449 5).",
            "htu is not the token endpoint's URL, htm is not POST, iat is more than a "
            "minute old (or the client's clock is off), the jti was used already, or "
            "dpop_jkt in the authorization request named another key.",
            "Make a fresh proof for each request with DpopKey.proof('POST', "
            "token_endpoint), with the key whose thumbprint went as dpop_jkt.",
        ),
        "use_dpop_nonce": (
            "The server wants its nonce in the DPoP proof (RFC 9449 8): the DPoP-Nonce "
            "header of this answer holds it.",
            "The first request to a server that demands nonces never has one.",
            "Send the request again with a new proof whose nonce claim is that value "
            "(Flow does it once by itself).",
        ),
    },
    "resource": {
        "invalid_request": (
            "The API request is missing a parameter, repeats one, or sends the access "
            "token in more than one way (status 400).",
            "The token was sent both in the Authorization header and in the query or body.",
            "Send the token once, as 'Authorization: Bearer <token>'.",
        ),
        "invalid_token": (
            "The access token is expired, revoked, malformed, or invalid for another "
            "reason (status 401).",
            "The token expired (see expires_in), was revoked, was replaced by a "
            "refresh, or was sent without the 'Bearer ' prefix.",
            "Refresh the token, or run the flow again for a new one.",
        ),
        "insufficient_scope": (
            "The request needs more privileges than the access token carries (status 403).",
            "The scope granted does not cover this API.",
            "Ask for the needed scope in the authorization request.",
        ),
        "invalid_dpop_proof": (
            "The DPoP proof does not fit this API call or this token (RFC 9449 7.1, "
            "status 401 with WWW-Authenticate: DPoP).",
            "The proof is signed by another key than the token is bound to (cnf.jkt): a "
            "stolen token used elsewhere; or its ath, htu, htm or iat do not fit; or its "
            "jti was used already.",
            "Send 'Authorization: DPoP <token>' with a fresh proof of the client's own key, "
            "for this method and URL, with ath = base64url(sha256(token)).",
        ),
        "use_dpop_nonce": (
            "The API wants its nonce in the DPoP proof (RFC 9449 9): the DPoP-Nonce "
            "header of this answer holds it.",
            "The first call to an API that demands nonces never has one.",
            "Call again with a new proof whose nonce claim is that value.",
        ),
    },
    "registration": {
        "invalid_redirect_uri": (
            "One or more redirect URIs are invalid.",
            "No callback URL was given for a code grant (the Developer Portal's rule), "
            "or a URL is relative or has a fragment (RFC 6749 Section 3.1.2).",
            "Give an absolute callback URL without '#...'.",
        ),
        "invalid_client_metadata": (
            "A client metadata field has a value the server rejects.",
            "An unsupported grant type, token_endpoint_auth_method or scope.",
            "Use values from the server's metadata (grant_types_supported, "
            "token_endpoint_auth_methods_supported, scopes_supported).",
        ),
        "invalid_software_statement": (
            "The software statement is invalid.",
            "The signed statement is malformed or its signature does not verify.",
            "Send a statement signed by an issuer the server trusts, or none.",
        ),
        "unapproved_software_statement": (
            "The software statement is not approved for this server.",
            "The server does not trust the statement's issuer.",
            "Ask the server's administrator which statements are approved.",
        ),
    },
    "revocation": {
        "unsupported_token_type": (
            "The server cannot revoke this type of token.",
            "The token_type_hint names a type the server does not revoke.",
            "Revoke the refresh token instead, or leave token_type_hint out.",
        ),
    },
}

# OpenID Connect Core 3.1.2.6: the codes an OpenID Provider adds to the authorization
# response, (meaning, likely cause, fix) as above.
OIDC_SECTION = "OpenID Connect Core 1.0 Section 3.1.2.6"
_OIDC_AUTHORIZATION: dict[str, tuple[str, str, str]] = {
    "login_required": (
        "The request said prompt=none, and nobody is signed in at the provider in this "
        "browser, so it may not show a login page.",
        "A silent sign-in (prompt=none) in a browser without a session at the provider.",
        "Send the request again without prompt=none, so that the user can sign in.",
    ),
    "consent_required": (
        "The request said prompt=none, and the user has not yet consented to this client "
        "and these scopes, so the provider may not ask.",
        "A silent sign-in (prompt=none) before the user ever approved the application.",
        "Send the request again without prompt=none, so that the consent page can ask.",
    ),
    "interaction_required": (
        "The request said prompt=none, but the provider needs the user to do something "
        "(sign in, consent, choose) before it can answer.",
        "A silent sign-in that the provider cannot complete without the user.",
        "Send the request again without prompt=none.",
    ),
    "account_selection_required": (
        "The request said prompt=none, but the user is signed in with several accounts "
        "and must choose one.",
        "A silent sign-in in a browser holding more than one session at the provider.",
        "Send the request again with prompt=select_account, or without prompt=none.",
    ),
}

# Codes shared by several places fall back on these when no place is given.
_SEARCH_ORDER: tuple[Where, ...] = (
    "token",
    "authorization",
    "resource",
    "registration",
    "revocation",
)

# (place, code, pattern in error_description, likely cause, fix)
_HINTS: tuple[tuple[Where, str, str, str, str], ...] = (
    (
        "token",
        "invalid_grant",
        r"verifier|pkce|challenge",
        "The code_verifier does not match the code_challenge of the authorization "
        "request (RFC 7636 Section 4.6), or a verifier was sent for a code issued "
        "without a challenge.",
        "Send the code_verifier of the same PkcePair whose challenge went into the authorize URL.",
    ),
    (
        "token",
        "invalid_grant",
        r"redirect",
        "redirect_uri differs from the one sent in the authorization request "
        "(RFC 6749 Section 4.1.3).",
        "Send exactly the same redirect_uri string as in the authorize URL.",
    ),
    (
        "token",
        "invalid_grant",
        r"refresh token.*(already|used|exchanged)",
        "The refresh token was exchanged for a new one already; presenting it again "
        "looks like theft, so the server ends the grant (RFC 9700 Section 4.14.2).",
        "Run the flow again for new tokens, and always keep the newest refresh token.",
    ),
    (
        "token",
        "invalid_grant",
        r"used|replay|already|redeemed|reuse",
        "The code was already exchanged once; a code works only once and a replay "
        "may revoke the tokens first issued from it (RFC 6749 Section 4.1.2).",
        "Run the flow again for a fresh code.",
    ),
    (
        "token",
        "invalid_grant",
        r"expired",
        "The code or refresh token has expired (codes live minutes at most, "
        "RFC 6749 Section 4.1.2).",
        "Run the flow again and exchange the code straight away.",
    ),
    (
        "token",
        "invalid_grant",
        r"client",
        "The code was issued to another client.",
        "Exchange the code with the credentials of the application named in the authorize URL.",
    ),
    (
        "token",
        "invalid_client",
        r"secret|password",
        "The consumer secret is wrong.",
        "Copy the consumer secret again from the application's keys.",
    ),
    (
        "resource",
        "invalid_token",
        r"expired",
        "The access token has expired.",
        "Use the refresh token to get a new access token.",
    ),
    (
        "resource",
        "invalid_token",
        r"revoked",
        "The access token was revoked.",
        "Run the flow again for a new token.",
    ),
)


_CAUSE_WORDS = re.compile(r"\b(unknown|expired|revoked|invalid)\b", re.IGNORECASE)


def _lists_causes(description: str | None) -> bool:
    """Whether the description names two or more causes at once, so none is proven.

    >>> _lists_causes("The access token is unknown, expired or revoked.")
    True
    >>> _lists_causes("The refresh token has expired.")
    False
    """
    found = {word.lower() for word in _CAUSE_WORDS.findall(description or "")}
    return len(found) > 1


def explain_error(
    error: str, description: str | None = None, *, where: Where | None = None
) -> Explanation:
    """Explain an OAuth error code, using the server's description when it helps.

    >>> print(explain_error("unsupported_response_type", where="authorization").likely_cause)
    response_type is not 'code' (a typo, or 'token' from the implicit grant).
    """
    places = (where,) if where is not None else _SEARCH_ORDER
    for place in places:
        entry = _TABLE[place].get(error)
        if entry is None:
            continue
        meaning, cause, fix = entry
        place_name, section = _PLACES[place]
        explanation = Explanation(error, place_name, section, meaning, cause, fix, description)
        if _lists_causes(description):
            return explanation  # "unknown, expired or revoked": the table lists them all
        for hint_place, code, pattern, hint_cause, hint_fix in _HINTS:
            if (hint_place, code) == (place, error) and re.search(
                pattern, description or "", re.IGNORECASE
            ):
                return replace(explanation, likely_cause=hint_cause, fix=hint_fix)
        return explanation
    oidc = _OIDC_AUTHORIZATION.get(error)
    if oidc is not None and where in (None, "authorization"):
        place_name = _PLACES["authorization"][0]
        return Explanation(error, place_name, OIDC_SECTION, *oidc, description)
    place_name, _ = _PLACES[where] if where is not None else ("unknown place", "")
    return Explanation(
        error=error,
        where=place_name,
        section="no RFC",
        meaning=f"'{error}' is not an error code defined by RFC 6749, 6750, 7009 or 7591.",
        likely_cause="A server-specific extension, or a non-standard server.",
        fix="Read error_description and the server's documentation.",
        description=description,
        known=False,
    )


def known_errors() -> dict[str, tuple[str, ...]]:
    """Each place and the error codes defined for it."""
    return {_PLACES[place][0]: tuple(codes) for place, codes in _TABLE.items()}
