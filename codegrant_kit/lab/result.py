"""What an attack did: whether it got through, in plain words, and the evidence."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

SHOWN_CHARS = 110  # evidence values are cut here when shown; the full value stays in `evidence`


class Unsupported(Exception):
    """The target lacks what the attack needs (a registration endpoint, an API URL, ...)."""


@dataclass(frozen=True)
class AttackResult:
    """One run of one attack against one server.

    `succeeded` is the attacker's view: True means the defence was off (or
    missing) and the attacker got what they wanted.
    """

    attack: str
    succeeded: bool
    what_happened: str  # plain words, starting with one sentence that says it all
    section: str  # where the defence is written down
    defence: str  # what stops the attack
    steps: tuple[str, ...] = ()  # what the attacker and victim did, in order, with real values
    evidence: Mapping[str, object] = field(default_factory=dict)
    # the verdict in one line, from this run's evidence (the checklist shows it);
    # empty: the headline
    reason: str = ""

    @property
    def headline(self) -> str:
        """The first sentence of `what_happened`: one line for a checklist."""
        first, _, _ = self.what_happened.partition(". ")
        return first.rstrip(".") + "."

    @property
    def verdict(self) -> str:
        if self.succeeded:
            return "attack SUCCEEDED: the defence is off"
        return "attack FAILED: the defence held"

    def __str__(self) -> str:
        lines = [f"{self.attack} ({self.section}): {self.verdict}"]
        lines += [f"  {n}. {step}" for n, step in enumerate(self.steps, start=1)]
        lines.append(f"  What happened: {self.what_happened}")
        lines.append(f"  Defence: {self.defence}")
        if self.evidence:
            lines.append("  Evidence:")
            lines += [f"    {name}: {_shown(value)}" for name, value in self.evidence.items()]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = "#b00020" if self.succeeded else "#1b7f3b"
        steps = "".join(f"<li>{escape(step)}</li>" for step in self.steps)
        rows = "".join(
            f"<tr><td style='padding:1px 8px'><code>{escape(name)}</code></td>"
            f"<td style='padding:1px 8px;word-break:break-all'>{escape(_shown(value))}</td></tr>"
            for name, value in self.evidence.items()
        )
        return (
            f'<div style="border-left:4px solid {colour};padding:.3em .8em;line-height:1.4">'
            f"<strong style='color:{colour}'>{escape(self.attack)}: {escape(self.verdict)}</strong>"
            f" <span style='color:#555'>({escape(self.section)})</span>"
            f"<ol style='margin:.3em 0'>{steps}</ol>"
            f"<div><b>What happened:</b> {escape(self.what_happened)}</div>"
            f"<div><b>Defence:</b> {escape(self.defence)}</div>"
            f"<table style='margin-top:.3em'>{rows}</table></div>"
        )


@dataclass(frozen=True)
class Lesson:
    """What stays the same however an attack ends: its name, the section, the defence.

    >>> REPLAY = Lesson("Code replay", "RFC 6749 4.1.2", "A code works once.")
    >>> REPLAY.result(False, "The replay was refused.", ["the attacker replays"]).verdict
    'attack FAILED: the defence held'
    """

    attack: str
    section: str  # where the defence is written down
    defence: str  # what stops the attack

    def result(
        self,
        succeeded: bool,
        what_happened: str,
        steps: Sequence[str],
        evidence: Mapping[str, object] | None = None,
        *,
        reason: str = "",
    ) -> AttackResult:
        return AttackResult(
            self.attack,
            succeeded,
            what_happened,
            self.section,
            self.defence,
            tuple(steps),
            {} if evidence is None else evidence,
            reason,
        )


def sentence(text: str) -> str:
    """Text that ends with one full stop, however the server's words ended.

    >>> sentence("invalid_grant: the code has expired.")
    'invalid_grant: the code has expired.'
    """
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"
