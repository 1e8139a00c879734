"""Authlib's httpx OAuth2Client, an independent client, runs the flow against the server."""

from __future__ import annotations

import warnings

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.oauth2 import rfc8414, rfc9207

from .helpers import REDIRECT_URI, redirect_params, sign_in, submit

with warnings.catch_warnings():
    # Authlib warns on import that it prefers the httpx2 fork; httpx is what we test with
    warnings.filterwarnings("ignore", "The httpx module is deprecated")
    from authlib.integrations.httpx_client import OAuth2Client


def browse(url: str, authorization_url: str) -> str:
    """The resource owner's part: sign in, approve; the Location the server sends back."""
    with httpx.Client(base_url=url, timeout=10) as browser:
        page = browser.get(authorization_url)
        found = submit(browser, sign_in(browser, page, "alice"), consent="approve")
        assert found.status_code == 302
        return found.headers["location"]


def metadata_of(live) -> rfc8414.AuthorizationServerMetadata:
    document = httpx.get(live.url + "/.well-known/oauth-authorization-server").json()
    metadata = rfc8414.AuthorizationServerMetadata(document)
    metadata.validate(metadata_classes=[rfc9207.AuthorizationServerMetadata])
    return metadata


def test_authlib_accepts_the_metadata(live):
    metadata = metadata_of(live)
    assert metadata["issuer"] == live.url
    assert metadata["authorization_response_iss_parameter_supported"] is True


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
def test_authlib_runs_the_flow(live, auth_method):
    metadata = metadata_of(live)
    # each client uses the method it registered (RFC 7591 2)
    client_id, secret = {
        "client_secret_basic": ("live-app", "live-secret"),
        "client_secret_post": ("live-post-app", "live-post-secret"),
    }[auth_method]
    client = OAuth2Client(
        client_id=client_id,
        client_secret=secret,
        scope="photos:read profile",
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        token_endpoint_auth_method=auth_method,
        timeout=10,
    )
    with client:
        verifier = generate_token(48)
        url, state = client.create_authorization_url(
            metadata["authorization_endpoint"], code_verifier=verifier
        )
        location = browse(live.url, url)
        # RFC 9207 2.4: the client compares iss with the issuer it expects
        assert (
            redirect_params(httpx.Response(302, headers={"location": location}))["iss"]
            == (metadata["issuer"])
        )
        token = client.fetch_token(
            metadata["token_endpoint"],
            authorization_response=location,
            state=state,
            code_verifier=verifier,
        )
        assert token["token_type"] == "Bearer"
        assert token["scope"] == "photos:read profile"
        first = token["access_token"]

        response = client.get(live.url + "/api/photos")
        assert response.status_code == 200
        assert response.json()["user"] == "alice"

        refreshed = client.refresh_token(metadata["token_endpoint"])
        assert refreshed["access_token"] != first
        assert client.get(live.url + "/api/photos").status_code == 200

        active = client.introspect_token(
            metadata["introspection_endpoint"], token=refreshed["access_token"]
        ).json()
        assert active["active"] is True and active["client_id"] == client_id
        revoked = client.revoke_token(
            metadata["revocation_endpoint"], token=refreshed["refresh_token"]
        )
        assert revoked.status_code == 200
        assert client.get(live.url + "/api/photos").status_code == 401


def test_authlib_sees_the_servers_errors(live):
    metadata = metadata_of(live)
    with OAuth2Client(
        client_id="live-app",
        client_secret="live-secret",
        scope="photos:read",
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        timeout=10,
    ) as client:
        verifier = generate_token(48)
        url, state = client.create_authorization_url(
            metadata["authorization_endpoint"], code_verifier=verifier
        )
        location = browse(live.url, url)
        with pytest.raises(OAuthError) as wrong_verifier:
            client.fetch_token(
                metadata["token_endpoint"],
                authorization_response=location,
                state=state,
                code_verifier=generate_token(48),
            )
        assert wrong_verifier.value.error == "invalid_grant"
        client.fetch_token(
            metadata["token_endpoint"],
            authorization_response=location,
            state=state,
            code_verifier=verifier,
        )
        with pytest.raises(OAuthError) as replay:
            client.fetch_token(
                metadata["token_endpoint"],
                authorization_response=location,
                state=state,
                code_verifier=verifier,
            )
        assert replay.value.error == "invalid_grant"
