"""requests-oauth2client, an independent client of RFC 9126 and RFC 7523, runs a PAR flow
with private_key_jwt against the server from its metadata alone, over a real socket."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import httpx
import jwskate
import pytest
import requests
from requests_oauth2client import OAuth2Client, PrivateKeyJwt

from codegrant_kit.runner import BackgroundServer, start_server

from .helpers import REDIRECT_URI, sign_in, submit


@pytest.fixture(scope="module")
def par_server() -> Iterator[BackgroundServer]:
    """A server that takes pushed authorization requests only (RFC 9126 5)."""
    server = start_server(
        users={"alice": "wonderland"},
        password_hash="fast",
        require_pushed_authorization_requests=True,
    )
    yield server
    server.stop()


def browse(url: str, authorization_url: str) -> str:
    """The resource owner's part: sign in, approve; the Location the server sends back."""
    with httpx.Client(base_url=url, timeout=10) as browser:
        page = browser.get(authorization_url)
        assert page.status_code == 200, page.text
        found = submit(browser, sign_in(browser, page, "alice"), consent="approve")
        assert found.status_code == 302, found.text
        return found.headers["location"]


def register(metadata: dict[str, object], key: jwskate.Jwk) -> str:
    """RFC 7591: a private_key_jwt client with its public key, at the metadata's endpoint."""
    response = requests.post(
        str(metadata["registration_endpoint"]),
        json={
            "client_name": "requests-oauth2client (private_key_jwt)",
            "redirect_uris": [REDIRECT_URI],
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks": {"keys": [dict(key.public_jwk())]},
            "scope": "photos:read",
        },
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["client_id"])


def test_a_par_flow_with_private_key_jwt_from_the_metadata_alone(par_server):
    url = par_server.url
    metadata = requests.get(url + "/.well-known/oauth-authorization-server", timeout=10).json()
    assert metadata["require_pushed_authorization_requests"] is True
    assert "private_key_jwt" in metadata["token_endpoint_auth_methods_supported"]
    alg = "ES256"
    assert alg in metadata["token_endpoint_auth_signing_alg_values_supported"]
    key = jwskate.Jwk.generate(alg=alg, kid="rp-key")
    client_id = register(metadata, key)
    client = OAuth2Client.from_discovery_document(
        metadata,
        issuer=url,
        # draft-ietf-oauth-rfc7523bis 4: the audience is the issuer identifier
        auth=PrivateKeyJwt(client_id, key, alg=alg, aud=metadata["issuer"]),
        redirect_uri=REDIRECT_URI,
        testing=True,  # http on the loopback interface
    )
    request = client.authorization_request(scope="photos:read")
    pushed = client.pushed_authorization_request(request)
    assert pushed.request_uri.startswith("urn:ietf:params:oauth:request_uri:")
    # the front channel carries client_id and request_uri only (RFC 9126 4)
    query = dict(parse_qsl(urlsplit(str(pushed.uri)).query))
    assert set(query) == {"client_id", "request_uri"}
    response = request.validate_callback(browse(url, str(pushed.uri)))
    token = client.authorization_code(response)
    assert token.token_type.lower() == "bearer"
    photos = requests.get(url + "/api/photos", auth=token, timeout=10)
    assert photos.status_code == 200, photos.text
    # introspection and revocation take the same kind of assertion
    assert client.introspect_token(token.access_token)["active"] is True
    assert client.revoke_access_token(token.access_token) is True
    assert client.introspect_token(token.access_token)["active"] is False


def test_the_front_channel_alone_is_refused(par_server):
    url = par_server.url
    metadata = requests.get(url + "/.well-known/oauth-authorization-server", timeout=10).json()
    key = jwskate.Jwk.generate(alg="ES256", kid="rp-key")
    client_id = register(metadata, key)
    client = OAuth2Client.from_discovery_document(
        metadata,
        issuer=url,
        auth=PrivateKeyJwt(client_id, key, alg="ES256", aud=metadata["issuer"]),
        redirect_uri=REDIRECT_URI,
        testing=True,
    )
    request = client.authorization_request(scope="photos:read")
    page = requests.get(str(request.uri), timeout=10, allow_redirects=False)
    assert page.status_code == 400
    assert "Pushed authorization request required" in page.text
