"""requests-oauth2client, an independent DPoP client (RFC 9449), runs a DPoP-bound code flow
against the server from its metadata alone: nonce challenges at the token endpoint and the
API included, over a real socket."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import requests
from requests_oauth2client import ClientSecretBasic, DPoPKey, DPoPToken, OAuth2Client

from codegrant_kit.runner import BackgroundServer, start_server

from .helpers import REDIRECT_URI, sign_in, submit

CLIENT = {
    "client_id": "dpop-app",
    "client_secret": "dpop-secret",
    "client_name": "Import Photos (DPoP)",
    "redirect_uris": [REDIRECT_URI],
}


@pytest.fixture(scope="module")
def nonce_server() -> Iterator[BackgroundServer]:
    """A server that demands DPoP nonces, with JWT access tokens (cnf.jkt is readable)."""
    server = start_server(
        users={"alice": "wonderland"},
        clients=[CLIENT],
        password_hash="fast",
        dpop_nonce=True,
        access_token_format="jwt",
    )
    yield server
    server.stop()


def browse(url: str, authorization_url: str) -> str:
    """The resource owner's part: sign in, approve; the Location the server sends back."""
    with httpx.Client(base_url=url, timeout=10) as browser:
        page = browser.get(authorization_url)
        found = submit(browser, sign_in(browser, page, "alice"), consent="approve")
        assert found.status_code == 302, found.text
        return found.headers["location"]


def test_a_dpop_bound_flow_from_the_metadata_alone(nonce_server):
    url = nonce_server.url
    client = OAuth2Client.from_discovery_endpoint(
        url + "/.well-known/oauth-authorization-server",
        issuer=url,
        # the method the client registered (RFC 7591 2), found in the metadata's list
        auth=ClientSecretBasic(CLIENT["client_id"], CLIENT["client_secret"]),
        redirect_uri=REDIRECT_URI,
        dpop_bound_access_tokens=True,
        testing=True,  # http on the loopback interface
    )
    key = DPoPKey.generate(alg="ES256")
    request = client.authorization_request(scope="photos:read", dpop_key=key)
    assert f"dpop_jkt={key.dpop_jkt}" in str(request.uri)  # RFC 9449 10
    response = request.validate_callback(browse(url, str(request.uri)))
    # the first token request has no nonce: the library answers use_dpop_nonce itself
    token = client.authorization_code(response, dpop=True, dpop_key=key)
    assert isinstance(token, DPoPToken)
    assert token.token_type == "DPoP"
    assert token.access_token_jwt.claims["cnf"] == {"jkt": key.dpop_jkt}
    assert key.as_nonce  # the nonce the token endpoint asked for
    # the API asks for its nonce too: 401, WWW-Authenticate: DPoP, then the retry
    photos = requests.get(url + "/api/photos", auth=token, timeout=10)
    assert photos.status_code == 200, (photos.status_code, photos.headers)
    assert photos.json()["user"] == "alice"
    assert key.rs_nonce
    # a bearer replay of the same token is refused
    replay = requests.get(
        url + "/api/photos", headers={"Authorization": f"Bearer {token.access_token}"}, timeout=10
    )
    assert replay.status_code == 401
    assert replay.headers["WWW-Authenticate"].startswith('DPoP error="invalid_token"')
    # refreshing with the same key keeps the binding
    refreshed = client.refresh_token(token, dpop_key=key)
    assert refreshed.token_type == "DPoP"
