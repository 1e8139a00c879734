"""The exercises of 07-Security-Lab: one per family of attacks, checked automatically.

Expected answers are computed when checking, from the server's own constants,
the lab's browser models, the client layer, or a live run against a fresh lab
server; they are never printed.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import re
from collections.abc import Mapping
from typing import Any

from ..client import IssuerMismatch, OAuthResponseError, parse_redirect, s256
from ..lab._steps import sign_in, token_state
from ..lab.consent import may_frame
from ..lab.leaks import POLICIES, referer_sent
from ..lab.scenario import CALLBACK, LabServer, evil_twin
from ..server.authorize import BROWSER_COOKIE
from ..server.config import ServerConfig
from ..server.throttle import LIMITS, WINDOW
from .registry import CheckResult, exercise

# 4: the verifier whose S256 challenge the learner computes (RFC 7636 Appendix B's)
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
# 6: the login page the Referer would come from, and the third party it goes to
LOGIN_PAGE = (
    "http://127.0.0.1:8000/authorize?response_type=code&client_id=wU62DjlyDBnq87GlBwplfqvmAbAa"
    "&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb&state=af0ifjsldkj"
)
THIRD_PARTY = "https://tracker.example/pixel.gif"
# 5: the two servers of the mix-up
HONEST = "https://honest.as.example"
ATTACKER_AS = "https://attacker.example"
# 8: the page to frame and the attacker's page
CONSENT_PAGE = "https://as.example/authorize"
FRAMER = "https://attacker.example"
FRAMING_CASES: tuple[Mapping[str, str], ...] = (
    {},
    {"X-Frame-Options": "DENY"},
    {"X-Frame-Options": "SAMEORIGIN"},
    {"Content-Security-Policy": "frame-ancestors 'none'"},
    {"Content-Security-Policy": "default-src 'self'"},
    {"Content-Security-Policy": "frame-ancestors *"},
    {"Content-Security-Policy": "frame-ancestors 'self'", "X-Frame-Options": "DENY"},
    {"Content-Security-Policy": f"frame-ancestors {FRAMER}", "X-Frame-Options": "DENY"},
)  # fmt: skip


@exercise("replay-first")
def _replay_first(answer: Any) -> CheckResult:
    name = "replay-first"
    words = {"active": {"active", "valid", "alive", "works"}, "inactive": {"inactive", "revoked"}}
    words["inactive"] |= {"dead", "invalid"}
    given = str(answer).strip().lower() if isinstance(answer, str) else ""
    if given == "expired":
        # the lab's clock stands still, and the token is seconds old
        lifetime = ServerConfig().access_token_lifetime
        return CheckResult(
            name,
            False,
            f"It cannot have expired: it lives {lifetime} s and is seconds old. Answer "
            "'active' or 'inactive', and think about what the server does when a code "
            "comes back.",
        )
    if given not in words["active"] | words["inactive"]:
        return CheckResult(name, False, "Answer 'active' or 'inactive'.")
    with LabServer(password_hash="fast") as server:
        t = server.target
        app = t.register()
        with t.flow(app) as client:
            request = client.authorize()
            sign_in(client.browser, request.url, t.victim)
            client.receive_redirect()
            with t.http() as attacker:
                stolen = attacker.send(client.token_request()).json()["access_token"]
            with contextlib.suppress(OAuthResponseError):
                client.exchange_code()  # the victim's client comes second: refused
        expected = token_state(t, app, stolen)
    if given in words[expected]:
        return CheckResult(
            name,
            True,
            "the victim's late redemption counts as a replay too, and the server revokes "
            "what the code issued first: the attacker's token (RFC 6749 4.1.2).",
        )
    return CheckResult(
        name, False, "Think about what the server does to the tokens a replayed code gave."
    )


@exercise("tight-pattern")
def _tight_pattern(answer: Any) -> CheckResult:
    name = "tight-pattern"
    if not isinstance(answer, str) or not answer:
        return CheckResult(name, False, "Give the pattern as a string, without 'regexp='.")
    pattern = answer.removeprefix("regexp=")
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        return CheckResult(name, False, f"The pattern does not compile: {exc}.")
    if not compiled.fullmatch(CALLBACK):
        return CheckResult(name, False, f"It must still match {CALLBACK} itself.")
    attacks = (
        evil_twin(CALLBACK),
        CALLBACK.replace("client.example.com", "client-example.com"),
        CALLBACK.replace(".example.", "Xexample."),
        CALLBACK + ".evil.test",
        CALLBACK + "/../../evil",
        CALLBACK + "?next=https://evil.test",
        CALLBACK.replace("https:", "http:"),
    )
    for uri in attacks:
        if compiled.fullmatch(uri):
            return CheckResult(name, False, f"It lets {uri} through.{_why_through(pattern, uri)}")
    return CheckResult(
        name,
        True,
        f"it stops all {len(attacks)} look-alikes. Simpler still: no pattern at all, the "
        "exact string (RFC 9700 2.1).",
    )


def _why_through(pattern: str, uri: str) -> str:
    """Which part of the pattern let ``uri`` through, when one can be named."""
    lone_dot = r"(?<!\\)\.(?![*+])"
    with contextlib.suppress(re.error):
        if not re.fullmatch(re.sub(lone_dot, r"\\.", pattern), uri):
            return " (A dot matches any character: escape it as \\.)"
    if re.search(r"(?<!\\)\.[*+]", pattern):
        return " (.* matches anything that follows.)"
    return ""


@exercise("login-csrf-piece")
def _login_csrf_piece(answer: Any) -> CheckResult:
    name = "login-csrf-piece"
    given = str(answer).strip().strip("'\"`").lower() if isinstance(answer, str) else ""
    given = given.removeprefix("the ").strip()
    if given in {"sessiondatakey", "csrf_token", "csrf token", "csrf-token"}:
        return CheckResult(
            name, False, "That one is a hidden field of the form: the attacker copied it."
        )
    cookie = BROWSER_COOKIE.lower()
    if given in {"cookie", "browser cookie", cookie, f"{cookie} cookie"}:
        return CheckResult(
            name,
            True,
            f"the {BROWSER_COOKIE} cookie stays in the browser that opened the login page; "
            "another site cannot set or send it (RFC 6749 10.12).",
        )
    return CheckResult(name, False, "Name one of: sessionDataKey, csrf_token, the cookie.")


@exercise("pkce-s256")
def _pkce_s256(answer: Any) -> CheckResult:
    name = "pkce-s256"
    if not isinstance(answer, str) or not answer.strip():
        return CheckResult(name, False, "Give the code_challenge as a string.")
    expected = s256(VERIFIER)
    text = answer.strip()
    if text == expected:
        return CheckResult(
            name,
            True,
            "easy one way; going back from the challenge to the verifier would mean "
            "inverting SHA-256, which is why an attacker who reads the URL gains nothing.",
        )
    if text == VERIFIER:
        return CheckResult(name, False, "That is the verifier itself; the challenge is its hash.")
    unpadded = text.rstrip("=")
    if unpadded != text and unpadded.replace("+", "-").replace("/", "_") == expected:
        fix = " and use '-' and '_', not '+' and '/'" if unpadded != expected else ""
        return CheckResult(name, False, f"Drop the '=' padding (RFC 7636 Appendix A){fix}.")
    if text.replace("+", "-").replace("/", "_") == expected:
        return CheckResult(name, False, "Use base64url: '-' and '_', not '+' and '/'.")
    hex_digest = hashlib.sha256(VERIFIER.encode()).hexdigest()
    if text == hex_digest or unpadded == _b64url(hex_digest.encode()):
        return CheckResult(
            name, False, "Encode the digest's 32 bytes (digest()), not its hex text (hexdigest())."
        )
    return CheckResult(name, False, "BASE64URL(SHA256(ASCII(code_verifier))), no padding.")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


_BASE = f"{CALLBACK}?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz"
# callbacks, and whether the server's metadata promised iss (RFC 9207 3)
ISS_CASES: tuple[tuple[str, bool], ...] = (
    (f"{_BASE}&iss={HONEST}", True),
    (f"{_BASE}&iss={ATTACKER_AS}", True),
    (_BASE, True),
    (_BASE, False),
    (f"{_BASE}&iss={HONEST}/", True),
)


@exercise("iss-check")
def _iss_check(answer: Any) -> CheckResult:
    name = "iss-check"
    if not callable(answer):
        return CheckResult(name, False, "Pass your function: check('iss-check', accept).")
    for location, supported in ISS_CASES:
        for session_issuer in (HONEST, ATTACKER_AS):
            try:
                parse_redirect(
                    location,
                    expected_state="xyz",
                    expected_issuer=session_issuer,
                    iss_required=supported,
                )
                expected = True
            except IssuerMismatch:
                expected = False
            try:
                said = bool(answer(location, session_issuer, supported))
            except Exception as exc:  # the learner's code; its failure is the lesson
                return CheckResult(name, False, f"Your function raised {exc!r} on {location}.")
            if said != expected:
                verdict = "accepted" if said else "refused"
                return CheckResult(
                    name,
                    False,
                    f"It {verdict} {location} for a session with {session_issuer} "
                    f"(metadata: iss {'supported' if supported else 'not supported'}).",
                )
    return CheckResult(
        name, True, "exact comparison, and no iss at all is refused when the metadata promised it."
    )


@exercise("referrer-policies")
def _referrer_policies(answer: Any) -> CheckResult:
    name = "referrer-policies"
    if not isinstance(answer, (set, frozenset, list, tuple)):
        return CheckResult(name, False, "Give a set of policy names, e.g. {'no-referrer'}.")
    given = {str(p).strip().lower() for p in answer}
    unknown = sorted(given - set(POLICIES))
    if unknown:
        return CheckResult(name, False, f"{unknown[0]!r} is not a Referrer-Policy value.")
    safe = {
        p for p in POLICIES if "af0ifjsldkj" not in (referer_sent(LOGIN_PAGE, p, THIRD_PARTY) or "")
    }
    if given == safe:
        return CheckResult(
            name, True, f"these {len(safe)} send the origin at most to another site."
        )
    leaky = sorted(given - safe)
    if leaky:
        return CheckResult(name, False, f"{leaky[0]!r} sends the whole URL, state included.")
    return CheckResult(name, False, f"{len(safe) - len(given)} more policies keep it out too.")


@exercise("lockout-per-day")
def _lockout_per_day(answer: Any) -> CheckResult:
    name = "lockout-per-day"
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        return CheckResult(name, False, "Give a number of guesses.")
    expected = LIMITS["user"] * round(86_400 / WINDOW)
    if answer == expected:
        return CheckResult(
            name,
            True,
            "a dictionary of 10 000 passwords takes over a week for one account from one "
            "address, which is why a lockout helps; each address more adds as many "
            "guesses again, and no lockout saves a password from the top of the list.",
        )
    windows = round(86_400 / WINDOW)
    if answer == windows:
        return CheckResult(
            name,
            False,
            f"That is how many windows of {WINDOW:g} s fit in a day; how many "
            "wrong passwords does each window allow?",
        )
    if answer == LIMITS["user"]:
        return CheckResult(
            name,
            False,
            f"That is one window's worth; how many windows of {WINDOW:g} s fit in a day?",
        )
    if answer == LIMITS["address"] * windows:
        return CheckResult(
            name,
            False,
            "That is the limit per address; the limit for one account from "
            "one address stops the guesser first.",
        )
    hint = "too many" if answer > expected else "too few"
    return CheckResult(name, False, f"{hint}: how many windows of {WINDOW:g} s fit in a day?")


@exercise("framing")
def _framing(answer: Any) -> CheckResult:
    name = "framing"
    if not callable(answer):
        return CheckResult(name, False, "Pass your function: check('framing', may_be_framed).")
    for headers in FRAMING_CASES:
        expected, _ = may_frame(headers, CONSENT_PAGE, FRAMER)
        try:
            said = bool(answer(dict(headers)))
        except Exception as exc:  # the learner's code; its failure is the lesson
            return CheckResult(name, False, f"Your function raised {exc!r} on {dict(headers)}.")
        if said != expected:
            verdict = "framed" if said else "not framed"
            return CheckResult(
                name, False, f"With {dict(headers) or 'no headers'} you said {verdict}."
            )
    return CheckResult(
        name,
        True,
        f"all {len(FRAMING_CASES)} right: frame-ancestors, when present, decides, and "
        "X-Frame-Options only counts without it.",
    )
