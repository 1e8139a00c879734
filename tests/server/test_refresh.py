from __future__ import annotations

from codegrant_kit.server.grants import (
    MAX_GRANT_TOKENS,
    MAX_ROTATED_REFRESH_TOKENS,
    issue_tokens,
    rotate_refresh_token,
)

from .helpers import (
    FORM,
    InProcess,
    assert_json_error,
    basic,
    introspect,
    photos,
    token_request,
    tokens,
)


def refresh(http, client, refresh_token, **params):
    body = {"grant_type": "refresh_token", "refresh_token": refresh_token, **params}
    return token_request(http, client, body)


def test_refresh_rotates(server, browser):
    first = tokens(browser, server.client)
    response = refresh(browser, server.client, first["refresh_token"])
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    second = response.json()
    assert set(second) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["scope"] == "photos:read"
    assert photos(browser, second["access_token"]).status_code == 200
    # the new refresh token works in turn
    assert refresh(browser, server.client, second["refresh_token"]).status_code == 200


def test_rotated_refresh_token_stops_working(server, browser):
    first = tokens(browser, server.client)
    refresh(browser, server.client, first["refresh_token"])
    assert introspect(browser, server.client, first["refresh_token"]) == {"active": False}
    assert_json_error(refresh(browser, server.client, first["refresh_token"]), "invalid_grant", 400)


def test_reuse_of_a_rotated_refresh_token_revokes_the_grant(server, browser):
    first = tokens(browser, server.client)
    second = refresh(browser, server.client, first["refresh_token"]).json()
    body = assert_json_error(
        refresh(browser, server.client, first["refresh_token"]), "invalid_grant"
    )
    assert "revoked" in body["error_description"]
    assert photos(browser, first["access_token"]).status_code == 401
    assert photos(browser, second["access_token"]).status_code == 401
    assert_json_error(refresh(browser, server.client, second["refresh_token"]), "invalid_grant")


def test_reuse_revokes_only_that_grant(server, browser):
    mine = tokens(browser, server.client)
    other = tokens(browser, server.client)
    refresh(browser, server.client, mine["refresh_token"])
    refresh(browser, server.client, mine["refresh_token"])
    assert photos(browser, other["access_token"]).status_code == 200
    assert refresh(browser, server.client, other["refresh_token"]).status_code == 200


def test_narrower_scope(server, browser):
    first = tokens(browser, server.client, scope="photos:read profile")
    narrow = refresh(browser, server.client, first["refresh_token"], scope="profile").json()
    assert narrow["scope"] == "profile"
    assert introspect(browser, server.client, narrow["access_token"])["scope"] == "profile"
    # RFC 6749 6: the new refresh token keeps the scope first granted
    assert introspect(browser, server.client, narrow["refresh_token"])["scope"] == (
        "photos:read profile"
    )
    full = refresh(browser, server.client, narrow["refresh_token"]).json()
    assert full["scope"] == "photos:read profile"


def test_wider_scope_is_refused_and_the_token_still_works(server, browser):
    first = tokens(browser, server.client, scope="photos:read")
    response = refresh(browser, server.client, first["refresh_token"], scope="photos:read profile")
    assert_json_error(response, "invalid_scope", 400)
    assert photos(browser, first["access_token"]).status_code == 200
    assert refresh(browser, server.client, first["refresh_token"]).status_code == 200


def test_refresh_token_is_bound_to_its_client(server, browser):
    first = tokens(browser, server.client)
    other = server.add_client()
    assert_json_error(refresh(browser, other, first["refresh_token"]), "invalid_grant", 400)
    assert refresh(browser, server.client, first["refresh_token"]).status_code == 200


def test_another_client_reusing_a_rotated_token_does_not_revoke(server, browser):
    first = tokens(browser, server.client)
    second = refresh(browser, server.client, first["refresh_token"]).json()
    assert_json_error(
        refresh(browser, server.add_client(), first["refresh_token"]), "invalid_grant"
    )
    assert refresh(browser, server.client, second["refresh_token"]).status_code == 200


def test_expired_refresh_token(server, browser):
    first = tokens(browser, server.client)
    server.clock.advance(server.config.refresh_token_lifetime)
    assert_json_error(refresh(browser, server.client, first["refresh_token"]), "invalid_grant")


def test_refresh_token_outlives_the_access_token(server, browser):
    first = tokens(browser, server.client)
    server.clock.advance(server.config.access_token_lifetime + 1)
    assert photos(browser, first["access_token"]).status_code == 401
    assert refresh(browser, server.client, first["refresh_token"]).status_code == 200


def test_access_token_is_no_refresh_token(server, browser):
    first = tokens(browser, server.client)
    assert_json_error(refresh(browser, server.client, first["access_token"]), "invalid_grant")
    assert photos(browser, first["access_token"]).status_code == 200


