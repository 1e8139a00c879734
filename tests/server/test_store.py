from __future__ import annotations

import pytest

from codegrant_kit.lab import LabClock
from codegrant_kit.server import SeededRandomness, ServerConfig, Store
from codegrant_kit.server.errors import InvalidGrant
from codegrant_kit.server.grants import redeem_code
from codegrant_kit.server.store import User

from .helpers import (
    START,
    USERS,
    assert_error_page,
    authorize,
    get_code,
    redeem,
    sign_in,
    submit,
    token_request,
    tokens,
)


def test_purge_forgets_what_expired(server, browser):
    issued = tokens(browser, server.client)
    get_code(browser, server.client)  # a code never redeemed
    authorize(browser, server.client)  # a login page never used
    token_request(
        browser,
        server.client,
        {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]},
    )
    before = server.store.snapshot()
    assert before["codes"] and before["tokens"] and before["pending"]
    server.clock.advance(server.config.refresh_token_lifetime)
    server.store.purge()
    after = server.store.snapshot()
    assert after["codes"] == after["tokens"] == after["pending"] == []
    for table in ("_codes", "_used_codes", "_tokens", "_rotated", "_pending", "_grants"):
        assert getattr(server.store, table) == {}, table


def test_memory_stays_flat_under_long_use(server, browser):
    """A day of flows, one a minute: purging keeps only what is still alive."""
    sizes = []
    for hour in range(30):
        for _ in range(3):
            issued = tokens(browser, server.client)
            token_request(
                browser,
                server.client,
                {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]},
            )
            server.clock.advance(1200)
        store = server.store
        sizes.append(
            sum(
                len(getattr(store, t))
                for t in ("_codes", "_used_codes", "_tokens", "_rotated", "_pending", "_grants")
            )
        )
    # refresh tokens live a day, so the tables grow for a day, then stop growing
    day = 86400 // 3600
    assert max(sizes[day + 1 :]) <= sizes[day] + 3


def test_purge_happens_on_its_own(server, browser):
    get_code(browser, server.client)
    server.clock.advance(server.config.login_lifetime)
    get_code(browser, server.client)  # issuing sweeps what has expired
    assert len(server.store._codes) == 1
    assert len(server.store._pending) == 0


def test_a_long_refreshed_grant_stays_flat(server, browser):
    issued = tokens(browser, server.client)
    refresh_token = issued["refresh_token"]
    for _ in range(50):
        server.clock.advance(server.config.access_token_lifetime)  # the access token dies
        body = token_request(
            browser, server.client, {"grant_type": "refresh_token", "refresh_token": refresh_token}
        ).json()
        refresh_token = body["refresh_token"]
        server.store.purge()
    [grant] = server.store._grants.values()
    assert len(grant.tokens) <= 2  # one live access token, one live refresh token


def test_snapshot_shows_what_the_server_remembers(server, browser):
    page = sign_in(browser, authorize(browser, server.client))
    submit(browser, page, consent="approveAlways")
    issued = tokens(browser, server.client)
    get_code(browser, server.client)
    authorize(browser, server.client)
    snap = server.store.snapshot()
    assert set(snap) == {"users", "clients", "pending", "codes", "tokens", "consents"}
    assert snap["users"] == [{"username": "alice"}, {"username": "bob"}]
    assert [c["client_name"] for c in snap["clients"]] == ["Import Photos"]
    assert {c["used"] for c in snap["codes"]} == {True, False}
    values = {t["value"]: t for t in snap["tokens"]}
    assert values[issued["access_token"]]["kind"] == "access_token"
    assert values[issued["refresh_token"]]["kind"] == "refresh_token"
    assert values[issued["access_token"]]["username"] == "alice"
    [consent] = snap["consents"]
    assert consent["client_id"] == server.client.client_id
    [pending] = snap["pending"]
    assert pending["client_id"] == server.client.client_id


def test_snapshot_never_shows_passwords_or_login_secrets(server, browser):
    page = authorize(browser, server.client)
    sign_in(browser, page, "alice", "a wrong guess")
    text = repr(server.store.snapshot())
    for password in [*USERS.values(), "a wrong guess"]:
        assert password not in text
    for user in server.store._users.values():
        assert user.password_hash not in text
        assert user.password_hash not in repr(user)
    pending = next(iter(server.store._pending.values()))
    assert pending.csrf_token not in text
    assert pending.browser not in text
    assert pending.csrf_token not in repr(pending)
    assert browser.cookies["cgk_browser"] not in text


def test_passwords_are_stored_hashed():
    store = Store(ServerConfig())  # Argon2id
    user = store.add_user("carol", "s3cret")
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert "s3cret" not in user.password_hash
    assert store.check_password("carol", "s3cret")
    assert not store.check_password("carol", "S3cret")
    assert not store.check_password("dave", "s3cret")


@pytest.mark.parametrize("name", ["", "a:b"])
def test_usernames_must_be_usable_in_basic(name):
    with pytest.raises(ValueError):
        Store(ServerConfig(password_hash="fast")).add_user(name, "pw")


def test_client_ids_are_unique_and_bounded():
    store = Store(ServerConfig(password_hash="fast", max_clients=2))
    store.add_client(client_id="one", redirect_uris=["https://a.example/cb"])
    with pytest.raises(ValueError):
        store.add_client(client_id="one", redirect_uris=["https://a.example/cb"])
    store.add_client(redirect_uris=["https://a.example/cb"])
    with pytest.raises(OverflowError):
        store.add_client(redirect_uris=["https://a.example/cb"])


def test_failed_check_leaves_the_code(server, browser):
    code = get_code(browser, server.client)

    def refuse(_):
        raise InvalidGrant("not you")

    with pytest.raises(InvalidGrant, match="not you"):
        redeem_code(server.store, code, refuse)
    assert redeem_code(server.store, code, lambda _: None).code == code
    with pytest.raises(InvalidGrant, match="used already"):
        redeem_code(server.store, code, lambda _: None)


def test_seeded_randomness_repeats():
    def keys():
        store = Store(
            ServerConfig(
                password_hash="fast", randomness=SeededRandomness(7), clock=LabClock(START)
            )
        )
        client = store.add_client(redirect_uris=["https://a.example/cb"])
        return client.client_id, client.client_secret

    assert keys() == keys()
    assert len(keys()[0]) == 28


def test_secrets_are_random_by_default(server):
    ids = {server.add_client().client_id for _ in range(50)}
    assert len(ids) == 50
    assert all(len(i) == 28 for i in ids)


def test_redeemed_code_marks_the_snapshot(server, browser):
    code = get_code(browser, server.client)
    redeem(browser, server.client, code)
    [entry] = server.store.snapshot()["codes"]
    assert entry["code"] == code and entry["used"] is True


@pytest.mark.parametrize("damaged", ["fast$!!$x", "md5$abc", "$argon2id$v=19$garbage"])
def test_a_sign_in_against_a_damaged_hash_is_a_clear_page(server, browser, damaged):
    server.store._users["alice"] = User("alice", damaged)
    page = sign_in(browser, authorize(browser, server.client))
    text = assert_error_page(page, 503)
    assert "This account cannot sign in" in text
    assert "--user NAME:PASSWORD" in text
    # the others still sign in
    assert "Give consent" in sign_in(browser, authorize(browser, server.client), "bob").text
