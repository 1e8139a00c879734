"""The request rewritten in the browser: granted without PAR, ignored with it (RFC 9126)."""

from __future__ import annotations

from codegrant_kit.lab import tamper_front_channel

from .conftest import LabFactory


def test_a_widened_scope_is_granted_without_par(lab: LabFactory) -> None:
    result = tamper_front_channel(lab())
    assert result.succeeded is True, str(result)
    assert "photos:read profile" in str(result.evidence["granted"])
    assert "rewritten in the browser" in result.reason


def test_par_ignores_what_the_browser_adds(lab: LabFactory) -> None:
    result = tamper_front_channel(lab(), par=True)
    assert result.succeeded is False, str(result)
    assert result.evidence["granted"] == "photos:read"
    assert "ignored (RFC 9126 4)" in result.reason
    assert any("urn:ietf:params:oauth:request_uri:" in step for step in result.steps)


def test_a_server_that_requires_par_refuses_the_bare_request(lab: LabFactory) -> None:
    result = tamper_front_channel(lab(require_pushed_authorization_requests=True))
    assert result.succeeded is False, str(result)
    assert "got no code" in result.reason