def test_missing_refresh_token(server, browser):
    body = assert_json_error(refresh(browser, server.client, None), "invalid_request")
    assert "refresh_token" in body["error_description"]


def test_refresh_with_client_secret_post(server, browser):
    # a client registered with client_secret_post (server.client uses Basic)
    client = server.add_client(token_endpoint_auth_method="client_secret_post")
    first = tokens(browser, client)
    body = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    assert token_request(browser, client, body, auth="post").status_code == 200


def test_refresh_needs_client_authentication(server, browser):
    first = tokens(browser, server.client)
    body = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    response = token_request(browser, server.client, body, auth="none")
    assert_json_error(response, "invalid_client", 401)
    assert refresh(browser, server.client, first["refresh_token"]).status_code == 200


def test_repeated_scope_on_refresh(server, browser):
    first = tokens(browser, server.client)
    body = f"grant_type=refresh_token&refresh_token={first['refresh_token']}&scope=a&scope=b"
    headers = {**FORM, "Authorization": basic(server.client.client_id, server.client.client_secret)}
    assert_json_error(browser.post("/token", content=body, headers=headers), "invalid_request")


# -- a grant's memory stays bounded however often it is refreshed (RFC 9700 4.14.2) ---


def refresh_in_store(store, current):
    """One refresh as the token endpoint does it: rotate, then issue a new pair."""
    old = rotate_refresh_token(store, current.value, current.client_id, check=lambda _: None)
    return issue_tokens(
        store,
        client_id=old.client_id,
        username=old.username,
        scope=old.scope,
        grant_id=old.grant_id,
        refresh_scope=old.scope,
    )


def refreshed_grant(server, browser, times):
    """A grant refreshed `times` times, a second apart; its store, grant and tokens."""
    issued = tokens(browser, server.client)
    store = server.store
    current = store.active_token(issued["refresh_token"])
    history = [current]
    for _ in range(times):
        server.clock.advance(1)
        _, current = refresh_in_store(store, current)
        history.append(current)
    [grant] = store._grants.values()
    return store, grant, history


def sizes(store, grant):
    return (
        len(grant.tokens),
        len(grant.rotated),
        len(store._tokens),
        len(store._rotated),
        len(store._expiry),
    )


def test_a_grant_remembers_a_bounded_number_of_tokens(server, browser):
    store, grant, history = refreshed_grant(server, browser, 3000)
    assert len(grant.tokens) <= MAX_GRANT_TOKENS
    assert len(grant.rotated) <= MAX_ROTATED_REFRESH_TOKENS
    assert len(store._tokens) <= MAX_GRANT_TOKENS
    assert len(store._rotated) <= MAX_ROTATED_REFRESH_TOKENS
    # the purge heap holds no pile of entries for tokens that are gone already
    assert len(store._expiry) <= 4 * (MAX_GRANT_TOKENS + MAX_ROTATED_REFRESH_TOKENS) + 64
    # the newest tokens are the live ones; the oldest access tokens were retired
    assert history[-1].value in grant.tokens
    assert store.active_token(history[-1].value) is not None


def test_refresh_work_does_not_grow_with_history(server, browser):
    store, grant, _ = refreshed_grant(server, browser, 200)
    early = sizes(store, grant)
    other = InProcess.create()
    try:
        late_store, late_grant, _ = refreshed_grant(other, other.browser(), 3000)
        # what a refresh walks (the grant's tokens, its rotated ones, the heap) is as
        # big after 3000 refreshes as after 200
        late = sizes(late_store, late_grant)
        assert late[:4] == early[:4]
        assert late[4] <= early[4] + 64
    finally:
        other.close()


def test_reuse_of_a_recent_rotated_token_still_revokes_after_long_use(server, browser):
    store, grant, history = refreshed_grant(server, browser, 3000)
    stolen = history[-MAX_ROTATED_REFRESH_TOKENS]  # rotated long ago, still remembered
    response = refresh(browser, server.client, stolen.value)
    assert_json_error(response, "invalid_grant")
    assert grant.revoked
    assert store.active_token(history[-1].value) is None


def test_a_forgotten_rotated_token_gets_nothing(server, browser):
    store, _grant, history = refreshed_grant(server, browser, 100)
    forgotten = history[0]
    assert_json_error(refresh(browser, server.client, forgotten.value), "invalid_grant")
    assert store.active_token(history[-1].value) is not None


def test_the_database_keeps_a_bounded_number_of_rows(tmp_path):
    kit = InProcess.create(db=tmp_path / "server.db")
    try:
        store, _grant, _history = refreshed_grant(kit, kit.browser(), 1000)
        rows = store._backend._db.execute("SELECT rotated, count(*) FROM tokens GROUP BY rotated")
        counts = dict(rows.fetchall())
        assert counts[0] <= MAX_GRANT_TOKENS
        assert counts[1] <= MAX_ROTATED_REFRESH_TOKENS
    finally:
        kit.close()
        kit.store.close()
