from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .helpers import (
    CHALLENGE,
    FORM,
    ISSUER,
    OTHER_REDIRECT_URI,
    VERIFIER,
    InProcess,
    assert_json_error,
    basic,
    get_code,
    introspect,
    photos,
    redeem,
    token_request,
)


def test_code_for_tokens(server, browser):
    code = get_code(browser, server.client, scope="photos:read profile")
    response = redeem(browser, server.client, code)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "photos:read profile"
    assert len(body["access_token"]) >= 43 and len(body["refresh_token"]) >= 43
    assert body["access_token"] != body["refresh_token"]
    assert photos(browser, body["access_token"]).status_code == 200


def test_lifetimes_come_from_the_config():
    kit = InProcess.create(access_token_lifetime=60)
    try:
        browser = kit.browser()
        body = redeem(browser, kit.client, get_code(browser, kit.client)).json()
        assert body["expires_in"] == 60
    finally:
        kit.close()


def test_no_refresh_token_without_the_refresh_grant(server, browser):
    client = server.add_client(grant_types=["authorization_code"])
    body = redeem(browser, client, get_code(browser, client)).json()
    assert "refresh_token" not in body
    response = token_request(browser, client, {"grant_type": "refresh_token", "refresh_token": "x"})
    assert_json_error(response, "unauthorized_client", 400)


# -- a code works once ------------------------------------------------------------


def test_code_replay_is_refused_and_revokes_the_first_tokens(server, browser):
    code = get_code(browser, server.client)
    first = redeem(browser, server.client, code).json()
    assert photos(browser, first["access_token"]).status_code == 200
    replay = redeem(browser, server.client, code)
    body = assert_json_error(replay, "invalid_grant", 400)
    assert "used already" in body["error_description"]
    assert photos(browser, first["access_token"]).status_code == 401
    assert introspect(browser, server.client, first["access_token"]) == {"active": False}
    assert introspect(browser, server.client, first["refresh_token"]) == {"active": False}
    refresh = token_request(
        browser,
        server.client,
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
    )
    assert_json_error(refresh, "invalid_grant")


def test_replay_by_another_client_also_revokes(server, browser):
    code = get_code(browser, server.client)
    first = redeem(browser, server.client, code).json()
    thief = server.add_client()
    assert_json_error(redeem(browser, thief, code), "invalid_grant")
    assert photos(browser, first["access_token"]).status_code == 401


def test_replay_after_the_code_expired_is_still_refused(server, browser):
    code = get_code(browser, server.client)
    redeem(browser, server.client, code)
    server.clock.advance(301)
    assert_json_error(redeem(browser, server.client, code), "invalid_grant")


def test_code_is_bound_to_its_client(server, browser):
    code = get_code(browser, server.client)
    other = server.add_client()
    body = assert_json_error(redeem(browser, other, code), "invalid_grant", 400)
    assert "another client" in body["error_description"]
    # the failed attempt neither burns the code nor revokes anything
    assert redeem(browser, server.client, code).status_code == 200


def test_unknown_code(server, browser):
    assert_json_error(redeem(browser, server.client, "no-such-code"), "invalid_grant", 400)


def test_missing_code(server, browser):
    body = assert_json_error(redeem(browser, server.client, None), "invalid_request", 400)
    assert "'code'" in body["error_description"]


# -- redirect_uri (RFC 6749 4.1.3) ------------------------------------------------


def test_redirect_uri_mismatch(server, browser):
    code = get_code(browser, server.client)
    response = redeem(browser, server.client, code, redirect_uri=OTHER_REDIRECT_URI)
    assert_json_error(response, "invalid_grant", 400)
    response = redeem(
        browser, server.client, code, redirect_uri=server.client.redirect_uris[0] + "/"
    )
    assert_json_error(response, "invalid_grant", 400)
    assert redeem(browser, server.client, code).status_code == 200


def test_redirect_uri_required_when_the_request_had_one(server, browser):
    code = get_code(browser, server.client)
    response = redeem(browser, server.client, code, redirect_uri=None)
    assert_json_error(response, "invalid_request", 400)


def test_redirect_uri_may_be_left_out_when_the_request_left_it_out(server, browser):
    client = server.add_client()
    code = get_code(browser, client, redirect_uri=None)
    assert redeem(browser, client, code, redirect_uri=None).status_code == 200


def test_redirect_uri_left_out_then_sent_must_still_match(server, browser):
    client = server.add_client()
    code = get_code(browser, client, redirect_uri=None)
    response = redeem(browser, client, code, redirect_uri=OTHER_REDIRECT_URI)
    assert_json_error(response, "invalid_grant")
    assert redeem(browser, client, code).status_code == 200


# -- PKCE (RFC 7636) ---------------------------------------------------------------


def pkce_code(server, browser):
    return get_code(browser, server.client, code_challenge=CHALLENGE, code_challenge_method="S256")


def test_pkce_s256(server, browser):
    code = pkce_code(server, browser)
    assert server.store.snapshot()["codes"][0]["code_challenge"] == CHALLENGE
    response = redeem(browser, server.client, code, code_verifier=VERIFIER)
    assert response.status_code == 200, response.text


def test_pkce_wrong_verifier(server, browser):
    code = pkce_code(server, browser)
    wrong = "A" * 43
    body = assert_json_error(
        redeem(browser, server.client, code, code_verifier=wrong), "invalid_grant", 400
    )
    assert "code_challenge" in body["error_description"]
    # the challenge itself (the "plain" method) is no verifier either
    response = redeem(browser, server.client, code, code_verifier=CHALLENGE)
    assert_json_error(response, "invalid_grant")


