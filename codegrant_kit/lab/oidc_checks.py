"""The checklist's OpenID Connect items: what any OpenID Provider's code flow must get right.

Each item signs the victim in once with `openid` (a fresh nonce, PKCE) and reads
that run's ID token and userinfo answer; its reason quotes what it saw. An item
is skipped only when the answer cannot be known: the provider does not do
OpenID Connect (no openid in scopes_supported, no jwks_uri), lists no userinfo
endpoint, or its ID token carries no at_hash (OPTIONAL in the code flow).

    oidc_nonce        the nonce sent comes back in the ID token   Core 3.1.2.1, 3.1.3.7 (11)
    oidc_signed       signed, with a key at jwks_uri, not none    Core 3.1.3.7 (6-8), 10.1
    oidc_aud          aud is the client_id (azp when several)     Core 2, 3.1.3.7 (3-5)
    oidc_at_hash      at_hash is the access token's               Core 3.1.3.6, 3.1.3.8
    oidc_iss          iss is the discovery document's issuer      Core 3.1.3.7 (2); Discovery 4.3
    oidc_userinfo_sub userinfo's sub is the ID token's            Core 5.3.2
    oidc_prompt_none  prompt=none without a session: login_required   Core 3.1.2.1, 3.1.2.6
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from ..client import (
    AuthorizationRequest,
    Endpoints,
    IdTokenCheck,
    PkcePair,
    TokenResponse,
    UserinfoSubjectMismatch,
    check_id_token,
    discover,
    fetch_userinfo,
    new_client,
)
from ..client.jws import ALGORITHMS
from ._steps import params_of, sign_in
from .oidc import openid_scope
from .result import Unsupported, sentence
from .scenario import Target

Status = Literal["pass", "fail", "skip"]
Outcome = tuple[Status, str]
CORE = "OIDC Core"


@dataclass(frozen=True)
class Probe:
    """One sign-in with openid: the nonce sent, the tokens, and check_id_token's steps."""

    client_id: str
    endpoints: Endpoints  # from the OpenID discovery document (Discovery 1.0 4)
    nonce: str | None
    tokens: TokenResponse
    check: IdTokenCheck

    def value(self, step: str) -> str:
        found = self.check.step(step)
        return found.value if found is not None else "not checked"

    def outcome(self, step: str) -> str:
        found = self.check.step(step)
        return found.outcome if found is not None else "not checked"

    def problem(self, step: str) -> str:
        found = self.check.step(step)
        return found.problem if found is not None else ""


def probe(t: Target) -> Probe:
    """The victim signs in at the checklist's client with openid; the ID token is checked."""
    scope = openid_scope(t)
    # the OpenID document first: an RFC 8414 one may omit userinfo_endpoint (DOT's does)
    with new_client(t.verify) as http:
        endpoints = discover(t.issuer, openid=True, http=http)
    app = t.register()
    pkce = PkcePair.generate(t.token_factory)
    with t.flow(app) as flow:
        request = AuthorizationRequest.build(
            endpoints.authorization_endpoint,
            app.client_id,
            app.redirect_uri or t.redirect_uri,
            scope=scope,
            pkce=pkce,
            token_factory=t.token_factory,
        )
        flow.use_request(request, pkce)
        page = sign_in(flow.browser, request.url, t.victim)
        if page.kind != "redirect":
            raise Unsupported(f"The sign-in with openid did not come back: {page.describe()}")
        flow.receive_redirect().raise_for_error()
        tokens = flow.exchange_code()
    if tokens.id_token is None:
        raise _NoIdToken(scope)
    with new_client(t.verify) as http:
        check = check_id_token(
            tokens.id_token,
            issuer=endpoints.issuer,
            client_id=app.client_id,
            jwks_uri=endpoints.jwks_uri,
            nonce=request.nonce,
            access_token=tokens.access_token,
            # Core 3.1.3.7 item 7: what the provider says it signs with, or RS256; never HMAC
            algorithms=tuple(
                a for a in endpoints.id_token_signing_alg_values_supported if a in ALGORITHMS
            )
            or ("RS256",),
            http=http,
        )
    return Probe(app.client_id, endpoints, request.nonce, tokens, check)


class _NoIdToken(Exception):
    def __init__(self, scope: str) -> None:
        super().__init__(
            f"The token response to a code asked for with scope {scope!r} carried no "
            "id_token, which OpenID Connect Core 3.1.3.3 requires."
        )


def _probed(
    run: Callable[[Probe, Target], Outcome], *, trusted: bool = True
) -> Callable[[Target], Outcome]:
    """A check over one probe; a token response without id_token fails every item.

    With `trusted`, the item reads claims, which mean nothing unless the signature
    verified: when it did not, the item is skipped, saying so (oidc_signed fails).
    """

    def check(t: Target) -> Outcome:
        try:
            found = probe(t)
        except _NoIdToken as exc:
            return "fail", str(exc)
        if trusted and found.outcome("signature") != "pass":
            raise Unsupported(
                "The ID token's signature was not verified (see the signature item), so "
                "whether its claims are the provider's cannot be known."
            )
        return run(found, t)

    check.__name__ = run.__name__
    return check


def nonce_echoed(p: Probe, t: Target) -> Outcome:
    got = p.check.claims.get("nonce")
    if p.outcome("nonce") == "pass":
        return "pass", f"The request sent nonce={p.nonce}; the ID token carries the same."
    return "fail", sentence(f"The request sent nonce={p.nonce}; the ID token has {got!r}")


