"""An independent OpenID Connect relying party, Authlib, against the kit's server.

Authlib's httpx OAuth2Client runs the code flow with PKCE and a nonce; Authlib's
own OIDC Core code (authlib.jose, authlib.oidc.core.CodeIDToken) checks the ID
token against the server's JWKS: signature, iss, aud, exp, iat, nonce, at_hash;
then the client calls userinfo. None of the kit's code checks anything here.
"""

from __future__ import annotations

import warnings

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.oidc.discovery import OpenIDProviderMetadata
from joserfc.errors import JoseError as JoserfcError

from codegrant_kit.runner import BackgroundServer

from .helpers import REDIRECT_URI, sign_in, submit

with warnings.catch_warnings():
    # Authlib warns on import that it prefers the httpx2 fork; httpx is what we test with
    warnings.filterwarnings("ignore", "The httpx module is deprecated")
    # and that authlib.jose will give way to joserfc; it is the JOSE its OIDC code uses
    warnings.filterwarnings("ignore", "authlib.jose module is deprecated")
    from authlib.integrations.httpx_client import OAuth2Client
    from authlib.jose import JsonWebKey, JsonWebToken
    from authlib.jose.errors import JoseError
    from authlib.oidc.core import CodeIDToken, UserInfo

# Authlib checks claims with joserfc underneath, and raises either's errors
REFUSED = (JoseError, JoserfcError)


def discover(issuer: str) -> OpenIDProviderMetadata:
    # OIDC Discovery 4: the issuer's /.well-known/openid-configuration
    metadata = OpenIDProviderMetadata(
        httpx.get(issuer + "/.well-known/openid-configuration").json()
    )
    metadata.validate()
    # OIDC Discovery 4.3: the issuer in the document is the one asked
    assert metadata["issuer"] == issuer
    return metadata


def register(metadata: OpenIDProviderMetadata) -> tuple[str, str]:
    response = httpx.post(
        metadata["registration_endpoint"],
        json={
            "redirect_uris": [REDIRECT_URI],
            "client_name": "Authlib RP",
            "scope": "openid profile email",
        },
    )
    assert response.status_code == 201, response.text
    return response.json()["client_id"], response.json()["client_secret"]


def browse(issuer: str, authorization_url: str) -> str:
    """The user's part: sign in, approve; the Location the server sends back."""
    with httpx.Client(base_url=issuer, timeout=10) as browser:
        page = sign_in(browser, browser.get(authorization_url), "alice")
        found = submit(browser, page, consent="approve")
        assert found.status_code == 302
        return found.headers["location"]


def login(op: BackgroundServer, nonce: str) -> tuple[OAuth2Client, dict, OpenIDProviderMetadata]:
    metadata = discover(op.url)
    client_id, client_secret = register(metadata)
    client = OAuth2Client(
        client_id=client_id,
        client_secret=client_secret,
        scope="openid profile email",
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        timeout=10,
    )
    verifier = generate_token(48)
    url, state = client.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    location = browse(op.url, url)
    token = client.fetch_token(
        metadata["token_endpoint"],
        authorization_response=location,
        state=state,
        code_verifier=verifier,
    )
    return client, token, metadata


def check_id_token(
    metadata: OpenIDProviderMetadata, client_id: str, token: dict, nonce: str
) -> CodeIDToken:
    jwks = JsonWebKey.import_key_set(httpx.get(metadata["jwks_uri"]).json())
    claims = JsonWebToken(metadata["id_token_signing_alg_values_supported"]).decode(
        token["id_token"],
        key=jwks,
        claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "value": metadata["issuer"]}},
        claims_params={
            "nonce": nonce,
            "client_id": client_id,
            "access_token": token["access_token"],
        },
    )
    claims.validate(leeway=5)  # iss, aud, exp, iat, auth_time, nonce, at_hash
    return claims


def test_authlib_completes_the_flow_and_accepts_the_id_token_and_userinfo(op):
    nonce = generate_token(20)
    client, token, metadata = login(op, nonce)
    try:
        claims = check_id_token(metadata, client.client_id, token, nonce)
        assert claims["aud"] == client.client_id and claims["nonce"] == nonce
        assert "at_hash" in claims  # checked by validate() against the access token
        response = client.get(metadata["userinfo_endpoint"])  # Authorization: Bearer
        assert response.status_code == 200, response.text
        userinfo = UserInfo(response.json())
        # OIDC Core 5.3.2: the UserInfo sub MUST match the ID token's
        assert userinfo["sub"] == claims["sub"]
        assert userinfo["preferred_username"] == "alice" and userinfo["name"] == "alice"
        assert userinfo["email"] == "alice@example.org" and userinfo["email_verified"] is False
        # and again after a refresh: Authlib takes the new id_token of OIDC Core 12.2
        refreshed = client.refresh_token(metadata["token_endpoint"])
        again = check_id_token(metadata, client.client_id, refreshed, nonce="")
        assert again["sub"] == claims["sub"] and again["auth_time"] == claims["auth_time"]
    finally:
        client.close()


def test_authlib_refuses_the_id_token_of_another_request(op):
    # the RP's check is real: the nonce of another request, or another client, fails it
    client, token, metadata = login(op, nonce="the-one-sent")
    client.close()
    check_id_token(metadata, client.client_id, token, nonce="the-one-sent")
    with pytest.raises(REFUSED, match="nonce"):
        check_id_token(metadata, client.client_id, token, nonce="another")
    # a token for another client: aud is not it, so Authlib wants an azp naming it
    with pytest.raises(REFUSED, match="azp"):
        check_id_token(metadata, "another-client", token, nonce="the-one-sent")
    tampered = {**token, "access_token": token["access_token"] + "x"}
    with pytest.raises(REFUSED, match="at_hash"):
        check_id_token(metadata, client.client_id, tampered, nonce="the-one-sent")
