"""What happened to a flow's codes and tokens, read back from its transcript.

A server's ``error_description`` often lists several causes at once ("unknown,
expired or revoked"), and ``access_denied`` is a user's Deny or the server's own
policy (RFC 6749 Section 4.1.2.1). The transcript knows which of them this flow caused: a code
sent a second time (RFC 6749 Section 4.1.2), a revocation request (RFC 7009), a
refresh token already exchanged (RFC 9700 Section 4.14.2), a token older than its
``expires_in`` (RFC 6749 Section 5.1). :func:`likely_cause` states the cause the
records prove, or lists the possible ones when they prove none.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qs

import httpx

from ._http import json_object
from .exchange import Exchange, request_body
from .explain import PLACE_OF, Explanation, explain_error


@dataclass
class Grant:
    """The tokens this flow got from one code, and from the refreshes that followed."""

    code: str
    access_tokens: list[str] = field(default_factory=list)
    refresh_tokens: list[str] = field(default_factory=list)
    ended_by: str | None = None  # why the server ended every token of the grant


@dataclass
class History:
    """Codes, tokens and what the flow did to them, in the order of the transcript."""

    grants: list[Grant] = field(default_factory=list)
    issued: dict[str, tuple[float, int | None]] = field(default_factory=dict)  # at, expires_in
    redeemed: dict[str, int] = field(default_factory=dict)  # code: exchange number
    replayed: dict[str, int] = field(default_factory=dict)  # code: exchange number
    revoked: dict[str, int] = field(default_factory=dict)  # token: exchange number
    rotated: dict[str, int] = field(default_factory=dict)  # refresh token: exchange number
    replaced: dict[str, int] = field(default_factory=dict)  # access token: the refresh after it
    # access token: the resource its token request named (RFC 8707 2), its one API
    resources: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(
        cls, exchanges: list[Exchange], token_endpoint: str, revocation_endpoint: str | None
    ) -> History:
        history = cls()
        for number, exchange in enumerate(exchanges, 1):
            url = str(exchange.request.url).split("?")[0]
            if exchange.request.method != "POST" or exchange.response is None:
                continue
            form = {k: v[0] for k, v in parse_qs(request_body(exchange.request).decode()).items()}
            if url == token_endpoint:
                history._token_exchange(number, form, exchange.response, exchange.started)
            elif url == revocation_endpoint and exchange.response.status_code == 200:
                history._revocation(number, form.get("token", ""))
        return history

    def grant_of(self, token: str) -> Grant | None:
        for grant in self.grants:
            if token in grant.access_tokens or token in grant.refresh_tokens:
                return grant
        return None

    def _token_exchange(
        self, number: int, form: dict[str, str], response: httpx.Response, started: float
    ) -> None:
        grant_type = form.get("grant_type")
        ok = response.status_code == 200
        body = (json_object(response) or {}) if ok else {}
        if grant_type == "authorization_code":
            code = form.get("code", "")
            if code in self.redeemed and not ok:
                # RFC 6749 4.1.2: a code used twice; the server SHOULD revoke its tokens
                self.replayed.setdefault(code, number)
                for grant in self.grants:
                    if grant.code == code and grant.ended_by is None:
                        grant.ended_by = (
                            f"its code was sent a second time (exchange {number}), and a "
                            "server revokes the tokens a replayed code gave (RFC 6749 4.1.2)"
                        )
                return
            if not ok:
                return
            self.redeemed[code] = number
            grant = Grant(code)
            self.grants.append(grant)
        elif grant_type == "refresh_token":
            old = form.get("refresh_token", "")
            found = self.grant_of(old)
            if old in self.rotated and not ok and found is not None and found.ended_by is None:
                # RFC 9700 4.14.2: a rotated refresh token presented again ends the grant
                found.ended_by = (
                    f"a refresh token already exchanged was sent again (exchange {number}), "
                    "which ends the whole grant (RFC 9700 4.14.2)"
                )
            if not ok or found is None:
                return
            grant = found
        else:
            return
        access, refresh = body.get("access_token"), body.get("refresh_token")
        expires_in = body.get("expires_in")
        wall = time.time() - (time.perf_counter() - started)
        if isinstance(access, str):
            for earlier in grant.access_tokens:
                self.replaced.setdefault(earlier, number)
            grant.access_tokens.append(access)
            self.issued[access] = (wall, expires_in if isinstance(expires_in, int) else None)
            if form.get("resource"):
                self.resources[access] = form["resource"]
        if isinstance(refresh, str):
            if grant_type == "refresh_token" and refresh != form.get("refresh_token"):
                self.rotated[form.get("refresh_token", "")] = number
            if refresh not in grant.refresh_tokens:
                grant.refresh_tokens.append(refresh)

    def _revocation(self, number: int, token: str) -> None:
        self.revoked.setdefault(token, number)
        grant = self.grant_of(token)
        # RFC 7009 2.1: revoking a refresh token SHOULD end the grant's access tokens too
        if grant is not None and token in grant.refresh_tokens and grant.ended_by is None:
            grant.ended_by = (
                f"its refresh token was revoked (exchange {number}), which ends the "
                "grant's access tokens too (RFC 7009 2.1)"
            )


def sent_token(request: httpx.Request) -> tuple[str, str] | None:
    """The (kind, value) a request presented: a bearer token, a refresh token or a code."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return "access_token", value.strip()
    form = parse_qs(request_body(request).decode("utf-8", "replace"))
    for kind in ("refresh_token", "code"):
        if form.get(kind):
            return kind, form[kind][0]
    return None


