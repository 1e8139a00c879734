from __future__ import annotations

import pytest
from authlib.oauth2 import rfc8414, rfc9207

from codegrant_kit.server import ServerConfig
from codegrant_kit.server.metadata import server_metadata

from .helpers import ISSUER

WELL_KNOWN = "/.well-known/oauth-authorization-server"


def test_metadata_fields(browser):
    response = browser.get(WELL_KNOWN)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    metadata = response.json()
    assert metadata["issuer"] == ISSUER
    assert metadata["authorization_endpoint"] == ISSUER + "/authorize"
    assert metadata["token_endpoint"] == ISSUER + "/token"
    assert metadata["registration_endpoint"] == ISSUER + "/register"
    assert metadata["revocation_endpoint"] == ISSUER + "/revoke"
    assert metadata["introspection_endpoint"] == ISSUER + "/introspect"
    assert metadata["response_types_supported"] == ["code"]
    assert sorted(metadata["grant_types_supported"]) == ["authorization_code", "refresh_token"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert sorted(metadata["token_endpoint_auth_methods_supported"]) == [
        "client_secret_basic",
        "client_secret_post",
        "none",  # public clients (RFC 8414 2, RFC 7591 2)
        "private_key_jwt",
    ]
    assert metadata["authorization_response_iss_parameter_supported"] is True
    # OIDC Discovery 3: jwks_uri is REQUIRED, and ID tokens are signed with opaque access tokens too
    assert metadata["jwks_uri"] == ISSUER + "/jwks"


def test_every_endpoint_answers_where_the_metadata_says(browser):
    metadata = browser.get(WELL_KNOWN).json()
    for name in (
        "token_endpoint",
        "registration_endpoint",
        "revocation_endpoint",
        "introspection_endpoint",
    ):
        path = metadata[name].removeprefix(ISSUER)
        assert browser.post(path).status_code in (400, 401), name
    assert browser.get(metadata["authorization_endpoint"].removeprefix(ISSUER)).status_code == 400


def test_issuer_has_no_trailing_slash():
    metadata = server_metadata(ServerConfig(issuer="https://as.example.com/"))
    assert metadata["issuer"] == "https://as.example.com"
    assert metadata["token_endpoint"] == "https://as.example.com/token"


@pytest.mark.parametrize("issuer", ["https://as.example.com", "http://127.0.0.1:8000"])
def test_authlib_validates_the_document(issuer):
    # an independent reading of RFC 8414 and RFC 9207 3 (http only on loopback)
    metadata = rfc8414.AuthorizationServerMetadata(server_metadata(ServerConfig(issuer=issuer)))
    metadata.validate(metadata_classes=[rfc9207.AuthorizationServerMetadata])


def test_home_page_lists_the_endpoints(browser):
    response = browser.get("/")
    assert response.status_code == 200
    assert ISSUER + "/token" in response.text
