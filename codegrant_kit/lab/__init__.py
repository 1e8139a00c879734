"""The security lab: attacks on the authorization code flow, run live, and their defences.

Anchored in RFC 9700 (OAuth 2.0 Security Best Current Practice) and RFC 6749
Section 10. Each attack is the attacker's steps written as code over the client
layer; it returns an `AttackResult` (did it get through, what happened, the
section, the evidence). Against our server with every defence on it fails; with
the lab switch of its defence on (`LabServer("code_replay")`) it succeeds.

Module map (where each defence is written down: `switch_table()`):
    scenario        the cast (victim, attacker, a weak client), LabServer, Target
    code_replay     1 a stolen code redeemed twice
    redirect_uri    2 regexp= callbacks, open redirector
    csrf            3 CSRF on the callback, login CSRF
    code_injection  4 interception vs PKCE, PKCE downgrade
    mix_up          5 two servers, one malicious
    leaks           6 Referer, old codes, tokens in URLs
    guessing        7 passwords and client secrets
    consent         8 Approve Always, clickjacking
    oidc            9 ID tokens at the API, injected, forged (none, HS256); OAuth as login
    token_theft    10 a stolen access token replayed from another machine (DPoP)
    audience_injection
                   11 a private_key_jwt assertion made for another server, replayed
    front_channel  12 the request rewritten in the browser, vs PAR
    audiences      13 a token for one API replayed at another (RFC 8707)
    browser_apps   14 a public client without PKCE, CORS open to any origin
    registry        @attack_on(switch): each attack names its lab switch where it is defined
    attacks         all of them, the switch each one needs, and the table of switches
    checklist       every defence checked live against any server
    oidc_checks     the checklist's OpenID Connect items, for any OpenID Provider
    profile_probes  what a server requires of every client (its profile: OAuth 2.1, FAPI 2.0)

The switches themselves are declared once, in `codegrant_kit.server.switches`.
The exercises of the tutorial are in `codegrant_kit.exercises`.
"""

from __future__ import annotations

from .attacks import ATTACKS, BY_SWITCH, Attack, switch_table
from .audience_injection import audience_injection
from .audiences import audience_replay
from .browser_apps import cors_any_origin, public_client_without_pkce
from .checklist import CHECKS, ChecklistItem, ChecklistReport, run_checklist
from .code_injection import intercept_code, pkce_downgrade
from .code_replay import replay_code
from .consent import clickjack, consent_upgrade, may_frame
from .csrf import callback_csrf, login_csrf
from .front_channel import tamper_front_channel
from .guessing import guess_client_secret, guess_password
from .leaks import late_code, referer_sent, referrer_leak, token_in_url
from .mix_up import MaliciousServer, mix_up
from .oidc import (
    Forgery,
    NaiveRefusal,
    SignIn,
    forge,
    forged_alg_none,
    id_token_at_api,
    id_token_from_another_client,
    id_token_from_another_flow,
    key_confusion,
    naive_userinfo_login,
    naive_validate,
    oauth_as_login,
    signed_in,
)
from .profile_probes import Probe, probe_requirements
from .redirect_uri import open_redirector, regexp_redirect
from .registry import attack_on
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
from .token_theft import stolen_token_replay

__all__ = [
    "ATTACKER",
    "ATTACKS",
    "BY_SWITCH",
    "CHECKS",
    "VICTIM",
    "Account",
    "Attack",
    "AttackResult",
    "ChecklistItem",
    "ChecklistReport",
    "Forgery",
    "LabClock",
    "LabServer",
    "MaliciousServer",
    "NaiveRefusal",
    "Probe",
    "SignIn",
    "Target",
    "Unsupported",
    "as_target",
    "attack_on",
    "audience_injection",
    "audience_replay",
    "callback_csrf",
    "clickjack",
    "consent_upgrade",
    "cors_any_origin",
    "forge",
    "forged_alg_none",
    "guess_client_secret",
    "guess_password",
    "id_token_at_api",
    "id_token_from_another_client",
    "id_token_from_another_flow",
    "intercept_code",
    "key_confusion",
    "late_code",
    "login_csrf",
    "may_frame",
    "mix_up",
    "naive_userinfo_login",
    "naive_validate",
    "oauth_as_login",
    "open_redirector",
    "pkce_downgrade",
    "probe_requirements",
    "public_client_without_pkce",
    "referer_sent",
    "referrer_leak",
    "regexp_redirect",
    "replay_code",
    "run_checklist",
    "signed_in",
    "stolen_token_replay",
    "stop_all",
    "switch_table",
    "tamper_front_channel",
    "token_in_url",
]
