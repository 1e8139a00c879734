"""The small models the attacks rely on: browsers' Referer and framing rules, the clock."""

from __future__ import annotations

import pytest

from codegrant_kit.lab import AttackResult, LabClock, may_frame, referer_sent
from codegrant_kit.lab.leaks import POLICIES, effective_policy
from codegrant_kit.lab.scenario import evil_twin

PAGE = "https://as.example/authorize?client_id=a&state=s3cr3t#frag"
OTHER = "https://tracker.example/x.gif"


@pytest.mark.parametrize(
    ("policy", "cross_origin", "same_origin"),
    [
        ("no-referrer", None, None),
        ("no-referrer-when-downgrade", "full", "full"),
        ("same-origin", None, "full"),
        ("origin", "origin", "origin"),
        ("strict-origin", "origin", "origin"),
        ("origin-when-cross-origin", "origin", "full"),
        ("strict-origin-when-cross-origin", "origin", "full"),
        ("unsafe-url", "full", "full"),
    ],
)
def test_referer_by_policy(policy: str, cross_origin: str | None, same_origin: str | None) -> None:
    shapes = {
        None: None,
        "full": "https://as.example/authorize?client_id=a&state=s3cr3t",
        "origin": "https://as.example/",
    }
    assert referer_sent(PAGE, policy, OTHER) == shapes[cross_origin]
    assert referer_sent(PAGE, policy, "https://as.example/help") == shapes[same_origin]


def test_referer_never_goes_from_https_to_http_under_strict_policies() -> None:
    strict = ("no-referrer-when-downgrade", "strict-origin", "strict-origin-when-cross-origin")
    for policy in strict:
        assert referer_sent(PAGE, policy, "http://tracker.example/x.gif") is None
    assert referer_sent(PAGE, "unsafe-url", "http://tracker.example/x.gif") is not None


def test_effective_policy() -> None:
    assert effective_policy(None) == "no-referrer-when-downgrade"
    assert effective_policy("no-referrer, bogus") == "no-referrer"
    assert effective_policy("bogus", default="origin") == "origin"
    assert set(POLICIES) >= {effective_policy(p) for p in POLICIES}


@pytest.mark.parametrize(
    ("headers", "framed"),
    [
        ({}, True),
        ({"X-Frame-Options": "DENY"}, False),
        ({"x-frame-options": "sameorigin"}, False),
        ({"X-Frame-Options": "ALLOW-FROM https://evil.example"}, True),  # obsolete: ignored
        ({"Content-Security-Policy": "frame-ancestors 'none'"}, False),
        ({"Content-Security-Policy": "frame-ancestors *"}, True),
        ({"Content-Security-Policy": "frame-ancestors https://*.example"}, True),
        ({"Content-Security-Policy": "frame-ancestors https://jupyter.example:8888"}, False),
        ({"Content-Security-Policy": "default-src 'none'", "X-Frame-Options": "DENY"}, False),
        ({"Content-Security-Policy": "frame-ancestors https:", "X-Frame-Options": "DENY"}, True),
    ],
)
def test_may_frame(headers: dict[str, str], framed: bool) -> None:
    assert may_frame(headers, "https://as.example/authorize", "https://evil.example")[0] is framed


def test_self_frames_itself_only() -> None:
    csp = {"Content-Security-Policy": "frame-ancestors 'self'"}
    assert may_frame(csp, "https://as.example/a", "https://as.example")[0]
    assert not may_frame(csp, "https://as.example/a", "https://evil.example")[0]


def test_evil_twin_and_clock() -> None:
    assert evil_twin("https://client.example.com:8443/cb?x=1") == (
        "https://client.example.com.evil.test:8443/cb?x=1"
    )
    clock = LabClock(100.0)
    assert clock() == clock() == 100.0
    clock.advance(300)
    assert clock() == 400.0


def test_attack_result_shows_its_verdict_steps_and_evidence() -> None:
    result = AttackResult(
        "Demo",
        True,
        "It worked. Details follow.",
        "RFC 9700 4.5",
        "a defence",
        ("one", "two"),
        {"token": "x" * 200},
    )
    text = str(result)
    assert text.startswith("Demo (RFC 9700 4.5): attack SUCCEEDED")
    assert "  1. one\n  2. two" in text
    assert "x" * 200 not in text and "…" in text  # long evidence is cut for display
    assert result.headline == "It worked."
    assert "#b00020" in result._repr_html_()
    assert repr(result) == text
