"""The third-party servers start, publish their metadata and serve their own login page."""

from __future__ import annotations

import secrets
import time

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from codegrant_kit.client import AuthorizationRequest, Browser, Flow, PkcePair, discover

from .fixtures import ThirdPartyServer, missing


def test_metadata_names_the_issuer_and_its_endpoints(thirdparty_server: ThirdPartyServer):
    endpoints = discover(thirdparty_server.issuer)
    assert endpoints.issuer == thirdparty_server.issuer
    assert endpoints.authorization_endpoint.startswith(thirdparty_server.origin + "/")
    assert endpoints.token_endpoint.startswith(thirdparty_server.origin + "/")
    assert set(thirdparty_server.scopes) <= set(endpoints.scopes_supported)
    assert "S256" in endpoints.code_challenge_methods_supported


def test_the_authorization_request_leads_to_its_login_page(thirdparty_server: ThirdPartyServer):
    endpoints = discover(thirdparty_server.issuer)
    request = AuthorizationRequest.build(
        endpoints.authorization_endpoint,
        thirdparty_server.client_id,
        thirdparty_server.redirect_uri,
        scope=thirdparty_server.scope,
        pkce=PkcePair.generate(),
    )
    with Browser(stop_at=thirdparty_server.redirect_uri) as browser:
        page = browser.open(request.url)
    assert page.status == 200, thirdparty_server.log_tail()
    assert page.hops, "each server sends the browser on to a login page of its own"
    assert page.login_form is not None, page.text
    assert page.url != request.url


def test_a_missing_server_is_skipped_here_and_fails_in_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        missing("oidc-provider is not installed")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        missing("oidc-provider is not installed")


def test_node_offers_what_later_tests_use(node_oidc_server: ThirdPartyServer):
    metadata = httpx.get(node_oidc_server.issuer + "/.well-known/openid-configuration").json()
    for endpoint in ("introspection", "revocation", "userinfo", "pushed_authorization_request"):
        assert metadata[f"{endpoint}_endpoint"].startswith(node_oidc_server.origin + "/")
    assert metadata["dpop_signing_alg_values_supported"]
    assert "private_key_jwt" in metadata["token_endpoint_auth_methods_supported"]


def test_node_takes_the_private_key_jwt_client_s_assertion(node_oidc_server: ThirdPartyServer):
    client = node_oidc_server.private_key_jwt
    assert client is not None
    url = node_oidc_server.issuer + "/token/introspection"
    now = int(time.time())
    key = RSAKey.import_key(client.private_jwk)
    claims = {
        "iss": client.client_id,
        "sub": client.client_id,
        "aud": node_oidc_server.issuer,
        "jti": secrets.token_urlsafe(16),
        "iat": now,
        "exp": now + 60,
    }
    assertion = jwt.encode({"alg": "RS256", "kid": client.private_jwk["kid"]}, claims, key)
    form = {
        "token": "not-a-token",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
    }
    answer = httpx.post(url, data=form)
    assert answer.status_code == 200 and answer.json() == {"active": False}, answer.text
    # the same assertion again is a replay (its jti is spent)
    assert httpx.post(url, data=form).status_code == 401


def test_with_openid_each_answers_an_id_token_for_the_user(thirdparty_server: ThirdPartyServer):
    server = thirdparty_server
    with Flow.discover(server.issuer, application=server.application(), scope="openid") as flow:
        flow.authorize()
        flow.open_authorization_page()
        flow.login(server.username, server.password)
        flow.consent("approve")
        flow.receive_redirect()
        flow.exchange_code()
        answer = flow.transcript.exchanges[-1].response
        assert answer is not None
        id_token = answer.json()["id_token"]
        keys = flow.fetch_jwks()
    claims = jwt.decode(id_token, KeySet.import_key_set(keys)).claims
    assert claims["iss"] == server.issuer and claims["aud"] == server.client_id
    assert claims["sub"] == server.subject
