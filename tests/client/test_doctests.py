import doctest
import importlib

import pytest

MODULES = [
    "_http",
    "authorize_url",
    "basic_auth",
    "browser",
    "choices",
    "discovery",
    "exchange",
    "explain",
    "export",
    "forms",
    "jwt",
    "masking",
    "mermaid",
    "outcome",
    "pages",
    "presets",
    "redirect",
    "token",
    "transcript",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name):
    module = importlib.import_module(f"codegrant_kit.client.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
