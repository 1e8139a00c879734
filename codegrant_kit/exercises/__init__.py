"""Exercises with automatic checks: `check(name, answer)` says right or wrong, and why.

    >>> check("basic-header", "Basic ...").correct
    False
    >>> check("lockout-per-day", 5).correct
    False

The expected answers are computed when checking, from the exercise's inputs,
the server's own constants, the lab's browser models, the client layer, or a
live run against a fresh lab server; they are never printed, so a learner sees
only whether the answer is right and what to look at.

    registry        CheckResult, EXERCISES, check, and @exercise(name) that fills it
    flow            06-Exercises: the Basic header, the state, a broken request
    security_lab    07-Security-Lab: one exercise per family of attacks
"""

from __future__ import annotations

from . import flow, security_lab
from .flow import EXERCISE_KEY, EXERCISE_SECRET, FAULTY_REQUEST, SEED_BASIC
from .registry import EXERCISES, CheckResult, check, exercise
from .security_lab import VERIFIER

__all__ = [
    "EXERCISES",
    "EXERCISE_KEY",
    "EXERCISE_SECRET",
    "FAULTY_REQUEST",
    "SEED_BASIC",
    "VERIFIER",
    "CheckResult",
    "check",
    "exercise",
    "flow",
    "security_lab",
]
