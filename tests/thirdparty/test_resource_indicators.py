"""The kit's client asks node-oidc-provider (resourceIndicators on) for an audience-bound token."""

from __future__ import annotations

import pytest

from codegrant_kit.client import Flow, OAuthResponseError, decode_jwt, discover

from .fixtures import ThirdPartyServer

API = "https://photos.example/api"  # the one resource provider.mjs knows


def signed_in(flow: Flow, server: ThirdPartyServer) -> None:
    flow.authorize()
    page = flow.open_authorization_page()
    if page.kind == "login":
        page = flow.login(server.username, server.password)
    if page.kind == "consent":
        page = flow.consent("approve")
    assert page.kind == "redirect", page.describe()


def test_resource_makes_a_jwt_access_token_for_that_api(node_oidc_server: ThirdPartyServer):
    server = node_oidc_server
    endpoints = discover(server.issuer, openid=True)
    with Flow(endpoints, application=server.application(), scope="openid photos:read",
              resource=API) as flow:  # fmt: skip
        assert ("resource", API) in flow.authorize().params()
        signed_in(flow, server)
        flow.receive_redirect()
        tokens = flow.exchange_code()
    claims = decode_jwt(tokens.access_token).claims
    assert claims["aud"] == API  # RFC 8707 2, RFC 9068 3
    assert claims["scope"] == "photos:read"


def test_an_unknown_resource_is_invalid_target(node_oidc_server: ThirdPartyServer):
    server = node_oidc_server
    endpoints = discover(server.issuer, openid=True)
    with Flow(endpoints, application=server.application(), scope="openid photos:read",
              resource="https://other.example/api") as flow:  # fmt: skip
        flow.authorize()
        page = flow.open_authorization_page()
        response = flow.receive_redirect() if page.kind == "redirect" else None
    assert response is not None, page.describe()
    with pytest.raises(OAuthResponseError) as refused:
        response.raise_for_error()
    assert refused.value.error == "invalid_target"
