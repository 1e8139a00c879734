"""Authlib's OAuth2Client as a public client: PKCE and resource=, from the metadata alone.

Authlib has no RFC 9728 client, so the test reads the API's challenge and metadata
with plain httpx, as RFC 9728 5.1 and 3 say; everything OAuth is Authlib's.
"""

from __future__ import annotations

import re
import warnings

import httpx
from authlib.common.security import generate_token
from authlib.oauth2 import rfc8414

from .helpers import REDIRECT_URI, redirect_params
from .test_interop_authlib import browse

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "The httpx module is deprecated")
    from authlib.integrations.httpx_client import OAuth2Client


def test_authlib_public_client_gets_a_token_for_the_api_it_started_from(live):
    api_url = live.url + "/api/calendar"
    # RFC 9728 5.1: the API's 401 names its metadata; 3: the metadata names the server
    challenge = httpx.get(api_url).headers["www-authenticate"]
    match = re.search(r'resource_metadata="([^"]+)"', challenge)
    assert match
    resource_metadata = httpx.get(match[1]).json()
    resource = resource_metadata["resource"]
    assert resource == api_url  # RFC 9728 3.3
    [issuer] = resource_metadata["authorization_servers"]
    document = httpx.get(issuer + "/.well-known/oauth-authorization-server").json()
    metadata = rfc8414.AuthorizationServerMetadata(document)
    metadata.validate()
    assert "none" in metadata["token_endpoint_auth_methods_supported"]
    assert resource in metadata["protected_resources"]  # RFC 9728 4
    registered = httpx.post(
        metadata["registration_endpoint"],
        json={
            "client_name": "Authlib SPA",
            "redirect_uris": [REDIRECT_URI],
            "token_endpoint_auth_method": "none",
        },
    ).json()
    assert "client_secret" not in registered
    client = OAuth2Client(
        client_id=registered["client_id"],
        scope="photos:read",
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
        timeout=10,
    )
    with client:
        verifier = generate_token(48)
        url, state = client.create_authorization_url(
            metadata["authorization_endpoint"], code_verifier=verifier, resource=resource
        )
        location = browse(live.url, url)
        assert redirect_params(httpx.Response(302, headers={"location": location}))["iss"] == (
            issuer
        )
        token = client.fetch_token(
            metadata["token_endpoint"],
            authorization_response=location,
            state=state,
            code_verifier=verifier,
            resource=resource,
        )
        assert token["token_type"] == "Bearer"
        assert client.get(api_url).status_code == 200
        # RFC 8707: the photos API refuses the calendar's token
        other = client.get(live.url + "/api/photos")
        assert other.status_code == 401
        assert 'error="invalid_token"' in other.headers["www-authenticate"]
        # RFC 7009 2.1: a public client revokes with its client_id
        assert (
            client.revoke_token(
                metadata["revocation_endpoint"], token=token["refresh_token"]
            ).status_code
            == 200
        )


def test_authlib_public_client_without_pkce_is_refused(live):
    registered = httpx.post(
        live.url + "/register",
        json={"redirect_uris": [REDIRECT_URI], "token_endpoint_auth_method": "none"},
    ).json()
    with OAuth2Client(
        client_id=registered["client_id"],
        scope="photos:read",
        redirect_uri=REDIRECT_URI,
        token_endpoint_auth_method="none",
    ) as client:
        url, _ = client.create_authorization_url(live.url + "/authorize")
    response = httpx.get(url)
    assert response.status_code == 302
    assert redirect_params(response)["error"] == "invalid_request"
