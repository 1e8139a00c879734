"""The security lab: attacks on the authorization code flow, run live, and their defences.

Anchored in RFC 9700 (OAuth 2.0 Security Best Current Practice) and RFC 6749
Section 10. Each attack is the attacker's steps written as code over the client
layer; it returns an `AttackResult` (did it get through, what happened, the
section, the evidence). Against our server with every defence on it fails; with
the lab switch of its defence on (`LabServer("code_replay")`) it succeeds.

Module map:
    scenario        the cast (victim, attacker, a weak client), LabServer, Target
    code_replay     1 a stolen code redeemed twice           RFC 6749 4.1.2
    redirect_uri    2 regexp= callbacks, open redirector     RFC 9700 2.1, 4.1, 4.11.2
    csrf            3 CSRF on the callback, login CSRF       RFC 9700 4.7, RFC 6749 10.12
    code_injection  4 interception vs PKCE, PKCE downgrade   RFC 9700 4.5, 4.8
    mix_up          5 two servers, one malicious             RFC 9700 4.4, RFC 9207
    leaks           6 Referer, old codes, tokens in URLs     RFC 9700 4.2, 4.3
    guessing        7 passwords and client secrets           RFC 6749 10.10
    consent         8 Approve Always, clickjacking           RFC 9700 2.3, 4.16
    attacks         all of them, and the switch each one needs
    checklist       every defence checked live against any server
    exercises       one exercise per attack, checked automatically
"""

from __future__ import annotations

from .attacks import (
    BY_SWITCH,
    Attack,
    callback_csrf,
    clickjack,
    consent_upgrade,
    guess_client_secret,
    guess_password,
    intercept_code,
    late_code,
    login_csrf,
    mix_up,
    open_redirector,
    pkce_downgrade,
    referrer_leak,
    regexp_redirect,
    replay_code,
    token_in_url,
)
from .checklist import CHECKS, ChecklistItem, ChecklistReport, run_checklist
from .consent import may_frame
from .leaks import referer_sent
from .mix_up import MaliciousServer
from .result import AttackResult, Unsupported
from .scenario import (
    ATTACKER,
    VICTIM,
    Account,
    LabClock,
    LabServer,
    Target,
    as_target,
    stop_all,
)

__all__ = [
    "ATTACKER",
    "BY_SWITCH",
    "CHECKS",
    "VICTIM",
    "Account",
    "Attack",
    "AttackResult",
    "ChecklistItem",
    "ChecklistReport",
    "LabClock",
    "LabServer",
    "MaliciousServer",
    "Target",
    "Unsupported",
    "as_target",
    "callback_csrf",
    "clickjack",
    "consent_upgrade",
    "guess_client_secret",
    "guess_password",
    "intercept_code",
    "late_code",
    "login_csrf",
    "may_frame",
    "mix_up",
    "open_redirector",
    "pkce_downgrade",
    "referer_sent",
    "referrer_leak",
    "regexp_redirect",
    "replay_code",
    "run_checklist",
    "stop_all",
    "token_in_url",
]
