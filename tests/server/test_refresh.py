from __future__ import annotations

from .helpers import (
    FORM,
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
