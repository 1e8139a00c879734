"""Each lab exercise: a wrong answer is told why, a right one is accepted."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest

from codegrant_kit.exercises import EXERCISES, VERIFIER, check, security_lab
from codegrant_kit.lab import may_frame


def accept(location: str, session_issuer: str, iss_promised: bool) -> bool:
    iss = parse_qs(urlsplit(location).query).get("iss")
    return not iss_promised if iss is None else iss[0] == session_issuer


RIGHT = {
    "replay-first": "inactive",
    "tight-pattern": r"https://client\.example\.com/cb",
    "login-csrf-piece": "cookie",
    "pkce-s256": base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest())
    .rstrip(b"=")
    .decode(),
    "iss-check": accept,
    "referrer-policies": {
        "no-referrer",
        "same-origin",
        "origin",
        "strict-origin",
        "origin-when-cross-origin",
        "strict-origin-when-cross-origin",
    },
    "lockout-per-day": 960,
    "framing": lambda h: may_frame(h, "https://as.example/x", "https://attacker.example")[0],
}
WRONG = {
    "replay-first": "active",
    "tight-pattern": "https://client.example.com.*",
    "login-csrf-piece": "csrf_token",
    "pkce-s256": VERIFIER,
    "iss-check": lambda location, issuer, promised: "iss=" not in location or True,
    "referrer-policies": {"no-referrer", "unsafe-url"},
    "lockout-per-day": 10,
    "framing": lambda headers: "X-Frame-Options" not in headers,
}


# the exercises of 07-Security-Lab, in the one registry of every tutorial's exercises
LAB = sorted(name for name, run in EXERCISES.items() if run.__module__ == security_lab.__name__)


def test_every_exercise_is_covered() -> None:
    assert set(RIGHT) == set(WRONG) == set(LAB)


@pytest.mark.parametrize("name", LAB)
def test_right_answer(name: str) -> None:
    result = check(name, RIGHT[name])
    assert result.correct, result.message
    assert str(result).startswith("Right:")


@pytest.mark.parametrize("name", LAB)
def test_wrong_answer(name: str) -> None:
    result = check(name, WRONG[name])
    assert not result.correct
    assert str(result).startswith("Not yet:") and len(result.message) > 10


def test_placeholder_answers_get_a_hint() -> None:
    for name in LAB:
        assert not check(name, ...).correct


def test_hints_point_at_the_mistake() -> None:
    assert "dot" in check("tight-pattern", "https://client.example.com/cb").message
    assert "padding" in check("pkce-s256", RIGHT["pkce-s256"] + "=").message
    assert "unsafe-url" in check("referrer-policies", {"unsafe-url"}).message
    with pytest.raises(KeyError):
        check("no-such-exercise", 1)


# Wrong and nearly right answers, and the exact feedback each gets: every message must
# be true of its answer (a right answer in another spelling is accepted, a wrong one is
# never told a false reason).
DIGEST = hashlib.sha256(VERIFIER.encode()).digest()
STANDARD = base64.b64encode(DIGEST).decode()
REPLAY_RIGHT = (
    "the victim's late redemption counts as a replay too, and the server revokes what "
    "the code issued first: the attacker's token (RFC 6749 4.1.2)."
)
COOKIE_RIGHT = (
    "the cgk_browser cookie stays in the browser that opened the login page; another "
    "site cannot set or send it (RFC 6749 10.12)."
)
PATTERN_RIGHT = (
    "it stops all 7 look-alikes. Simpler still: no pattern at all, the exact string (RFC 9700 2.1)."
)
LOCKOUT_RIGHT = check("lockout-per-day", 960).message
FEEDBACK = [
    ("replay-first", "Inactive", True, REPLAY_RIGHT),
    ("replay-first", "revoked", True, REPLAY_RIGHT),
    (
        "replay-first",
        "active",
        False,
        "Think about what the server does to the tokens a replayed code gave.",
    ),
    # the token is revoked, not expired: "expired" is not accepted as a reason
    (
        "replay-first",
        "expired",
        False,
        "It cannot have expired: it lives 3600 s and is seconds old. Answer 'active' "
        "or 'inactive', and think about what the server does when a code comes back.",
    ),
    ("replay-first", "maybe", False, "Answer 'active' or 'inactive'."),
    ("login-csrf-piece", "the cookie", True, COOKIE_RIGHT),
    ("login-csrf-piece", "The Cookie", True, COOKIE_RIGHT),
    ("login-csrf-piece", "cgk_browser", True, COOKIE_RIGHT),
    ("login-csrf-piece", "cookie", True, COOKIE_RIGHT),
    (
        "login-csrf-piece",
        "sessionDataKey",
        False,
        "That one is a hidden field of the form: the attacker copied it.",
    ),
    (
        "login-csrf-piece",
        "the csrf_token",
        False,
        "That one is a hidden field of the form: the attacker copied it.",
    ),
    ("login-csrf-piece", "password", False, "Name one of: sessionDataKey, csrf_token, the cookie."),
    ("tight-pattern", r"https://client\.example\.com/cb", True, PATTERN_RIGHT),
    ("tight-pattern", r"^https://client\.example\.com/cb$", True, PATTERN_RIGHT),
    ("tight-pattern", "regexp=https://client\\.example\\.com/cb", True, PATTERN_RIGHT),
    (
        "tight-pattern",
        "https://client.example.com/cb",
        False,
        "It lets https://client-example.com/cb through. (A dot matches any "
        "character: escape it as \\.)",
    ),
    (
        "tight-pattern",
        "https://client.example.com.*",
        False,
        "It lets https://client.example.com.evil.test/cb through. (.* matches "
        "anything that follows.)",
    ),
    # the dots are escaped: the .* alone lets the look-alike through
    (
        "tight-pattern",
        r"https://client\.example\.com/cb.*",
        False,
        "It lets https://client.example.com/cb.evil.test through. (.* matches "
        "anything that follows.)",
    ),
    (
        "tight-pattern",
        r"https?://client\.example\.com/cb",
        False,
        "It lets http://client.example.com/cb through.",
    ),
    (
        "tight-pattern",
        r"https://client\.example\.com/c",
        False,
        "It must still match https://client.example.com/cb itself.",
    ),
    (
        "tight-pattern",
        "(",
        False,
        "The pattern does not compile: missing ), unterminated subpattern at position 0.",
    ),
    (
        "pkce-s256",
        STANDARD.rstrip("=").replace("+", "-").replace("/", "_"),
        True,
        "easy one way; going back from the challenge to the verifier would mean "
        "inverting SHA-256, which is why an attacker who reads the URL gains nothing.",
    ),
    (
        "pkce-s256",
        base64.urlsafe_b64encode(DIGEST).decode(),
        False,
        "Drop the '=' padding (RFC 7636 Appendix A).",
    ),
    (
        "pkce-s256",
        STANDARD,
        False,
        "Drop the '=' padding (RFC 7636 Appendix A) and use '-' and '_', not '+' and '/'.",
    ),
    ("pkce-s256", STANDARD.rstrip("="), False, "Use base64url: '-' and '_', not '+' and '/'."),
    (
        "pkce-s256",
        hashlib.sha256(VERIFIER.encode()).hexdigest(),
        False,
        "Encode the digest's 32 bytes (digest()), not its hex text (hexdigest()).",
    ),
    ("pkce-s256", VERIFIER, False, "That is the verifier itself; the challenge is its hash."),
    # padding on a wrong value: "drop the padding" would promise the rest is right
    ("pkce-s256", "abc=", False, "BASE64URL(SHA256(ASCII(code_verifier))), no padding."),
    ("referrer-policies", {"no-referrer"}, False, "5 more policies keep it out too."),
    (
        "referrer-policies",
        {"no-referrer", "no-referrer-when-downgrade"},
        False,
        "'no-referrer-when-downgrade' sends the whole URL, state included.",
    ),
    ("referrer-policies", {"no-referrer", "nope"}, False, "'nope' is not a Referrer-Policy value."),
    (
        "referrer-policies",
        "no-referrer",
        False,
        "Give a set of policy names, e.g. {'no-referrer'}.",
    ),
    ("lockout-per-day", 960.0, True, LOCKOUT_RIGHT),
    (
        "lockout-per-day",
        96,
        False,
        "That is how many windows of 900 s fit in a day; how many wrong passwords "
        "does each window allow?",
    ),
    (
        "lockout-per-day",
        10,
        False,
        "That is one window's worth; how many windows of 900 s fit in a day?",
    ),
    (
        "lockout-per-day",
        19200,
        False,
        "That is the limit per address; the limit for one account from one address "
        "stops the guesser first.",
    ),
    ("lockout-per-day", 9600, False, "too many: how many windows of 900 s fit in a day?"),
    ("lockout-per-day", "960", False, "Give a number of guesses."),
]


@pytest.mark.parametrize(("name", "answer", "correct", "message"), FEEDBACK)
def test_each_answer_gets_feedback_true_of_it(
    name: str, answer: object, correct: bool, message: str
) -> None:
    result = check(name, answer)
    assert (result.correct, result.message) == (correct, message)


def test_the_feedback_table_covers_every_answer_exercise() -> None:
    functions = {"iss-check", "framing"}  # judged case by case, each case named in the message
    assert {row[0] for row in FEEDBACK} | functions == set(LAB)


def test_a_judged_function_is_told_the_case_it_got_wrong() -> None:
    always = check("framing", lambda headers: True)
    assert always.message == "With {'X-Frame-Options': 'DENY'} you said framed."
    assert not may_frame({"X-Frame-Options": "DENY"}, "https://as.example/x", "https://a.example")[
        0
    ]
    trusting = check("iss-check", lambda location, issuer, promised: True)
    assert "It accepted " in trusting.message and "iss=https://honest.as.example for a " in (
        trusting.message
    )
    assert trusting.message.endswith(
        "session with https://attacker.example (metadata: iss supported)."
    )