# how a cause the records do not prove begins (see likely_cause)
_UNPROVEN = ("Nothing in this flow", "This flow's transcript never", "A refresh (exchange")

_POSSIBLE = {
    "access_token": (
        "it expired on the server (whose clock may run ahead of this one), it was revoked "
        "outside this flow, the server restarted and forgot it, or it is not a token this "
        "server issued"
    ),
    "refresh_token": (
        "it expired, it was revoked or its grant ended outside this flow, the server "
        "restarted and forgot it, or it is not a refresh token this server issued"
    ),
}


def likely_cause(history: History, kind: str, token: str, now: float | None = None) -> str | None:
    """The cause the history proves for a refused token, or the possible causes.

    None for a code (the server's description says more about a code than the
    records do), unless the code was replayed.
    """
    names = {"access_token": "access token", "refresh_token": "refresh token", "code": "code"}
    name = names[kind]
    if kind == "code":
        if token in history.redeemed:
            return (
                f"This code was exchanged already (exchange {history.redeemed[token]}); a "
                "code works once, and a server SHOULD revoke the tokens it gave (RFC 6749 4.1.2)."
            )
        return None
    if token in history.revoked:
        return f"This flow revoked this {name} (exchange {history.revoked[token]}, RFC 7009)."
    grant = history.grant_of(token)
    if grant is not None and grant.ended_by is not None:
        return f"The server ended this {name}: {grant.ended_by}."
    if kind == "refresh_token" and token in history.rotated:
        return (
            f"This refresh token was exchanged already (exchange {history.rotated[token]}); "
            "the server rotates refresh tokens, so use the new one (RFC 9700 4.14.2)."
        )
    if token not in history.issued and grant is None:
        return (
            f"This flow's transcript never received this {name}. Possible causes: a typo, "
            f"a {name} of another flow or server, or {_POSSIBLE[kind]}."
        )
    at, expires_in = history.issued.get(token, (None, None))
    age = (now if now is not None else time.time()) - at if at is not None else None
    if age is not None and expires_in is not None and age >= expires_in:
        return f"The {name} has expired: issued {age:.0f} s ago with expires_in={expires_in}."
    lifetime = f" (issued {age:.0f} s ago, expires_in={expires_in})" if age is not None else ""
    if token in history.replaced:
        return (
            f"A refresh (exchange {history.replaced[token]}) issued a newer access token, "
            f"and some servers end the old one then. Other possible causes: {_POSSIBLE[kind]}."
        )
    return (
        f"Nothing in this flow revoked or replaced this {name}{lifetime}. Possible causes: "
        f"{_POSSIBLE[kind]}."
    )


