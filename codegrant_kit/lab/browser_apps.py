"""Attack 10: public clients and browser apps (RFC 9700 2.1.1; the Web Origin Concept).

- A public client without PKCE (RFC 9700 2.1.1: "public clients MUST use PKCE"). A
  browser or native app has no secret, so its client_id is all the token endpoint
  asks for. A code intercepted on its way back (a malicious app registered for the
  same redirect URI, a leaky log) is then as good as a token to whoever holds it.
  A server that requires PKCE of public clients refuses the request without
  code_challenge. Lab switch: `public_client_no_pkce`.
- CORS open to any origin. A browser lets a page read an answer from another origin
  only if the answer names the page's origin (Access-Control-Allow-Origin). The
  token endpoint should name only the origin of the browser app that registered
  (draft-ietf-oauth-browser-based-apps 6.3); a server that reflects any Origin lets
  a page on any site, open in the user's browser, run token requests and read the
  tokens. Lab switch: `cors_any_origin`. (A script outside a browser is not stopped
  by CORS at all: CORS guards the user's browser, PKCE and the audience the tokens.)
"""

from __future__ import annotations

from ..client import (
    Application,
    OAuthResponseError,
    exchange_code,
    new_client,
    register_client,
    token_request,
)
from ..server.switches import SWITCHES
from ._steps import code_from, params_of, refusal, sign_in
from .registry import attack_on
from .result import AttackResult, Unsupported
from .scenario import Target, TargetLike, as_target, refused

APP_ORIGIN = "https://photos-spa.example"  # the browser app's own origin
EVIL_ORIGIN = "https://evil.example"  # a page the user has open in another tab


def _public_app(t: Target, redirect_uri: str) -> Application:
    endpoints = t.endpoints()
    if endpoints.registration_endpoint is None:
        raise Unsupported("The server has no registration_endpoint for a public client.")
    methods = endpoints.metadata.get("token_endpoint_auth_methods_supported") or []
    if "none" not in methods:
        raise Unsupported(
            "The server does not list 'none' in token_endpoint_auth_methods_supported: it "
            "has no public clients to attack."
        )
    with new_client(t.verify) as http:
        return register_client(
            endpoints,
            client_name="Photo browser app",
            redirect_uris=[redirect_uri],
            scope=t.probe_scope(),
            token_endpoint_auth_method="none",
            http=http,
        )


@attack_on("public_client_no_pkce")
def public_client_without_pkce(target: TargetLike) -> AttackResult:
    """A public client's code, intercepted, redeemed with its client_id alone."""
    t = as_target(target)
    app = _public_app(t, t.redirect_uri)
    with t.flow(app) as client:
        request = client.authorize(pkce=False)
        page = sign_in(client.browser, request.url, t.victim)
    steps = [
        f"a public client ({app.client_id}, no secret) sends {t.victim.username} to sign in "
        "without a code_challenge"
    ]
    evidence: dict[str, object] = {}
    code = params_of(page.location).get("code") if page.kind == "redirect" else None
    if code is None:
        if not params_of(page.location).get("error"):
            raise Unsupported(
                f"The sign-in ended neither with a code nor an error: {page.describe()}"
            )
        said = refusal(page, request.url)
        steps.append(f"the server refuses the request: {said}")
        evidence["authorization response"] = said
        return _result(False, steps, evidence, f"The authorization request without PKCE: {said}")
    steps.append(f"a malicious app registered for the same redirect URI intercepts code {code}")
    try:
        with t.http() as attacker:
            tokens = exchange_code(
                t.endpoints(), (app.client_id, None), code=code,
                redirect_uri=request.redirect_uri, auth="none", http=attacker,
            )  # fmt: skip
    except OAuthResponseError as exc:
        steps.append(f"it redeems the code with the public client_id: {refused(exc)}")
        evidence["token response"] = f"{exc.status} {exc.error}"
        return _result(False, steps, evidence, f"The interceptor's token request: {refused(exc)}")
    steps.append("it redeems the code with the public client_id alone: 200, tokens")
    evidence["tokens"] = f"access_token {tokens.access_token[:8]}..., scope {tokens.scope}"
    return _result(
        True, steps, evidence,
        "The server issued a code to a public client without PKCE, and gave its tokens to "
        "whoever sent the code with the client_id.",
    )  # fmt: skip


