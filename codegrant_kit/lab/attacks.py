"""Every attack of the lab, and the lab switch that lets each one through.

Each attack names its switch where it is defined (`registry.attack_on`); the
switches are declared in `codegrant_kit.server.switches`. Everything here is
read from those two places, the README's list of switches included:

    python -m codegrant_kit.lab            # the list, as Markdown
    python -m codegrant_kit.lab README.md  # rewrite it in the README

Each attack takes a `LabServer`, a `Target`, a running server or an issuer URL,
and returns an `AttackResult`; `codegrant_kit.lab` exports them all.
"""

from __future__ import annotations

from pathlib import Path

from ..server.switches import SWITCHES
from . import (
    audience_injection,
    audiences,
    browser_apps,
    code_injection,
    code_replay,
    consent,
    csrf,
    front_channel,
    guessing,
    leaks,
    mix_up,
    oidc,
    redirect_uri,
    token_theft,
)
from .registry import REGISTERED, Attack, Registered

# The modules that hold the attacks, in the order the tutorials (07-Security-Lab,
# 09-OpenID-Connect for oidc, then 10-Hardening for DPoP's token_theft, private_key_jwt's
# audience_injection and PAR's front_channel) tell them; importing one registers its attacks.
_IN_ORDER = (
    code_replay,
    redirect_uri,
    csrf,
    code_injection,
    mix_up,
    leaks,
    guessing,
    consent,
    oidc,
    token_theft,
    audience_injection,
    front_channel,
    audiences,
    browser_apps,
)
FAMILIES = tuple(module.__name__.rpartition(".")[2] for module in _IN_ORDER)
ATTACKS: tuple[Registered, ...] = tuple(
    sorted(REGISTERED, key=lambda attack: FAMILIES.index(attack.family))
)
# The server attacks each lab switch lets through (and no other switch does).
BY_SWITCH: dict[str, tuple[Attack, ...]] = {
    name: tuple(a.run for a in ATTACKS if a.switch == name) for name in SWITCHES
}

README_START = "<!-- lab switches: written by `python -m codegrant_kit.lab README.md` -->"
README_END = "<!-- lab switches: end -->"


def counts() -> str:
    """What the lab holds: '15 attack functions in 8 families, 11 lab switches'."""
    families = len({a.family for a in ATTACKS})
    return f"{len(ATTACKS)} attack functions in {families} families, {len(SWITCHES)} lab switches"


def switch_table() -> str:
    """The switches as a Markdown table, with the attacks and the checklist item of each."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = [
        "| switch | turns off | which allows | attacks | checklist item | where |",
        "|---|---|---|---|---|---|",
    ]
    for s in SWITCHES.values():
        attacks = ", ".join(f"`{run.__name__}`" for run in BY_SWITCH[s.name])
        lines.append(
            f"| `{s.name}` | {cell(s.defence)} | {cell(s.attack)} | {attacks} "
            f"| `{s.check}` | {s.source} |"
        )
    return "\n".join(lines)


def without_switch() -> str:
    """The attacks no server switch lets through, and what stops each."""
    return "; ".join(f"`{a.name}` ({a.defence})" for a in ATTACKS if a.switch is None)


def readme_section() -> str:
    """The README's list of switches, between its two marker comments."""
    return "\n".join(
        [
            README_START,
            f"The lab holds {counts()}. Each switch turns off one defence:",
            "",
            switch_table(),
            "",
            f"Stopped by the client or by a setting, not by a switch: {without_switch()}.",
            README_END,
        ]
    )


def rewrite_readme(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    before, start, rest = text.partition(README_START)
    _, end, after = rest.partition(README_END)
    if not start or not end:
        raise ValueError(f"{path} has no {README_START} ... {README_END} section.")
    path.write_text(before + readme_section() + after, encoding="utf-8")


__all__ = [
    "ATTACKS",
    "BY_SWITCH",
    "FAMILIES",
    "Attack",
    "counts",
    "readme_section",
    "rewrite_readme",
    "switch_table",
    "without_switch",
]
