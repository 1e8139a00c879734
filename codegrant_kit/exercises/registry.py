"""One registry for every exercise of the tutorials: `check(name, answer)`.

An exercise registers itself where it is defined:

    @exercise("basic-header")
    def _basic_header(answer: Any) -> CheckResult: ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any


@dataclass(frozen=True)
class CheckResult:
    exercise: str
    correct: bool
    message: str

    def __str__(self) -> str:
        mark = "Right" if self.correct else "Not yet"
        return f"{mark}: {self.message}"

    def _repr_html_(self) -> str:
        colour = "#1b7f3b" if self.correct else "#b00020"
        mark = "✔ Right" if self.correct else "✘ Not yet"
        return (
            f'<div style="border-left:4px solid {colour};padding:.4em .8em">'
            f"<strong>{mark}</strong> ({escape(self.exercise)}): {escape(self.message)}</div>"
        )

    def __repr__(self) -> str:
        return str(self)


Exercise = Callable[[Any], CheckResult]
EXERCISES: dict[str, Exercise] = {}


def exercise(name: str) -> Callable[[Exercise], Exercise]:
    """Register the check of the exercise `name`."""
    if name in EXERCISES:
        raise ValueError(f"There is an exercise {name!r} already.")

    def register(run: Exercise) -> Exercise:
        EXERCISES[name] = run
        return run

    return register


def check(exercise: str, answer: Any) -> CheckResult:
    """Check an answer to one of the exercises in `EXERCISES`."""
    if exercise not in EXERCISES:
        raise KeyError(f"No exercise {exercise!r}; there are {', '.join(sorted(EXERCISES))}.")
    return EXERCISES[exercise](answer)
