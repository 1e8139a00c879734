from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["_actions", "_html", "authorize_panel", "state", "steps"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name: str) -> None:
    module = importlib.import_module(f"codegrant_kit.panels.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0


def test_authorize_link_goes_through_jupyters_proxy_in_hosted_jupyter(monkeypatch):
    from codegrant_kit.panels import authorize_panel

    url = "http://127.0.0.1:41234/authorize?response_type=code&client_id=k"
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/ada/")
    assert authorize_panel.browser_url(url) == (
        "/user/ada/proxy/41234/authorize?response_type=code&client_id=k"
    )
    assert authorize_panel.browser_url("https://wso2.example.com:9443/oauth2/authorize?a=1") == (
        "https://wso2.example.com:9443/oauth2/authorize?a=1"
    )
