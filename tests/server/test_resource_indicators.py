"""Resource indicators (RFC 8707) and protected resource metadata (RFC 9728)."""

from __future__ import annotations

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from codegrant_kit.server.resource_indicators import WELL_KNOWN

from .helpers import (
    ISSUER,
    InProcess,
    assert_json_error,
    authorize,
    get_code,
    introspect,
    redeem,
    redirect_params,
    token_request,
)

PHOTOS = ISSUER + "/api/photos"
CALENDAR = ISSUER + "/api/calendar"


def call(http: httpx.Client, path: str, token: str) -> httpx.Response:
    return http.get(path, headers={"Authorization": f"Bearer {token}"})


def test_each_api_answers_its_metadata_at_the_path_inserted_well_known_url(browser):
    # RFC 9728 3.1: https://host/.well-known/oauth-protected-resource/api/photos
    photos = browser.get(WELL_KNOWN + "/api/photos")
    assert photos.status_code == 200
    assert photos.json() == {
        "resource": PHOTOS,  # RFC 9728 3.3: the identifier the URL was made from
        "authorization_servers": [ISSUER],
        "bearer_methods_supported": ["header"],
        "resource_name": "Import Photos API",
        "scopes_supported": ["photos:read"],
    }
    calendar = browser.get(WELL_KNOWN + "/api/calendar").json()
    assert calendar["resource"] == CALENDAR and calendar["authorization_servers"] == [ISSUER]
    assert browser.get(WELL_KNOWN + "/api/nothing").status_code == 404
    # RFC 9728 4: the authorization server lists them
    metadata = browser.get("/.well-known/oauth-authorization-server").json()
    assert metadata["protected_resources"] == [PHOTOS, CALENDAR]


@pytest.mark.parametrize("path", ["/api/photos", "/api/calendar"])
def test_a_401_points_at_the_apis_metadata(browser, path):
    response = browser.get(path)
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    # RFC 9728 5.1
    assert challenge.endswith(f', resource_metadata="{ISSUER}{WELL_KNOWN}{path}"')
    assert 'error="invalid_token"' in challenge


def test_resource_at_authorize_binds_the_token_to_that_api(server, browser):
    code = get_code(browser, server.client, resource=CALENDAR)
    issued = redeem(browser, server.client, code).json()
    assert call(browser, "/api/calendar", issued["access_token"]).status_code == 200
    # RFC 8707 1: replayed at another API, the token is refused
    refused = call(browser, "/api/photos", issued["access_token"])
    assert refused.status_code == 401
    assert "issued for " + CALENDAR in refused.json()["error_description"]
    assert 'error="invalid_token"' in refused.headers["www-authenticate"]
    # RFC 7662 2.2: introspection tells the audience
    assert introspect(browser, server.client, issued["access_token"])["aud"] == CALENDAR


def test_without_resource_a_token_is_for_every_api(server, browser):
    issued = redeem(browser, server.client, get_code(browser, server.client)).json()
    for path in ("/api/photos", "/api/calendar"):
        assert call(browser, path, issued["access_token"]).status_code == 200
    assert "aud" not in introspect(browser, server.client, issued["access_token"])


def test_resource_at_the_token_endpoint_alone_binds_the_token(server, browser):
    code = get_code(browser, server.client)
    issued = redeem(browser, server.client, code, resource=PHOTOS).json()
    assert call(browser, "/api/photos", issued["access_token"]).status_code == 200
    assert call(browser, "/api/calendar", issued["access_token"]).status_code == 401
    # the refresh token keeps the grant's reach (every API), and narrows again
    body = {
        "grant_type": "refresh_token",
        "refresh_token": issued["refresh_token"],
        "resource": CALENDAR,
    }
    refreshed = token_request(browser, server.client, body).json()
    assert call(browser, "/api/calendar", refreshed["access_token"]).status_code == 200
    assert call(browser, "/api/photos", refreshed["access_token"]).status_code == 401


def test_a_token_request_cannot_widen_the_resource_and_the_code_survives(server, browser):
    code = get_code(browser, server.client, resource=PHOTOS)
    wrong = redeem(browser, server.client, code, resource=CALENDAR)
    assert_json_error(wrong, "invalid_target", 400)
    assert "RFC 8707 2.2" in wrong.json()["error_description"]
    issued = redeem(browser, server.client, code, resource=PHOTOS)
    assert issued.status_code == 200
    refresh = {"grant_type": "refresh_token", "refresh_token": issued.json()["refresh_token"]}
    wider = token_request(browser, server.client, {**refresh, "resource": CALENDAR})
    assert_json_error(wider, "invalid_target", 400)
    # nothing changed: the refresh token still works, and stays for photos
    again = token_request(browser, server.client, refresh).json()
    assert call(browser, "/api/photos", again["access_token"]).status_code == 200
    assert call(browser, "/api/calendar", again["access_token"]).status_code == 401


@pytest.mark.parametrize(
    "resource",
    [
        "https://other.example/api/photos",  # not one of this server's APIs
        "/api/photos",  # not absolute
        PHOTOS + "#frag",  # RFC 8707 2: MUST NOT include a fragment
        "urn:example:api",
    ],
)
def test_an_unknown_or_malformed_resource_is_invalid_target(server, browser, resource):
    # RFC 8707 2: at the authorization endpoint, an error redirect
    params = redirect_params(authorize(browser, server.client, resource=resource))
    assert params["error"] == "invalid_target" and params["state"] == "xyz"
    # and at the token endpoint, 400 (the code survives)
    code = get_code(browser, server.client)
    assert_json_error(redeem(browser, server.client, code, resource=resource), "invalid_target")
    assert redeem(browser, server.client, code).status_code == 200


def test_two_resources_are_refused_with_a_reason(server, browser):
    query = {
        "response_type": "code",
        "client_id": server.client.client_id,
        "redirect_uri": server.client.redirect_uris[0],
        "state": "s",
    }
    url = httpx.URL("/authorize", params={**query}).copy_add_param("resource", PHOTOS)
    response = browser.get(url.copy_add_param("resource", CALENDAR))
    params = redirect_params(response)
    assert params["error"] == "invalid_target" and "one resource" in params["error_description"]


def test_a_jwt_access_tokens_aud_is_the_resource():
    kit = InProcess.create(access_token_format="jwt")
    try:
        browser = kit.browser()
        keys = KeySet.import_key_set(browser.get("/jwks").json())
        bound = redeem(browser, kit.client, get_code(browser, kit.client, resource=PHOTOS))
        claims = jwt.decode(bound.json()["access_token"], keys, algorithms=["RS256"]).claims
        assert claims["aud"] == PHOTOS  # RFC 9068 3, RFC 8707 2
        unbound = redeem(browser, kit.client, get_code(browser, kit.client)).json()
        claims = jwt.decode(unbound["access_token"], keys, algorithms=["RS256"]).claims
        assert claims["aud"] == ISSUER + "/api"
    finally:
        kit.close()


def test_the_audience_check_survives_a_restart_on_the_same_database(tmp_path):
    db = tmp_path / "class.db"
    kit = InProcess.create(db=db)
    browser = kit.browser()
    issued = redeem(browser, kit.client, get_code(browser, kit.client, resource=CALENDAR)).json()
    kit.close()
    kit.store.close()
    again = InProcess.create(db=db)
    try:
        browser = again.browser()
        assert call(browser, "/api/calendar", issued["access_token"]).status_code == 200
        assert call(browser, "/api/photos", issued["access_token"]).status_code == 401
    finally:
        again.close()
        again.store.close()
