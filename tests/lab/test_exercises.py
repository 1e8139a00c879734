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
