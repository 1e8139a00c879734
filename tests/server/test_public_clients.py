"""Public clients (RFC 6749 2.1): token_endpoint_auth_method "none", no secret, PKCE required."""

from __future__ import annotations

import pytest

from codegrant_kit.server.pkce import s256

from .helpers import (
    REDIRECT_URI,
    InProcess,
    assert_json_error,
    authorize,
    get_code,
    redeem,
    redirect_params,
    token_request,
)

VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"  # RFC 7636 Appendix B
PKCE = {"code_challenge": s256(VERIFIER), "code_challenge_method": "S256"}


def register_public(browser):
    body = {
        "client_name": "Browser app",
        "redirect_uris": [REDIRECT_URI],
        "token_endpoint_auth_method": "none",
    }
    response = browser.post("/register", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_public_client_registers_and_gets_no_secret(server, browser):
    body = register_public(browser)
    assert body["token_endpoint_auth_method"] == "none"
    # RFC 7591 3.2.1: client_secret is OPTIONAL; a public client has none
    assert "client_secret" not in body and "client_secret_expires_at" not in body
    client = server.store.get_client(body["client_id"])
    assert client is not None and client.is_public and client.client_secret == ""


def test_a_public_client_runs_the_flow_with_pkce_and_its_client_id_alone(server, browser):
    client = server.store.get_client(register_public(browser)["client_id"])
    code = get_code(browser, client, **PKCE)
    response = redeem(
        browser, client, code, auth="none", client_id=client.client_id, code_verifier=VERIFIER
    )
    assert response.status_code == 200, response.text
    assert "refresh_token" in response.json()


def test_a_public_client_without_pkce_is_sent_back_invalid_request(server, browser):
    client = server.store.get_client(register_public(browser)["client_id"])
    response = authorize(browser, client)
    params = redirect_params(response)
    assert params["error"] == "invalid_request"
    assert "code_challenge" in params["error_description"]
    assert "public client" in params["error_description"]


def test_a_public_clients_code_needs_the_verifier(server, browser):
    client = server.store.get_client(register_public(browser)["client_id"])
    code = get_code(browser, client, **PKCE)
    body = {"client_id": client.client_id, "code_verifier": "x" * 43}
    assert_json_error(redeem(browser, client, code, auth="none", **body), "invalid_grant", 400)


def test_an_empty_secret_does_not_authenticate_a_public_client(server, browser):
    client = server.store.get_client(register_public(browser)["client_id"])
    code = get_code(browser, client, **PKCE)
    # an empty parameter is an omitted one (RFC 6749 3.1): so only Basic can carry ""
    response = redeem(browser, client, code, auth="basic", code_verifier=VERIFIER)
    assert_json_error(response, "invalid_client", 401)
    guess = {"client_id": client.client_id, "client_secret": "guess", "code_verifier": VERIFIER}
    assert_json_error(redeem(browser, client, code, auth="", **guess), "invalid_client", 401)
    # the code is still the rightful client's
    response = redeem(
        browser, client, code, auth="none", client_id=client.client_id, code_verifier=VERIFIER
    )
    assert response.status_code == 200


def test_a_confidential_clients_id_alone_is_refused_and_told_how(server, browser):
    code = get_code(browser, server.client)
    response = redeem(browser, server.client, code, auth="none", client_id=server.client.client_id)
    assert_json_error(response, "invalid_client", 401)
    description = response.json()["error_description"]
    assert "confidential" in description and "client_secret_basic" in description
    # nor at revocation and introspection, where any registered method works
    for path in ("/revoke", "/introspect"):
        body = {"token": "x", "client_id": server.client.client_id}
        assert (
            token_request(browser, server.client, body, auth="none", path=path).status_code == 401
        )


def test_a_public_client_revokes_but_cannot_introspect(server, browser):
    client = server.store.get_client(register_public(browser)["client_id"])
    code = get_code(browser, client, **PKCE)
    issued = redeem(
        browser, client, code, auth="none", client_id=client.client_id, code_verifier=VERIFIER
    ).json()
    body = {"token": issued["access_token"], "client_id": client.client_id}
    # RFC 7662 2.1: the introspection endpoint requires authorization
    introspected = token_request(browser, client, body, auth="none", path="/introspect")
    assert_json_error(introspected, "invalid_client", 401)
    # RFC 7009 2.1: a public client revokes with its client_id
    assert token_request(browser, client, body, auth="none", path="/revoke").status_code == 200
    assert (
        browser.get(
            "/api/photos", headers={"Authorization": "Bearer " + issued["access_token"]}
        ).status_code
        == 401
    )


def test_the_metadata_lists_none_for_tokens_and_revocation_only(browser):
    metadata = browser.get("/.well-known/oauth-authorization-server").json()
    assert "none" in metadata["token_endpoint_auth_methods_supported"]
    assert "none" in metadata["revocation_endpoint_auth_methods_supported"]
    assert "none" not in metadata["introspection_endpoint_auth_methods_supported"]


@pytest.mark.parametrize("require_pkce", [False, True])
def test_require_pkce_makes_it_every_clients_rule(require_pkce):
    kit = InProcess.create(require_pkce=require_pkce)
    try:
        browser = kit.browser()
        response = authorize(browser, kit.client)
        assert (response.status_code == 302) is require_pkce  # else the login page
        if require_pkce:
            params = redirect_params(response)
            assert params["error"] == "invalid_request"
            assert "this server requires PKCE" in params["error_description"]
            code = get_code(browser, kit.client, **PKCE)
            assert redeem(browser, kit.client, code, code_verifier=VERIFIER).status_code == 200
    finally:
        kit.close()


def test_the_store_api_makes_a_public_client(server):
    client = server.store.add_client(
        redirect_uris=[REDIRECT_URI], token_endpoint_auth_method="none", client_secret="ignored"
    )
    assert client.is_public and client.client_secret == ""
    assert "client_secret" not in client.metadata()