def _result(
    succeeded: bool, steps: list[str], evidence: dict[str, object], reason: str
) -> AttackResult:
    what = (
        "The interceptor got the tokens: without PKCE and without a secret, the code alone "
        "was enough."
        if succeeded
        else "The interceptor got no tokens: the public client had to use PKCE, the only "
        "proof it has."
    )
    return AttackResult(
        "Public client without PKCE",
        succeeded,
        what,
        SWITCHES["public_client_no_pkce"].source,
        "The server requires PKCE (S256) of every public client.",
        tuple(steps),
        evidence,
        reason,
    )


@attack_on("cors_any_origin")
def cors_any_origin(target: TargetLike) -> AttackResult:
    """A page on another origin runs the browser app's token request: may it read the answer?"""
    t = as_target(target)
    app = _public_app(t, APP_ORIGIN + "/callback")
    with t.flow(app) as tab:
        request = tab.authorize()  # with PKCE: the page made its own pair
        code = code_from(sign_in(tab.browser, request.url, t.victim), request.url)
        verifier = tab.pkce.code_verifier if tab.pkce else None
    steps = [
        f"the browser app at {APP_ORIGIN} (public client {app.client_id}) registered "
        f"{APP_ORIGIN}/callback",
        f"a page on {EVIL_ORIGIN}, open in {t.victim.username}'s browser, gets a code for the "
        f"app with its own PKCE pair ({code[:8]}...)",
    ]
    built = token_request(t.endpoints(), (app.client_id, None), code=code,
                          redirect_uri=APP_ORIGIN + "/callback",
                          code_verifier=verifier,
                          auth="none")  # fmt: skip
    built.headers["Origin"] = EVIL_ORIGIN  # what the browser's fetch sends from that page
    with t.http() as browser_fetch:
        answer = browser_fetch.send(built)
    allowed = answer.headers.get("access-control-allow-origin")
    readable = allowed in (EVIL_ORIGIN, "*")
    steps.append(
        f"its fetch POSTs the token request with Origin: {EVIL_ORIGIN}: {answer.status_code}, "
        f"Access-Control-Allow-Origin: {allowed or '(none)'}"
    )
    succeeded = readable and answer.is_success
    evidence: dict[str, object] = {
        "token endpoint": answer.status_code,
        "Access-Control-Allow-Origin": allowed or "(none)",
        "Access-Control-Allow-Credentials": answer.headers.get(
            "access-control-allow-credentials", "(none)"
        ),
    }
    if not answer.is_success:
        raise Unsupported(
            f"The token request itself failed ({answer.status_code}), so whether another "
            "origin may read a token response cannot be told."
        )
    if succeeded:
        steps.append(f"the browser hands the answer, tokens included, to {EVIL_ORIGIN}'s script")
        what = (
            "The page on another origin read the tokens: the token endpoint lets any origin "
            "read its answers."
        )
        reason = f"The token endpoint answered Access-Control-Allow-Origin: {allowed}."
    else:
        steps.append(f"the browser keeps the answer from {EVIL_ORIGIN}'s script")
        what = (
            "The page on another origin could not read the answer: the token endpoint "
            "names only the origin the app registered."
        )
        reason = (
            f"The token endpoint answered {EVIL_ORIGIN} without Access-Control-Allow-Origin "
            "for it, so the browser hides the tokens from that page."
        )
    return AttackResult(
        "CORS open to any origin",
        succeeded,
        what,
        SWITCHES["cors_any_origin"].source,
        "CORS at the token endpoint only for the origins the client registered.",
        tuple(steps),
        evidence,
        reason,
    )
