"""LAB regexp_redirect_uris: a catastrophic pattern costs a bounded time, not the server."""

from __future__ import annotations

import time

import pytest

from codegrant_kit.server.callback_patterns import MATCH_TIMEOUT, PatternTimeout, fullmatch_any

from .helpers import InProcess, assert_error_page, authorize, redirect_params, sign_in, submit

EVIL = r"https://client\.example\.com/(a+)+$"  # backtracks 2**n times on a's and one '!'
SLOW_URI = "https://client.example.com/" + "a" * 64 + "!"


def test_it_matches_as_re_fullmatch_does():
    patterns = [r"https://client\.example\.com/cb", r"https://[a-z.]+\.example/.*"]
    assert fullmatch_any(patterns, "https://client.example.com/cb")
    assert fullmatch_any(patterns, "https://app.example/anything")
    assert not fullmatch_any(patterns, "https://client.example.com/cb2")
    assert not fullmatch_any([], "https://client.example.com/cb")


def test_a_catastrophic_pattern_is_stopped_in_time():
    started = time.monotonic()
    with pytest.raises(PatternTimeout):
        fullmatch_any(["x", EVIL], SLOW_URI)
    assert time.monotonic() - started < MATCH_TIMEOUT + 2


def test_the_server_answers_a_page_and_goes_on():
    kit = InProcess.create(lab_switches=frozenset({"regexp_redirect_uris"}))
    try:
        browser = kit.browser()
        client = kit.add_client(redirect_uris=["regexp=" + EVIL])
        started = time.monotonic()
        text = assert_error_page(authorize(browser, client, redirect_uri=SLOW_URI))
        assert time.monotonic() - started < MATCH_TIMEOUT + 2
        assert "too long" in text
        # the same pattern still lets a matching URI through, and other clients work
        fast = "https://client.example.com/aaa"
        page = sign_in(browser, authorize(browser, client, redirect_uri=fast))
        assert "code" in redirect_params(submit(browser, page, consent="approve"), fast)
        assert authorize(kit.browser(), kit.client).status_code == 200
    finally:
        kit.close()
