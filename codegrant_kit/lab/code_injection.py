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
from ._steps import authorization_url, code_from, inject, params_of, sign_in, whose
from .registry import attack_on
from .result import AttackResult, Lesson
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
        code = code_from(page)
    steps.append(
        f"{t.victim.username} signs in and approves; a malicious app registered for the same "
        f"redirect URI receives the callback first: code {code}"
    )
    return _injected(t, app, code, page, pkce, steps, INTERCEPTION)


@attack_on("pkce_downgrade")
def pkce_downgrade(target: TargetLike) -> AttackResult:
    """The victim follows an authorization link without code_challenge; the code is injected."""
    t = as_target(target)
    app = t.register()
    link = authorization_url(t, app)
    steps = [
        f"{t.attacker.username} sends {t.victim.username} the client's authorization "
        f"request with the code_challenge taken out: {link}"
    ]
    with t.browser() as victim_browser:
        page = sign_in(victim_browser, link, t.victim)
    code = code_from(page)
    steps.append(f"{t.victim.username} signs in and approves; the attacker intercepts code {code}")
    return _injected(t, app, code, page, True, steps, DOWNGRADE)


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
    if isinstance(outcome, OAuthResponseError):
        steps.append(f"the client redeems it with its own code_verifier: {refused(outcome)}")
        return lesson.result(
            False,
            f"The server refused the injected code ({outcome.error}): it was not issued for "
            "the attacker's session. The attacker got nothing.",
            steps,
            {"token endpoint answered": refused(outcome)},
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
    )
