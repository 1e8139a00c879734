"""CORS at the token and revocation endpoints: only for the origins a client registered."""

from __future__ import annotations

import pytest

from codegrant_kit.server.cors import origin_of, registered_origins
from codegrant_kit.server.pkce import s256

from .helpers import InProcess, get_code, redeem

VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
PKCE = {"code_challenge": s256(VERIFIER), "code_challenge_method": "S256"}
APP = "https://app.example"  # the origin of the browser app's redirect URI


def public_client(kit: InProcess):
    return kit.add_client(redirect_uris=[APP + "/cb"], token_endpoint_auth_method="none")


def exchange(kit: InProcess, origin: str | None):
    client = public_client(kit)
    browser = kit.browser()
    code = get_code(browser, client, **PKCE)
    headers = {"Origin": origin} if origin else {}
    body = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": APP + "/cb",
        "client_id": client.client_id,
        "code_verifier": VERIFIER,
    }
    return browser.post("/token", data=body, headers=headers)


def test_the_clients_own_origin_may_read_the_token_response(server):
    response = exchange(server, APP)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == APP
    assert "access-control-allow-credentials" not in response.headers
    assert response.headers["vary"] == "Origin"


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "http://app.example", "https://app.example:8443", "null"]
)
def test_another_origin_gets_no_cors_header(server, origin):
    response = exchange(server, origin)
    assert response.status_code == 200  # answered, but the browser hides it from the page
    assert "access-control-allow-origin" not in response.headers


def test_an_error_answer_is_readable_by_the_clients_origin_too(server, browser):
    client = public_client(server)
    body = {"grant_type": "authorization_code", "code": "nope", "client_id": client.client_id}
    response = browser.post("/token", data=body, headers={"Origin": APP})
    assert response.status_code == 400
    assert response.headers["access-control-allow-origin"] == APP


def test_a_preflight_is_answered_for_a_registered_origin_only(server, browser):
    public_client(server)
    asked = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "dpop"}
    ok = browser.options("/token", headers={"Origin": APP, **asked})
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-origin"] == APP
    assert ok.headers["access-control-allow-methods"] == "POST"
    assert "DPoP" in ok.headers["access-control-allow-headers"]
    other = browser.options("/token", headers={"Origin": "https://evil.example", **asked})
    assert other.status_code == 204 and "access-control-allow-origin" not in other.headers
    assert browser.options("/revoke", headers={"Origin": APP, **asked}).status_code == 204


def test_the_lab_switch_reflects_every_origin_with_credentials():
    kit = InProcess.create(lab_switches={"cors_any_origin"})
    try:
        response = exchange(kit, "https://evil.example")
        assert response.headers["access-control-allow-origin"] == "https://evil.example"
        assert response.headers["access-control-allow-credentials"] == "true"
    finally:
        kit.close()


def test_the_metadata_documents_are_public(browser):
    for path in (
        "/.well-known/oauth-authorization-server",
        "/.well-known/oauth-protected-resource/api/photos",
    ):
        response = browser.get(path, headers={"Origin": "https://any.example"})
        assert response.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in response.headers


def test_origins_are_read_from_redirect_uris(server):
    assert origin_of("https://app.example:443/cb") == "https://app.example"
    assert origin_of("http://127.0.0.1:8080/cb") == "http://127.0.0.1:8080"
    assert origin_of("com.example.app:/cb") is None
    assert origin_of("http://[::1]:99999/") is None
    client = server.add_client(redirect_uris=["https://a.example/cb", "com.example.app:/cb"])
    assert registered_origins(client) == {"https://a.example"}


def test_a_request_without_origin_is_untouched(server, browser):
    response = redeem(browser, server.client, get_code(browser, server.client))
    assert response.status_code == 200 and "access-control-allow-origin" not in response.headers


def test_an_options_request_that_is_no_preflight_gets_405(browser):
    response = browser.options("/token", headers={"Origin": APP})
    assert response.status_code == 405 and response.headers["allow"] == "POST"
