"""The third-party servers start, publish their metadata and serve their own login page."""

from __future__ import annotations

import pytest

from codegrant_kit.client import AuthorizationRequest, Browser, PkcePair, discover

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
