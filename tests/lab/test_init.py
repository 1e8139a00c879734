"""codegrant_kit.lab exports every attack, in a sorted __all__."""

from __future__ import annotations

import ast
from pathlib import Path

import codegrant_kit.lab as lab
from codegrant_kit.lab import attacks


def isort_style(name: str) -> tuple[int, str]:
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


def test_all_is_sorted_unique_and_there() -> None:
    assert lab.__all__ == sorted(lab.__all__, key=isort_style)
    assert len(set(lab.__all__)) == len(lab.__all__)
    for name in lab.__all__:
        assert hasattr(lab, name), name


def test_every_attack_is_exported() -> None:
    # every registered attack, those that no switch lets through included
    for attack in attacks.ATTACKS:
        assert attack.run.__name__ in lab.__all__
        assert getattr(lab, attack.run.__name__) is attack.run


def test_the_lab_uses_only_the_clients_public_names() -> None:
    # the attacks are written over the client layer a learner uses, not its internals
    private = []
    for path in Path(lab.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module is not None:
                parts = node.module.split(".")
                if "client" in parts and any(p.startswith("_") for p in parts):
                    private.append(f"{path.name}: from {'.' * node.level}{node.module}")
    assert private == []
