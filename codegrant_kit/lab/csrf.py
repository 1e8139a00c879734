"""Attack 3: cross-site request forgery on the callback, and login CSRF.

CSRF on the callback is stopped by the client. RFC 9700 2.1: "Clients MUST
prevent Cross-Site Request Forgery (CSRF) ... one-time use CSRF tokens carried
in the `state` parameter that are securely bound to the user agent MUST be used"
(or PKCE). A client that takes any code that reaches its redirect URI can be
made to log the victim into the attacker's account (RFC 6749 10.12).

Login CSRF is stopped by the server: its login form only works from the browser
that opened it (a cookie bound to the request, and a CSRF token in the form,
RFC 6749 10.12). Lab switch: `login_csrf`.
"""

from __future__ import annotations

from ..client import OAuthResponseError, StateMismatch, parse_redirect
from ..server.switches import SWITCHES
from ._steps import code_from, fields_of, params_of, sign_in, whose
from .registry import attack_on
from .result import AttackResult, Lesson, Unsupported
from .scenario import TargetLike, as_target


@attack_on(None, defence="the client checks state on the callback")
def callback_csrf(target: TargetLike, *, check_state: bool = True) -> AttackResult:
    """The attacker plants a callback with their own code in the victim's browser.

    `check_state=False` plays a naive client that takes the code without looking
    at `state` (and, like many, without PKCE).
    """
    t = as_target(target)
    app = t.register()
    steps: list[str] = []
    with t.flow(app) as attacker_session:
        request = attacker_session.authorize(pkce=False)
        page = sign_in(attacker_session.browser, request.url, t.attacker)
        code_from(page, request.url)
        planted = page.location or ""
    steps.append(
        f"{t.attacker.username} signs in with her own account and keeps the callback "
        f"instead of following it: {planted}"
    )
    with t.flow(app) as victim_session:
        sent = victim_session.authorize(pkce=False).state
        steps.append(f"{t.victim.username}'s session at the client waits for state {sent}")
        steps.append(f"a page {t.victim.username} visits loads the planted callback in her browser")
        try:
            if check_state:
                victim_session.receive_redirect(planted)
            else:
                # the naive client: the same parser, with the state check left out
                victim_session.authorization_response = parse_redirect(planted, expected_state=None)
            tokens = victim_session.exchange_code()
        except (StateMismatch, OAuthResponseError) as exc:
            steps.append(f"the client drops the callback: {type(exc).__name__}")
            return CALLBACK_CSRF.result(
                False,
                f"The client refused the planted callback. {exc}",
                steps,
                {"state sent": sent, "state received": params_of(planted).get("state")},
            )
    owner = whose(t, app, tokens)
    steps.append(f"the client redeems the planted code; the token opens {owner}'s account")
    return CALLBACK_CSRF.result(
        True,
        f"The client took the planted code without checking state: {t.victim.username}'s "
        f"session now works on {owner}'s account, so what she uploads or imports lands "
        "with the attacker.",
        steps,
        {"planted code": params_of(planted).get("code"), "the session's account": owner},
    )


CALLBACK_CSRF = Lesson(
    "CSRF on the callback",
    "RFC 9700 2.1, 4.7; RFC 6749 10.12",
    "The client sends an unguessable state bound to the browser session and refuses a "
    "callback whose state differs (PKCE stops it too).",
)


@attack_on("login_csrf")
def login_csrf(target: TargetLike) -> AttackResult:
    """The attacker's page posts the attacker's login form from the victim's browser."""
    t = as_target(target)
    app = t.register()
    steps: list[str] = []
    with t.flow(app) as attacker_session:
        request = attacker_session.authorize()
        page = attacker_session.open_authorization_page()
        form = page.login_form
        if form is None:
            raise Unsupported(f"No login form at the authorization endpoint: {page.describe()}")
        hidden = ", ".join(form.hidden)
        steps.append(
            f"{t.attacker.username} opens the login page in her own browser and copies its "
            f"form, hidden fields included ({hidden})"
        )
    username_field, password_field = fields_of(form)
    with t.browser() as victim_browser:
        victim_browser.open(request.url)  # the victim has been to this server: its own cookie
        steps.append(
            f"a page {t.victim.username} visits posts that form, filled in with "
            f"{t.attacker.username}'s username and password, from {t.victim.username}'s browser"
        )
        values = {username_field: t.attacker.username, password_field: t.attacker.password}
        button = form.buttons[0] if form.buttons else None
        answer = victim_browser.submit(form, values, button=button)
    signed_in = answer.kind == "consent" or (
        answer.kind == "redirect" and "code" in params_of(answer.location)
    )
    steps.append(f"the server answers: {answer.describe()}")
    if signed_in:
        what = (
            f"The forged form was accepted: {t.victim.username}'s browser is now signed in "
            f"as {t.attacker.username} at the authorization server, and whatever she "
            "approves next lands in the attacker's account."
        )
    else:
        what = (
            "The forged form was refused: it did not come from the browser that opened "
            f"the login page. {answer.message}"
        )
    return AttackResult(
        "Login CSRF",
        signed_in,
        what,
        SWITCHES["login_csrf"].source,
        "The login and consent forms carry a CSRF token and work only with the cookie of "
        "the browser that opened them.",
        tuple(steps),
        {"server answered": f"{answer.status} {answer.reason}", "page": answer.title},
        "A login form copied from one browser, hidden fields included, and posted from "
        f"another that holds its own cookie, got: {answer.describe()}",
    )