def signed_with_a_published_key(p: Probe, t: Target) -> Outcome:
    failed = next(
        (
            name
            for name in ("split and decode", "alg and kid", "key", "signature")
            if p.outcome(name) == "fail"
        ),
        None,
    )
    listed = ", ".join(p.endpoints.id_token_signing_alg_values_supported) or "nothing"
    note = f"the metadata lists id_token_signing_alg_values_supported: {listed}"
    if failed is not None:
        return "fail", f"{p.value(failed)}: {p.problem(failed)} ({note})."
    alg, kid = p.check.header.get("alg"), p.check.header.get("kid")
    return "pass", (
        f"Signed {alg} with kid={kid!r}, a key of {p.endpoints.jwks_uri}; the "
        f"signature: {p.value('signature')}; {note}."
    )


def aud_is_the_client(p: Probe, t: Target) -> Outcome:
    bad = [name for name in ("aud", "azp") if p.outcome(name) == "fail"]
    if bad:
        return "fail", " ".join(p.problem(name) for name in bad)
    azp = p.value("azp")
    return "pass", f"aud is {p.value('aud')}, the client_id {p.client_id!r}; azp: {azp}."


def at_hash_right(p: Probe, t: Target) -> Outcome:
    outcome = p.outcome("at_hash")
    if outcome == "skip":
        raise Unsupported(
            "The ID token carries no at_hash, which the code flow makes OPTIONAL (Core "
            "3.1.3.6), so whether it would match cannot be known."
        )
    if outcome == "fail":
        return "fail", p.problem("at_hash")
    return "pass", f"at_hash {p.value('at_hash')} is the left half of the access token's hash."


def iss_from_discovery(p: Probe, t: Target) -> Outcome:
    document = p.endpoints
    iss = p.check.claims.get("iss")
    where = f"{t.issuer.rstrip('/')}/.well-known/openid-configuration"
    if iss == document.issuer and p.outcome("iss") == "pass":
        return "pass", f"iss {iss!r} is the issuer {where} names."
    return "fail", sentence(f"The ID token's iss is {iss!r}, but {where} names {document.issuer!r}")


def userinfo_sub(p: Probe, t: Target) -> Outcome:
    url = p.endpoints.userinfo_endpoint
    if url is None:
        raise Unsupported(
            "The OpenID metadata lists no userinfo_endpoint, so there is no sub to compare."
        )
    sub = p.check.claims.get("sub")
    with new_client(t.verify) as http:
        try:
            answer = fetch_userinfo(url, p.tokens.access_token, expected_sub=str(sub), http=http)
        except UserinfoSubjectMismatch as exc:
            return "fail", sentence(f"{url} answered for another user than the ID token: {exc}")
    return "pass", f"{url} answered sub {answer.sub!r}, the ID token's."


def prompt_none(t: Target) -> Outcome:
    scope = openid_scope(t)
    endpoints = t.endpoints()
    app = t.register()
    request = AuthorizationRequest.build(
        endpoints.authorization_endpoint,
        app.client_id,
        app.redirect_uri or t.redirect_uri,
        scope=scope,
        pkce=PkcePair.generate(t.token_factory),
        prompt="none",
        token_factory=t.token_factory,
    )
    with t.browser() as browser:  # a browser of its own: no session at the provider
        page = browser.open(request.url)
    answer = params_of(page.location) if page.kind == "redirect" else {}
    error = answer.get("error")
    # Core 3.1.2.6: login_required when the End-User is not signed in; interaction_required
    # when the request cannot be completed without a user interface
    if error in ("login_required", "interaction_required"):
        return (
            "pass",
            f"A browser with no session asked prompt=none and came back with error={error}.",
        )
    if "code" in answer:
        return (
            "fail",
            "A browser with no session asked prompt=none and got a code: nobody signed in.",
        )
    if page.kind == "redirect":
        return "fail", sentence(f"prompt=none with no session came back with error={error!r}")
    if page.login_form is not None or page.kind == "consent":
        return "fail", sentence(
            f"prompt=none with no session was shown a page ({page.describe()}), which Core "
            "3.1.2.1 forbids: 'The Authorization Server MUST NOT display any authentication "
            "or consent UI'"
        )
    return "fail", sentence(
        f"prompt=none with no session did not come back to the client: {page.describe()}; "
        "Core 3.1.2.6 wants a redirect with error=login_required"
    )


# key, title, section, run: the checklist's items after RFC 9700's
OIDC_ITEMS: tuple[tuple[str, str, str, Callable[[Target], Outcome]], ...] = (
    (
        "oidc_nonce",
        "The ID token echoes the nonce",
        f"{CORE} 3.1.2.1, 3.1.3.7",
        _probed(nonce_echoed),
    ),
    (
        "oidc_signed",
        "ID tokens are signed with a published key, not none",
        f"{CORE} 3.1.3.7, 10.1",
        _probed(signed_with_a_published_key, trusted=False),
    ),
    (
        "oidc_aud",
        "The ID token's aud is the client_id",
        f"{CORE} 2, 3.1.3.7",
        _probed(aud_is_the_client),
    ),
    (
        "oidc_at_hash",
        "at_hash matches the access token",
        f"{CORE} 3.1.3.6, 3.1.3.8",
        _probed(at_hash_right),
    ),
    (
        "oidc_iss",
        "The ID token's iss is the discovery document's issuer",
        f"{CORE} 3.1.3.7; OIDC Discovery 4.3",
        _probed(iss_from_discovery),
    ),
    (
        "oidc_userinfo_sub",
        "userinfo's sub is the ID token's",
        f"{CORE} 5.3.2",
        _probed(userinfo_sub),
    ),
    (
        "oidc_prompt_none",
        "prompt=none without a session answers login_required",
        f"{CORE} 3.1.2.1, 3.1.2.6",
        prompt_none,
    ),
)
