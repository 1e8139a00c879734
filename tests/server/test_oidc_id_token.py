"""The ID token of the code flow, over a real socket (OIDC Core 2, 3.1.3.3, 3.1.3.6, 12.2).

Each token is checked with joserfc and Authlib, not with the kit's code: the
signature against the published JWKS, then every claim.
"""

from __future__ import annotations

import time

import httpx
import pytest
from authlib.oidc.core.util import create_half_hash

from codegrant_kit.server.grants import GRANTS, register_grant

from .helpers import CHALLENGE, VERIFIER, introspect, redeem, token_request
from .oidc_helpers import code_of, header_of, register, serving, token_response, verified_claims
from .test_extending import ClientCredentialsGrant


def test_openid_in_the_scope_gets_a_signed_id_token_with_every_claim(op, http):
    client = register(http)
    before = int(time.time())
    code = code_of(
        http,
        client,
        scope="openid photos:read",
        nonce="n-0S6_WzA2Mj",
        code_challenge=CHALLENGE,
        code_challenge_method="S256",
    )
    body = token_response(http, client, code, code_verifier=VERIFIER)
    assert set(body) == {
        "access_token", "token_type", "expires_in", "refresh_token", "scope", "id_token"
    }  # fmt: skip
    header = header_of(body["id_token"])
    assert header["alg"] == "RS256" and header["typ"] == "JWT"
    assert header["kid"] in [key["kid"] for key in http.get("/jwks").json()["keys"]]
    claims = verified_claims(http, body["id_token"])
    assert claims["iss"] == op.url  # exactly the issuer, no trailing slash
    assert claims["aud"] == client.client_id
    assert isinstance(claims["sub"], str) and 0 < len(claims["sub"]) <= 255
    assert claims["sub"] != "alice"  # an identifier, not the username
    assert before <= claims["iat"] <= claims["auth_time"] + 1 <= int(time.time()) + 1
    assert claims["exp"] - claims["iat"] == body["expires_in"]
    assert claims["nonce"] == "n-0S6_WzA2Mj"
    # OIDC Core 3.1.3.6, computed by Authlib
    assert claims["at_hash"] == create_half_hash(body["access_token"], "RS256").decode()
    # OIDC Core 5.4: the claims of profile and email come from userinfo, not from here
    assert not {"name", "preferred_username", "email", "email_verified"} & set(claims)


def test_without_openid_there_is_no_id_token(http):
    client = register(http)
    code = code_of(http, client, scope="photos:read profile email", nonce="n")
    body = token_response(http, client, code)
    assert "id_token" not in body
    assert body["scope"] == "photos:read profile email"


def test_without_a_nonce_the_id_token_has_none(http):
    client = register(http)
    claims = verified_claims(
        http, token_response(http, client, code_of(http, client, scope="openid"))["id_token"]
    )
    assert "nonce" not in claims


def test_sub_is_the_same_at_every_sign_in_and_for_every_client_but_differs_per_user(op):
    subs = {}
    for username in ("alice", "bob", "alice"):
        for _ in range(2):
            with httpx.Client(base_url=op.url, timeout=10) as browser:  # a new browser each
                client = register(browser)
                code = code_of(browser, client, username=username, scope="openid")
                claims = verified_claims(browser, token_response(browser, client, code)["id_token"])
                subs.setdefault(username, set()).add(claims["sub"])
    assert len(subs["alice"]) == len(subs["bob"]) == 1  # OIDC Core 8: public
    assert subs["alice"] != subs["bob"]


