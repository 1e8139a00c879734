"""Lockout after repeated failures: per user, per address, per client."""

from __future__ import annotations

from codegrant_kit.lab import LabClock
from codegrant_kit.server import throttle
from codegrant_kit.server.throttle import LIMITS, WINDOW, Throttle

from .helpers import (
    FORM,
    START,
    assert_client_refused,
    assert_json_error,
    authorize,
    basic,
    redirect_params,
    sign_in,
    submit,
    the_form,
)


def wrong_passwords(browser, client, n, username="alice"):
    """n wrong passwords, on as many login pages as that takes (five close a page)."""
    page = authorize(browser, client)
    for done in range(n):
        if done and done % 5 == 0:
            page = authorize(browser, client)
        page = sign_in(browser, page, username, "guess")


def test_ten_wrong_passwords_lock_the_account(server, browser):
    wrong_passwords(browser, server.client, LIMITS["user"])
    locked = sign_in(browser, authorize(browser, server.client), "alice")
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.text
    assert "location" not in locked.headers
    # others are not locked out
    assert "Give consent" in sign_in(browser, authorize(browser, server.client), "bob").text
    # the window passes
    server.clock.advance(WINDOW)
    assert "Give consent" in sign_in(browser, authorize(browser, server.client), "alice").text


def test_a_guesser_elsewhere_does_not_lock_the_owner_out(server, browser):
    # RFC 6749 10.10: guessing stays slow, but only for the guesser's address
    attacker = server.browser(address="203.0.113.66")
    wrong_passwords(attacker, server.client, LIMITS["user"])
    assert sign_in(attacker, authorize(attacker, server.client), "alice").status_code == 429
    owner = server.browser(address="198.51.100.7")
    assert "Give consent" in sign_in(owner, authorize(owner, server.client), "alice").text
    # and the owner signing in does not clear the guesser's count
    assert sign_in(attacker, authorize(attacker, server.client), "alice").status_code == 429


def test_a_locked_account_is_not_even_checked(server, browser):
    wrong_passwords(browser, server.client, LIMITS["user"])
    page = authorize(browser, server.client)
    locked = sign_in(browser, page, "alice")
    assert locked.status_code == 429
    # the same login page comes back, so the person can see why and try later
    assert the_form(locked.text).hidden == the_form(page.text).hidden
    assert server.store.snapshot()["codes"] == []


def test_signing_in_clears_the_count(server, browser):
    wrong_passwords(browser, server.client, LIMITS["user"] - 1)
    assert "Give consent" in sign_in(browser, authorize(browser, server.client), "alice").text
    wrong_passwords(browser, server.client, LIMITS["user"] - 1)
    assert "Give consent" in sign_in(browser, authorize(browser, server.client), "alice").text


def token_call(server, client_id, secret, address="127.0.0.1"):
    return server.raw(
        "POST",
        "/token",
        headers=[
            (b"content-type", FORM["Content-Type"].encode()),
            (b"authorization", basic(client_id, secret).encode()),
        ],
        body=b"grant_type=refresh_token&refresh_token=unknown",
        address=address,
    )


def test_twenty_wrong_secrets_lock_the_client_out(server):
    client = server.client
    for _ in range(LIMITS["client"]):
        assert token_call(server, client.client_id, "wrong").status_code == 401
    locked = token_call(server, client.client_id, client.client_secret)
    assert locked.status_code == 429
    assert_client_refused(locked)
    assert int(locked.headers["retry-after"]) <= WINDOW
    server.clock.advance(WINDOW)
    # past the lockout the secret is checked again: invalid_grant for the made-up token
    assert_json_error(token_call(server, client.client_id, client.client_secret), "invalid_grant")


def test_an_address_is_locked_out_after_many_failures(server):
    for n in range(LIMITS["address"]):
        assert token_call(server, f"guess-{n}", "wrong", "10.0.0.9").status_code == 401
    client = server.client
    assert token_call(server, client.client_id, client.client_secret, "10.0.0.9").status_code == 429
    right = token_call(server, client.client_id, client.client_secret, "10.0.0.10")
    assert_json_error(right, "invalid_grant")


def test_others_cannot_lock_a_client_out(server):
    client = server.client
    for _ in range(LIMITS["client"]):
        token_call(server, client.client_id, "wrong", address="203.0.113.66")
    rightful = token_call(server, client.client_id, client.client_secret, address="198.51.100.7")
    assert_json_error(rightful, "invalid_grant", 400)


def test_lockout_does_not_reveal_the_secret_check(server):
    client = server.client
    for _ in range(LIMITS["client"]):
        token_call(server, client.client_id, "wrong")
    right, wrong = (
        token_call(server, client.client_id, client.client_secret),
        token_call(server, client.client_id, "wrong"),
    )
    assert right.status_code == wrong.status_code == 429
    assert right.json() == wrong.json()


def test_the_flow_works_after_a_lockout_expires(server, browser):
    for _ in range(LIMITS["client"]):
        token_call(server, server.client.client_id, "wrong")
    server.clock.advance(WINDOW)
    page = sign_in(browser, authorize(browser, server.client))
    assert "code" in redirect_params(submit(browser, page, consent="approve"))


def test_throttle_forgets_old_keys(monkeypatch):
    monkeypatch.setattr(throttle, "MAX_KEYS", 10)
    clock = LabClock(START)
    limiter = Throttle(clock)
    for n in range(100):
        limiter.failed([("address", f"10.0.0.{n}")])
    assert len(limiter._failures) == 10
    for _ in range(LIMITS["user"]):
        limiter.failed([("user", "alice")])
    assert limiter.retry_after([("user", "alice")]) == WINDOW
    clock.advance(WINDOW / 2)
    assert limiter.retry_after([("user", "alice")]) == WINDOW / 2
    clock.advance(WINDOW / 2)
    assert limiter.retry_after([("user", "alice")]) is None


def test_disabled_throttle_counts_nothing():
    limiter = Throttle(LabClock(START), enabled=False)
    for _ in range(1000):
        limiter.failed([("user", "alice")])
    assert limiter.retry_after([("user", "alice")]) is None
    assert limiter._failures == {}
