"""Attack 4: an intercepted code injected into the attacker's own session; PKCE downgrade.

A malicious app that registered the same redirect URI (a custom scheme on a
phone), a leaky log or a Referer hands the attacker the victim's code. The
attacker cannot redeem it at the token endpoint without the client's secret,
but can inject it into their own session at the honest client, which redeems it
(RFC 9700 4.5). PKCE (RFC 7636) binds the code to the session that asked for
it: the client sends the verifier of the attacker's session, which does not
match the challenge of the victim's, and the server refuses (RFC 7636 4.6).

PKCE downgrade (RFC 9700 4.8): the attacker makes the victim use an
authorization request without a code_challenge, so the code is bound to no
verifier; the server must then refuse a token request that carries one
(RFC 9700 2.1.1). Lab switch: `pkce_downgrade`.
"""

from __future__ import annotations

from ..client import Application, OAuthResponseError, Page
from ..server.switches import SWITCHES
from ._steps import authorization_url, code_from, inject, params_of, refusal, sign_in, whose
from .registry import attack_on
from .result import AttackResult, Lesson, Unsupported, sentence
from .scenario import Target, TargetLike, as_target, refused


@attack_on(None, defence="the client uses PKCE")
def intercept_code(target: TargetLike, *, pkce: bool = True) -> AttackResult:
    """The victim's code is intercepted and injected; `pkce` is whether the client uses PKCE."""
    t = as_target(target)
    app = t.register()
    steps: list[str] = []
    with t.flow(app) as victim_session:
        request = victim_session.authorize(pkce=pkce)
        with_pkce = f"code_challenge {request.code_challenge}" if pkce else "no PKCE"
        steps.append(f"{t.victim.username}'s session at the client starts a flow ({with_pkce})")
        page = sign_in(victim_session.browser, request.url, t.victim)
        code = code_from(page, request.url)
    steps.append(
        f"{t.victim.username} signs in and approves; a malicious app registered for the same "
        f"redirect URI receives the callback first: code {code}"
    )
    return _injected(t, app, code, page, pkce, steps, INTERCEPTION)


@attack_on("pkce_downgrade")
def pkce_downgrade(target: TargetLike) -> AttackResult:
    """The victim follows an authorization link without code_challenge; the code is injected.

    A server that refuses the link, where the same request with a code_challenge
    gets a code, requires PKCE: that refusal is the defence, and the attack fails.
    """
    t = as_target(target)
    app = t.register()
    link = authorization_url(t, app, pkce=False)
    steps = [
        f"{t.attacker.username} sends {t.victim.username} the client's authorization "
        f"request with the code_challenge taken out: {link}"
    ]
    with t.browser() as victim_browser:
        page = sign_in(victim_browser, link, t.victim)
    if not params_of(page.location).get("code") or page.kind != "redirect":
        return _required(t, app, page, link, steps)
    code = code_from(page)
    steps.append(f"{t.victim.username} signs in and approves; the attacker intercepts code {code}")
    return _injected(t, app, code, page, True, steps, DOWNGRADE)


def _required(t: Target, app: Application, page: Page, link: str, steps: list[str]) -> AttackResult:
    """The link without code_challenge got no code: is PKCE required, or is it something else?"""
    answer = refusal(page, link) if params_of(page.location).get("error") else page.describe()
    steps.append(f"{t.victim.username} follows it; no code comes back: {answer}")
    with_pkce = authorization_url(t, app)
    with t.browser() as control:
        again = sign_in(control, with_pkce, t.victim)
    if again.kind != "redirect" or not params_of(again.location).get("code"):
        other = refusal(again, with_pkce) if params_of(again.location).get("error") else ""
        raise Unsupported(
            "Neither the request without code_challenge nor the same request with one "
            f"ended with a code, so whether the server refuses a downgrade cannot be known. "
            f"Without: {answer} With: {other or again.describe()}"
        )
    steps.append("the same request with a code_challenge signs in and gets a code")
    return DOWNGRADE.result(
        False,
        "The server requires PKCE: it gave no code for the request without a "
        "code_challenge, so there is no code to downgrade. The same request with a "
        "code_challenge got one.",
        steps,
        {"without code_challenge": answer, "with code_challenge": "a code"},
        reason=f"The server requires PKCE: without code_challenge, {answer} "
        "The same request with a code_challenge got a code.",
    )


INTERCEPTION = Lesson(
    "Code interception and injection",
    "RFC 9700 4.5, 2.1.1; RFC 7636",
    "PKCE: the code is bound to the code_challenge of the session that asked for it, "
    "and only that session's code_verifier redeems it.",
)
DOWNGRADE = Lesson(
    "PKCE downgrade",
    SWITCHES["pkce_downgrade"].source,
    "A token request with a code_verifier is accepted only for a code issued for a code_challenge.",
)


def _injected(
    t: Target,
    app: Application,
    code: str,
    page: Page,
    pkce: bool,
    steps: list[str],
    lesson: Lesson,
) -> AttackResult:
    """The attacker injects the code into her own session: did the client redeem it?"""
    forged, outcome = inject(t, app, code, params_of(page.location).get("iss"), pkce=pkce)
    steps.append(
        f"{t.attacker.username} starts her own session at the client and delivers the "
        f"stolen code to it: {forged}"
    )
    bound = (
        "for the code_challenge of the victim's session"
        if lesson is INTERCEPTION and pkce
        else "for a request without code_challenge"
    )
    sent = "its own code_verifier" if pkce else "no code_verifier"
    if isinstance(outcome, OAuthResponseError):
        steps.append(f"the client redeems it with {sent}: {refused(outcome)}")
        return lesson.result(
            False,
            f"The server refused the injected code ({outcome.error}): it was not issued for "
            "the attacker's session. The attacker got nothing.",
            steps,
            {"token endpoint answered": refused(outcome)},
            reason=f"The code was issued {bound}; the attacker's session redeemed it with "
            f"{sent}, and the token endpoint answered {sentence(refused(outcome))}",
        )
    owner = whose(t, app, outcome)
    steps.append(
        f"the client redeems it; {t.attacker.username}'s session now opens {owner}'s account"
    )
    return lesson.result(
        True,
        f"The server accepted the injected code: {t.attacker.username}'s session at the "
        f"client now works on {owner}'s account.",
        steps,
        {"attacker's access token": outcome.access_token, "account it opens": owner},
        reason=f"The code was issued {bound}; the token endpoint gave tokens for it to the "
        f"attacker's session, which sent {sent} (the account they open: {owner}).",
    )
