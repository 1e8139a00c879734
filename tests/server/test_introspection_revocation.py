from __future__ import annotations

import pytest

from .helpers import (
    FORM,
    ISSUER,
    assert_json_error,
    basic,
    introspect,
    photos,
    token_request,
    tokens,
)


def revoke(http, client, token, **extra):
    return token_request(http, client, {"token": token, **extra}, path="/revoke")


# -- introspection (RFC 7662) ---------------------------------------------------------


def test_introspect_an_access_token(server, browser):
    issued = tokens(browser, server.client, scope="photos:read profile")
    body = introspect(browser, server.client, issued["access_token"])
    assert body == {
        "active": True,
        "scope": "photos:read profile",
        "client_id": server.client.client_id,
        "username": "alice",
        "exp": int(server.clock.now) + 3600,
        "iat": int(server.clock.now),
        "sub": "alice",
        "iss": ISSUER,
        "token_type": "Bearer",
    }


def test_introspect_a_refresh_token(server, browser):
    issued = tokens(browser, server.client)
    body = introspect(browser, server.client, issued["refresh_token"])
    assert body["active"] is True
    assert body["exp"] == int(server.clock.now) + 86400
    assert "token_type" not in body


def test_introspection_answers_no_store(server, browser):
    issued = tokens(browser, server.client)
    response = token_request(
        browser, server.client, {"token": issued["access_token"]}, path="/introspect"
    )
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("token", ["unknown", "x" * 5000])
def test_unknown_token_is_inactive(server, browser, token):
    assert introspect(browser, server.client, token) == {"active": False}


def test_expired_token_is_inactive(server, browser):
    issued = tokens(browser, server.client)
    server.clock.advance(3600)
    assert introspect(browser, server.client, issued["access_token"]) == {"active": False}
    assert introspect(browser, server.client, issued["refresh_token"])["active"] is True


def test_introspection_needs_client_authentication(server, browser):
    issued = tokens(browser, server.client)
    response = token_request(
        browser, server.client, {"token": issued["access_token"]}, path="/introspect", auth="none"
    )
    assert_json_error(response, "invalid_client", 401)
    assert response.headers["www-authenticate"].startswith("Basic")
    response = browser.post(
        "/introspect",
        data={"token": issued["access_token"]},
        headers={"Authorization": basic(server.client.client_id, "wrong")},
    )
    assert_json_error(response, "invalid_client", 401)


def test_introspection_with_client_secret_post(server, browser):
    issued = tokens(browser, server.client)
    response = token_request(
        browser, server.client, {"token": issued["access_token"]}, path="/introspect", auth="post"
    )
    assert response.json()["active"] is True


@pytest.mark.parametrize("path", ["/introspect", "/revoke"])
def test_missing_or_repeated_token(server, browser, path):
    assert_json_error(token_request(browser, server.client, {}, path=path), "invalid_request")
    headers = {**FORM, "Authorization": basic(server.client.client_id, server.client.client_secret)}
    response = browser.post(path, content="token=a&token=b", headers=headers)
    assert_json_error(response, "invalid_request")
    response = browser.post(
        path, json={"token": "a"}, headers={"Authorization": headers["Authorization"]}
    )
    assert_json_error(response, "invalid_request")
    assert_json_error(browser.get(path), "invalid_request", 405)


# -- revocation (RFC 7009) -------------------------------------------------------------


def test_revoke_an_access_token(server, browser):
    issued = tokens(browser, server.client)
    response = revoke(browser, server.client, issued["access_token"])
    assert response.status_code == 200
    assert response.json() == {}
    assert introspect(browser, server.client, issued["access_token"]) == {"active": False}
    assert photos(browser, issued["access_token"]).status_code == 401
    # revoking an access token leaves its refresh token alone (RFC 7009 2.1: MAY)
    assert introspect(browser, server.client, issued["refresh_token"])["active"] is True


def test_revoke_with_a_type_hint(server, browser):
    issued = tokens(browser, server.client)
    response = revoke(
        browser, server.client, issued["access_token"], token_type_hint="refresh_token"
    )
    assert response.status_code == 200
    assert introspect(browser, server.client, issued["access_token"]) == {"active": False}


def test_revoke_unknown_token_is_200(server, browser):
    response = revoke(browser, server.client, "never-issued")
    assert response.status_code == 200
    assert response.json() == {}


def test_revoke_twice_is_200(server, browser):
    issued = tokens(browser, server.client)
    assert revoke(browser, server.client, issued["access_token"]).status_code == 200
    assert revoke(browser, server.client, issued["access_token"]).status_code == 200


def test_revoking_a_refresh_token_kills_its_access_tokens(server, browser):
    issued = tokens(browser, server.client)
    refreshed = token_request(
        browser,
        server.client,
        {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]},
    ).json()
    assert revoke(browser, server.client, refreshed["refresh_token"]).status_code == 200
    for token in (issued["access_token"], refreshed["access_token"], refreshed["refresh_token"]):
        assert introspect(browser, server.client, token) == {"active": False}
    assert photos(browser, refreshed["access_token"]).status_code == 401
    response = token_request(
        browser,
        server.client,
        {"grant_type": "refresh_token", "refresh_token": refreshed["refresh_token"]},
    )
    assert_json_error(response, "invalid_grant")


def test_revoking_leaves_other_grants_alone(server, browser):
    mine, other = tokens(browser, server.client), tokens(browser, server.client)
    revoke(browser, server.client, mine["refresh_token"])
    assert photos(browser, other["access_token"]).status_code == 200


def test_revocation_needs_client_authentication(server, browser):
    issued = tokens(browser, server.client)
    response = revoke(browser, server.client, issued["access_token"], client_id="someone-else")
    assert_json_error(response, "invalid_request", 400)
    response = token_request(
        browser, server.client, {"token": issued["access_token"]}, path="/revoke", auth="none"
    )
    assert_json_error(response, "invalid_client", 401)
    assert photos(browser, issued["access_token"]).status_code == 200


def test_another_clients_token_is_inactive_to_it(server, browser):
    # RFC 7662 4: no client reads the username, scope or exp of another client's token
    issued = tokens(browser, server.client)
    other = server.add_client()
    for token in (issued["access_token"], issued["refresh_token"]):
        assert introspect(browser, other, token) == {"active": False}
        assert introspect(browser, server.client, token)["active"] is True


def test_another_clients_token_is_not_revoked(server, browser):
    issued = tokens(browser, server.client)
    other = server.add_client()
    response = revoke(browser, other, issued["access_token"])
    assert_json_error(response, "unauthorized_client", 400)
    assert photos(browser, issued["access_token"]).status_code == 200
