from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["consent", "leaks", "oidc", "result", "scenario"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name: str) -> None:
    module = importlib.import_module(f"codegrant_kit.lab.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
