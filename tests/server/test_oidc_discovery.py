"""OpenID Connect discovery, scopes and consent, over a real socket (OIDC Discovery 1.0 3, 4)."""

from __future__ import annotations

import pytest
from authlib.oidc.discovery import OpenIDProviderMetadata

from .helpers import REDIRECT_URI, authorize, redeem, redirect_params, sign_in, submit
from .oidc_helpers import register

CLAIMS = {"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash"}
CLAIMS |= {"name", "preferred_username", "email", "email_verified"}


def test_both_well_known_documents_are_the_same_openid_provider_metadata(op, http):
    openid = http.get("/.well-known/openid-configuration")
    oauth = http.get("/.well-known/oauth-authorization-server")
    assert openid.status_code == oauth.status_code == 200
    assert openid.headers["content-type"] == "application/json"
    assert openid.json() == oauth.json()
    metadata = openid.json()
    # an independent reading of OIDC Discovery 3's REQUIRED and typed members
    OpenIDProviderMetadata(metadata).validate()
    # OIDC Discovery 4.3: issuer identical to the URL the document was fetched under
    assert metadata["issuer"] == op.url
    assert metadata["jwks_uri"] == op.url + "/jwks"
    assert metadata["userinfo_endpoint"] == op.url + "/userinfo"
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["subject_types_supported"] == ["public"]
    assert "RS256" in metadata["id_token_signing_alg_values_supported"]
    assert "none" not in metadata["id_token_signing_alg_values_supported"]
    assert {"openid", "profile", "email"} <= set(metadata["scopes_supported"])
    assert {"PRODUCTION", "SANDBOX", "photos:read"} <= set(metadata["scopes_supported"])
    assert set(metadata["claims_supported"]) >= CLAIMS
    # left out, request_uri_parameter_supported would mean true (OIDC Discovery 3)
    assert metadata["request_uri_parameter_supported"] is False
    assert metadata["prompt_values_supported"] == ["none", "login", "consent", "select_account"]


def test_the_jwks_holds_an_rs256_signing_key_with_a_kid(http):
    response = http.get("/jwks")
    assert response.status_code == 200
    [key] = response.json()["keys"]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig"
    assert key["kid"] and {"n", "e"} <= set(key)
    assert "d" not in key and "p" not in key  # the public half only
    assert http.get("/jwks").json() == response.json()  # one key, not one per request


def test_registration_takes_the_openid_scopes_beside_the_kits_own(http):
    body = {"redirect_uris": [REDIRECT_URI], "scope": "openid profile email PRODUCTION SANDBOX"}
    response = http.post("/register", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["scope"] == "openid profile email PRODUCTION SANDBOX"
    unknown = http.post("/register", json={**body, "scope": "openid phone"})
    assert unknown.status_code == 400
    assert unknown.json()["error"] == "invalid_client_metadata"


def test_the_consent_page_says_what_each_claim_scope_reveals(http):
    client = register(http)
    page = sign_in(http, authorize(http, client, scope="openid profile email photos:read"))
    assert page.status_code == 200
    text = " ".join(page.text.split())
    assert "<code>openid</code>: learn that it is you who signed in, and when" in text
    assert "<code>profile</code>: read your name and username" in text
    assert "<code>email</code>: read your email address and whether it was verified" in text


def test_a_request_without_scope_is_not_an_openid_connect_one(http):
    # OIDC Core 3.1.2.1: only the client makes a request OpenID Connect, by asking
    client = register(http)
    page = sign_in(http, authorize(http, client, scope=None))
    code = redirect_params(submit(http, page, consent="approve"))["code"]
    body = redeem(http, client, code).json()
    assert body["scope"] == "profile photos:read"  # the registered order, openid and email out
    assert "id_token" not in body


@pytest.mark.parametrize(
    "response_type", ["id_token", "code id_token", "id_token token", "token", "code token"]
)
def test_the_implicit_and_hybrid_flows_are_not_served(http, response_type):
    client = register(http)
    found = authorize(http, client, response_type=response_type, scope="openid", nonce="n")
    params = redirect_params(found)
    assert params["error"] == "unsupported_response_type"
    assert params["state"] == "xyz"
    assert "code" not in params and "id_token" not in params


def test_an_openid_only_application_without_scope_is_told_to_ask(http):
    # RFC 6749 3.3: no default to fall back on, so invalid_scope, not an empty grant
    client = register(http, scope="openid email")
    params = redirect_params(authorize(http, client, scope=None))
    assert params["error"] == "invalid_scope"
    assert "scope=openid" in params["error_description"]
