"""Authlib's PrivateKeyJWT (RFC 7523), a second independent client, redeems a code at the
server with an assertion whose aud is the issuer, from the metadata alone."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from joserfc.jwk import ECKey

from codegrant_kit.runner import BackgroundServer, start_server

from .helpers import REDIRECT_URI, sign_in, submit


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    with start_server(users={"alice": "wonderland"}, password_hash="fast") as running:
        yield running


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_authlib_private_key_jwt(server: BackgroundServer) -> None:
    metadata = httpx.get(server.url + "/.well-known/oauth-authorization-server").json()
    key = ECKey.generate_key("P-256", parameters={"kid": "authlib-key"})
    registered = httpx.post(
        metadata["registration_endpoint"],
        json={
            "redirect_uris": [REDIRECT_URI],
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks": {"keys": [key.as_dict(private=False)]},
            "scope": "photos:read",
        },
    ).json()
    # PrivateKeyJWT puts its argument in aud: the issuer (draft-ietf-oauth-rfc7523bis 4)
    auth = PrivateKeyJWT(metadata["issuer"], alg="ES256")
    with OAuth2Client(
        registered["client_id"],
        key,
        token_endpoint_auth_method=auth,
        redirect_uri=REDIRECT_URI,
        scope="photos:read",
        code_challenge_method="S256",
    ) as client:
        verifier = "v" * 64
        url, state = client.create_authorization_url(
            metadata["authorization_endpoint"], code_verifier=verifier
        )
        with httpx.Client(base_url=server.url, timeout=10) as browser:
            page = sign_in(browser, browser.get(url), "alice")
            location = submit(browser, page, consent="approve").headers["location"]
        token = client.fetch_token(
            metadata["token_endpoint"],
            authorization_response=location,
            code_verifier=verifier,
            state=state,
        )
    assert token["token_type"] == "Bearer" and token["access_token"]
