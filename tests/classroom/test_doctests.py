"""The examples in the classroom modules' docstrings run as written."""

from __future__ import annotations

import doctest

import pytest

from codegrant_kit import jupyter_proxy, runner, serve_options
from codegrant_kit.server import browser_cookie, dashboard, forwarded_prefix, progress, rate_limit

MODULES = [
    browser_cookie,
    dashboard,
    forwarded_prefix,
    jupyter_proxy,
    progress,
    rate_limit,
    serve_options,
]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_module_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_public_issuer_example():
    finder = doctest.DocTestFinder()
    runner_ = doctest.DocTestRunner()
    for test in finder.find(runner.public_issuer, globs={"public_issuer": runner.public_issuer}):
        runner_.run(test)
    assert runner_.summarize(verbose=False) == doctest.TestResults(failed=0, attempted=1)
