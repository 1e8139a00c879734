"""Every attack names, where it is defined, the lab switch that lets it through.

    @attack_on("code_replay")
    def replay_code(target: TargetLike) -> AttackResult: ...

    @attack_on(None, defence="the client checks state")
    def callback_csrf(target: TargetLike, *, check_state: bool = True) -> AttackResult: ...

The switches themselves are declared once, in `codegrant_kit.server.switches`;
a name that is not one of them is refused when the module is imported.
`attacks.BY_SWITCH` and `checklist.CHECKS` are read from what is registered here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ..server.switches import SWITCHES
from .result import AttackResult
from .scenario import TargetLike

Attack = Callable[[TargetLike], AttackResult]
F = TypeVar("F", bound=Callable[..., AttackResult])


@dataclass(frozen=True)
class Registered:
    run: Attack
    switch: str | None  # None: no server switch lets it through
    defence: str  # what stops it: the switch's defence, or the one given

    @property
    def name(self) -> str:
        return self.run.__name__

    @property
    def family(self) -> str:
        """The module that holds it: 'code_replay', 'leaks', ..."""
        return self.run.__module__.rpartition(".")[2]


REGISTERED: list[Registered] = []


def known_switch(switch: str) -> str:
    if switch not in SWITCHES:
        raise ValueError(
            f"Unknown lab switch {switch!r}; the switches are: {', '.join(sorted(SWITCHES))} "
            "(declared in codegrant_kit/server/switches.py)."
        )
    return switch


def attack_on(switch: str | None, *, defence: str = "") -> Callable[[F], F]:
    """Register an attack: `switch` lets it through; with None, say what stops it."""
    if switch is None and not defence:
        raise ValueError("An attack no lab switch lets through names its defence: defence=...")
    if switch is not None and defence:
        raise ValueError(f"The defence of {switch!r} is declared with the switch, not here.")
    stops_it = SWITCHES[known_switch(switch)].defence if switch is not None else defence

    def register(run: F) -> F:
        REGISTERED.append(Registered(run, switch, stops_it))
        return run

    return register