def explain_in_flow(
    explanation: Explanation, history: History, request: httpx.Request, now: float | None = None
) -> Explanation:
    """``explanation`` with the likely cause the flow's history proves, if it proves one."""
    if explanation.error not in {"invalid_token", "invalid_grant"}:
        return explanation
    sent = sent_token(request)
    if sent is None:
        return explanation
    resource = history.resources.get(sent[1]) if sent[0] == "access_token" else None
    called = str(request.url).split("?")[0]
    if resource is not None and called != resource and not called.startswith(resource + "/"):
        # RFC 8707 2: the token was asked for one API; another may refuse it (RFC 9068 4)
        return replace(
            explanation,
            likely_cause=(
                f"This access token was asked for resource={resource} (RFC 8707 2), and "
                f"{called} is another API, which refuses a token issued for another."
            ),
            fix=f"Ask for a token with resource={called}, or call {resource} with this one.",
        )
    cause = likely_cause(history, *sent, now=now)
    if cause is None:
        return explanation
    general = explain_error(explanation.error, where=PLACE_OF.get(explanation.where))
    if cause.startswith(_UNPROVEN) and explanation.likely_cause != general.likely_cause:
        # the records prove nothing, and the server named one cause: keep the server's
        return explanation
    return Explanation(
        explanation.error,
        explanation.where,
        explanation.section,
        explanation.meaning,
        cause,
        _FIX[sent[0]],
        explanation.description,
        explanation.known,
    )


def explain_bare_refusal(
    status: int, history: History, request: httpx.Request, now: float | None = None
) -> Explanation | None:
    """A protected resource's 401 or 403 that names no error, explained from the history.

    RFC 6750 Section 3.1 asks for 401 and ``WWW-Authenticate: Bearer
    error="invalid_token"``; some servers (django-oauth-toolkit's resource views)
    answer a bare 403. The records may still prove why: a revocation, a replay.
    None when the request carried no bearer token.
    """
    sent = sent_token(request)
    if status not in (401, 403) or sent is None or sent[0] != "access_token":
        return None
    cause = likely_cause(history, *sent, now=now)
    if cause is None:
        return None
    return Explanation(
        "no error code",
        "protected resource",
        "RFC 6750 Section 3.1",
        f"The API refused the access token with {status} but named no error, in neither "
        'the body nor a WWW-Authenticate challenge (RFC 6750 3.1 asks for 401 and error="'
        'invalid_token" when a token is expired, revoked or invalid).',
        cause,
        _FIX["access_token"],
        known=False,
    )


_FIX = {
    "access_token": "Refresh the token if you still hold a live refresh token, or run the "
    "flow again for new tokens.",
    "refresh_token": "Run the flow again for new tokens.",
    "code": "Run the flow again for a fresh code.",
}


# the words of an answer that refuses, when the page's own choices are not known
DENY_CHOICES = frozenset({"deny", "cancel", "no", "reject", "decline"})


def denial_cause(scope: str | None, consent: str | None, refused: bool | None = None) -> str:
    """Why an authorization request came back ``access_denied``, from what the flow did.

    ``consent`` is the answer clicked on the consent page (None: none was), and
    ``refused`` whether it refuses (None: judged from its words).

    >>> denial_cause(None, None).split(". ")[0]
    'Nobody clicked Deny in this flow (no consent page was answered)'
    >>> denial_cause("photos", "deny")
    'The user clicked Deny on the consent page.'
    """
    if refused is None:
        refused = consent is not None and consent.lower() in DENY_CHOICES
    if refused:
        if consent is None or consent.lower() == "deny":
            return "The user clicked Deny on the consent page."
        return f"The user clicked {consent!r} on the consent page, which refuses."
    clicked = (
        f"the consent page was answered {consent!r}" if consent else "no consent page was answered"
    )
    if not scope:
        return (
            f"Nobody clicked Deny in this flow ({clicked}). The authorization request asked "
            "for no scope, and the server, with nothing to grant, refused it by its own "
            "policy (RFC 6749 Section 3.3: without scope a server uses a default, or fails "
            "the request)."
        )
    return (
        f"Nobody clicked Deny in this flow ({clicked}): the server's policy refused the "
        f"request for scope {scope!r} (this user or client may not have it)."
    )


def explain_denial(
    explanation: Explanation,
    scope: str | None,
    consent: str | None,
    refused: bool | None = None,
) -> Explanation:
    """``explanation`` of an ``access_denied`` with the cause the flow shows; others unchanged."""
    if explanation.error != "access_denied":
        return explanation
    cause = denial_cause(scope, consent, refused)
    if cause.startswith("The user clicked"):
        fix = "Nothing is wrong with the client: ask the user again, or carry on without access."
    elif not scope:
        fix = (
            "Ask for a scope the server lists in scopes_supported, or one registered for "
            "the application."
        )
    else:
        fix = (
            "Ask for a scope the server lists in scopes_supported, or ask its administrator "
            "what its policy refuses."
        )
    return replace(explanation, likely_cause=cause, fix=fix)