def test_a_replayed_code_gets_no_second_id_token_and_revokes_the_first_tokens(http):
    client = register(http)
    code = code_of(http, client, scope="openid", nonce="once")
    first = token_response(http, client, code)
    again = redeem(http, client, code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert "id_token" not in again.json()
    # RFC 6749 4.1.2: what the code issued is revoked, as before OpenID Connect
    assert introspect(http, client, first["access_token"]) == {"active": False}
    assert introspect(http, client, first["refresh_token"]) == {"active": False}


def test_a_refresh_gets_a_new_id_token_of_the_same_sign_in_without_nonce(op, http):
    client = register(http)
    body = token_response(http, client, code_of(http, client, scope="openid", nonce="first"))
    first = verified_claims(http, body["id_token"])
    time.sleep(1.1)  # so that iat moves on
    refreshed = token_request(
        http, client, {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}
    )
    assert refreshed.status_code == 200, refreshed.text
    new = refreshed.json()
    claims = verified_claims(http, new["id_token"])
    # OIDC Core 12.2: the same iss, sub, aud and auth_time; a new iat; no nonce
    for name in ("iss", "sub", "aud", "auth_time"):
        assert claims[name] == first[name], name
    assert claims["iat"] > first["iat"]
    assert "nonce" not in claims
    assert claims["at_hash"] == create_half_hash(new["access_token"], "RS256").decode()


def test_a_refresh_narrowed_without_openid_gets_no_id_token(http):
    client = register(http)
    body = token_response(http, client, code_of(http, client, scope="openid photos:read"))
    refreshed = token_request(
        http,
        client,
        {
            "grant_type": "refresh_token",
            "refresh_token": body["refresh_token"],
            "scope": "photos:read",
        },
    )
    assert refreshed.status_code == 200, refreshed.text
    assert "id_token" not in refreshed.json()


def test_with_jwt_access_tokens_both_tokens_verify_and_differ_in_audience_and_type():
    with (
        serving(access_token_format="jwt") as op,
        httpx.Client(base_url=op.url, timeout=10) as http,
    ):
        client = register(http)
        body = token_response(http, client, code_of(http, client, scope="openid photos:read"))
        access = verified_claims(http, body["access_token"])
        identity = verified_claims(http, body["id_token"])
        assert header_of(body["access_token"])["typ"] == "at+jwt"
        assert header_of(body["id_token"])["typ"] == "JWT"
        assert header_of(body["access_token"])["kid"] == header_of(body["id_token"])["kid"]
        # the access token is for the API, the ID token for the client
        assert access["aud"] == op.url + "/api" and identity["aud"] == client.client_id
        assert identity["at_hash"] == create_half_hash(body["access_token"], "RS256").decode()


def test_a_grant_without_a_sign_in_gets_no_id_token(server, browser):
    # the README's client_credentials recipe: openid is allowed, but nobody signed in
    register_grant(ClientCredentialsGrant)
    try:
        client = server.add_client(grant_types=["authorization_code", "client_credentials"])
        body = {"grant_type": "client_credentials", "scope": "openid SANDBOX"}
        response = token_request(browser, client, body)
        assert response.status_code == 200, response.text
        assert response.json()["scope"] == "openid SANDBOX"
        assert "id_token" not in response.json()
    finally:
        del GRANTS["client_credentials"]


@pytest.mark.parametrize("access_token_format", ["opaque", "jwt"])
def test_an_id_token_at_the_api_is_refused_and_told_for_what_it_is(access_token_format):
    # OIDC Core 2: the ID token's aud is the client; the API takes only its access tokens
    with (
        serving(access_token_format=access_token_format) as server,
        httpx.Client(base_url=server.url, timeout=10) as http,
    ):
        client = register(http)
        body = token_response(http, client, code_of(http, client, scope="openid"))
        for name in ("access_token", "id_token"):
            answer = http.get("/api/photos", headers={"Authorization": f"Bearer {body[name]}"})
            if name == "access_token":
                assert answer.status_code == 200
                continue
            assert answer.status_code == 401
            challenge = answer.headers["www-authenticate"]
            assert challenge.startswith("Bearer ") and 'error="invalid_token"' in challenge
            said = answer.json()["error_description"]
            assert "an ID token" in said and "access_token" in said
            assert said in challenge.replace("\\", "")
    # an unknown token that is no JWT keeps the plain words
    with serving() as server:
        answer = httpx.get(server.url + "/api/photos", headers={"Authorization": "Bearer x.y.z"})
        assert (
            answer.json()["error_description"] == "The access token is unknown, expired or revoked."
        )
