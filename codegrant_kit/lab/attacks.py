"""Every attack of the lab, and the lab switch that lets each one through.

    attack                     module           defence (switch that turns it off)
    replay_code                code_replay      single-use codes             (code_replay)
    regexp_redirect            redirect_uri     exact redirect URI matching  (regexp_redirect_uris)
    open_redirector            redirect_uri     no redirect on a bad URI     (open_redirect)
    callback_csrf              csrf             the client checks state      (client side)
    login_csrf                 csrf             form bound to its browser    (login_csrf)
    intercept_code             code_injection   PKCE                         (client side)
    pkce_downgrade             code_injection   no verifier without challenge (pkce_downgrade)
    mix_up                     mix_up           iss in the response          (no_iss)
    referrer_leak              leaks            Referrer-Policy              (referrer_leak)
    late_code                  leaks            codes die in minutes         (config: code_lifetime)
    token_in_url               leaks            tokens only in headers       (token_in_query)
    guess_password             guessing         lockout per user, address    (no_throttle)
    guess_client_secret        guessing         lockout per client, address  (no_throttle)
    consent_upgrade            consent          consent per scope            (consent_any_scope)
    clickjack                  consent          frame-ancestors, XFO         (framing)

Each takes a `LabServer`, a `Target`, a running server or an issuer URL, and
returns an `AttackResult`.
"""

from __future__ import annotations

from collections.abc import Callable

from .code_injection import intercept_code, pkce_downgrade
from .code_replay import replay_code
from .consent import clickjack, consent_upgrade
from .csrf import callback_csrf, login_csrf
from .guessing import guess_client_secret, guess_password
from .leaks import late_code, referrer_leak, token_in_url
from .mix_up import mix_up
from .redirect_uri import open_redirector, regexp_redirect
from .result import AttackResult
from .scenario import TargetLike

Attack = Callable[[TargetLike], AttackResult]

# The server attacks each lab switch lets through (and no other switch does).
BY_SWITCH: dict[str, tuple[Attack, ...]] = {
    "code_replay": (replay_code,),
    "open_redirect": (open_redirector,),
    "regexp_redirect_uris": (regexp_redirect,),
    "login_csrf": (login_csrf,),
    "pkce_downgrade": (pkce_downgrade,),
    "no_iss": (mix_up,),
    "referrer_leak": (referrer_leak,),
    "token_in_query": (token_in_url,),
    "no_throttle": (guess_password, guess_client_secret),
    "consent_any_scope": (consent_upgrade,),
    "framing": (clickjack,),
}

__all__ = [
    "BY_SWITCH",
    "Attack",
    "callback_csrf",
    "clickjack",
    "consent_upgrade",
    "guess_client_secret",
    "guess_password",
    "intercept_code",
    "late_code",
    "login_csrf",
    "mix_up",
    "open_redirector",
    "pkce_downgrade",
    "referrer_leak",
    "regexp_redirect",
    "replay_code",
    "token_in_url",
]