def test_pkce_missing_verifier(server, browser):
    code = pkce_code(server, browser)
    body = assert_json_error(redeem(browser, server.client, code), "invalid_request", 400)
    assert "code_verifier" in body["error_description"]


@pytest.mark.parametrize("verifier", ["short", "a" * 129, "a" * 42 + "+"])
def test_pkce_malformed_verifier(server, browser, verifier):
    code = pkce_code(server, browser)
    assert_json_error(
        redeem(browser, server.client, code, code_verifier=verifier), "invalid_request"
    )


def test_verifier_for_a_code_without_challenge_is_a_downgrade(server, browser):
    code = get_code(browser, server.client)
    response = redeem(browser, server.client, code, code_verifier=VERIFIER)
    body = assert_json_error(response, "invalid_grant", 400)
    assert "PKCE downgrade" in body["error_description"]


# -- expiry (codes live 300 s) ------------------------------------------------------


def test_code_works_until_300_seconds(server, browser):
    code = get_code(browser, server.client)
    server.clock.advance(299)
    assert redeem(browser, server.client, code).status_code == 200


def test_expired_code(server, browser):
    code = get_code(browser, server.client)
    server.clock.advance(300)
    body = assert_json_error(redeem(browser, server.client, code), "invalid_grant", 400)
    assert "expired" in body["error_description"]


def test_code_lifetime_option():
    kit = InProcess.create(code_lifetime=10)
    try:
        browser = kit.browser()
        code = get_code(browser, kit.client)
        kit.clock.advance(10)
        assert_json_error(redeem(browser, kit.client, code), "invalid_grant")
    finally:
        kit.close()


# -- the request itself ------------------------------------------------------------


@pytest.mark.parametrize("grant_type", ["password", "client_credentials", "implicit", "CODE"])
def test_unsupported_grant_type(server, browser, grant_type):
    response = token_request(browser, server.client, {"grant_type": grant_type, "code": "x"})
    assert_json_error(response, "unsupported_grant_type", 400)


def test_missing_grant_type(server, browser):
    body = assert_json_error(
        token_request(browser, server.client, {"code": "x"}), "invalid_request"
    )
    assert "grant_type" in body["error_description"]


@pytest.mark.parametrize(
    "content_type", ["application/json", "text/plain", "multipart/form-data", None]
)
def test_wrong_content_type(server, browser, content_type):
    code = get_code(browser, server.client)
    body = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": server.client.redirect_uris[0],
    }
    headers = {"Authorization": basic(server.client.client_id, server.client.client_secret)}
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = browser.post("/token", content=json.dumps(body), headers=headers)
    assert_json_error(response, "invalid_request", 400)
    assert redeem(browser, server.client, code).status_code == 200


def test_content_type_with_charset(server, browser):
    code = get_code(browser, server.client)
    body = (
        f"grant_type=authorization_code&code={code}&redirect_uri={server.client.redirect_uris[0]}"
    )
    headers = {
        "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
        "Authorization": basic(server.client.client_id, server.client.client_secret),
    }
    assert browser.post("/token", content=body, headers=headers).status_code == 200


@pytest.mark.parametrize("name", ["grant_type", "code", "redirect_uri"])
def test_repeated_parameter(server, browser, name):
    code = get_code(browser, server.client)
    values = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": server.client.redirect_uris[0],
    }
    body = "&".join(f"{k}={v}" for k, v in values.items()) + f"&{name}={values[name]}"
    headers = {**FORM, "Authorization": basic(server.client.client_id, server.client.client_secret)}
    response = browser.post("/token", content=body, headers=headers)
    assert_json_error(response, "invalid_request", 400)


def test_only_post(browser):
    response = browser.get("/token")
    assert_json_error(response, "invalid_request", 405)
    assert response.headers["allow"] == "POST"


# -- JWT access tokens (RFC 9068), a server option ------------------------------------


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def test_jwt_access_token_verifies_against_the_jwks():
    kit = InProcess.create(access_token_format="jwt")
    try:
        browser = kit.browser()
        metadata = browser.get("/.well-known/oauth-authorization-server").json()
        assert metadata["jwks_uri"] == ISSUER + "/jwks"
        [jwk] = browser.get("/jwks").json()["keys"]
        body = redeem(browser, kit.client, get_code(browser, kit.client)).json()
        header_b64, claims_b64, signature_b64 = body["access_token"].split(".")
        header = json.loads(_b64decode(header_b64))
        assert header == {"alg": "RS256", "typ": "at+jwt", "kid": jwk["kid"]}
        public_key = rsa.RSAPublicNumbers(
            int.from_bytes(_b64decode(jwk["e"]), "big"), int.from_bytes(_b64decode(jwk["n"]), "big")
        ).public_key()
        public_key.verify(
            _b64decode(signature_b64),
            f"{header_b64}.{claims_b64}".encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
        claims = json.loads(_b64decode(claims_b64))
        assert claims["iss"] == ISSUER
        assert claims["sub"] == "alice"
        assert claims["client_id"] == kit.client.client_id
        assert claims["scope"] == "photos:read"
        assert claims["exp"] - claims["iat"] == 3600
        assert claims["iat"] == int(kit.clock.now)
        assert claims["aud"] and claims["jti"]
        # the store still knows it: the API, introspection and revocation treat it alike
        assert photos(browser, body["access_token"]).status_code == 200
        assert introspect(browser, kit.client, body["access_token"])["active"] is True
        token_request(browser, kit.client, {"token": body["access_token"]}, path="/revoke")
        assert photos(browser, body["access_token"]).status_code == 401
    finally:
        kit.close()
