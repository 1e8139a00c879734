"""From an API's 401 to a token for that API alone (RFC 9728, RFC 8707), as an MCP client does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from codegrant_kit.client import (
    DiscoveryError,
    Flow,
    OAuthResponseError,
    discover,
    fetch_resource_metadata,
    find_protected_resource,
    register_client,
)
from codegrant_kit.client.resource_metadata import metadata_url
from codegrant_kit.runner import BackgroundServer, start_server

REDIRECT_URI = "https://client.example.com/cb"


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    with start_server(users={"alice": "wonderland"}, password_hash="fast") as server:
        yield server


def test_the_api_leads_to_its_authorization_server(server):
    api = find_protected_resource(server.url + "/api/photos")
    assert api.resource == server.url + "/api/photos"
    assert api.authorization_servers == (server.url,)
    assert api.bearer_methods_supported == ("header",)
    assert api.scopes_supported == ("photos:read",)
    assert api.metadata_url == server.url + "/.well-known/oauth-protected-resource/api/photos"
    assert api.challenge and 'resource_metadata="' in api.challenge
    assert metadata_url(api.resource) == api.metadata_url  # RFC 9728 3.1


def test_a_public_client_gets_a_token_for_that_api_alone(server):
    api = find_protected_resource(server.url + "/api/calendar")
    endpoints = discover(api.authorization_servers[0])
    app = register_client(
        endpoints,
        client_name="Browser app",
        redirect_uris=[REDIRECT_URI],
        token_endpoint_auth_method="none",
    )
    assert app.client_secret is None
    with Flow(
        endpoints, application=app, scope="photos:read", auth="none", resource=api.resource
    ) as flow:
        assert ("resource", api.resource) in flow.authorize().params()
        flow.open_authorization_page()
        flow.login("alice", "wonderland")
        flow.consent("approve")
        flow.receive_redirect()
        request = flow.token_request()
        assert b"resource=" in request.content and b"client_secret" not in request.content
        flow.exchange_code()
        assert flow.call_api(api.resource).status_code == 200
        with pytest.raises(OAuthResponseError) as refused:
            flow.call_api(server.url + "/api/photos")
        assert refused.value.status == 401
        assert "issued for " + api.resource in str(refused.value.error_description)
        # the flow's transcript proves why: the token was asked for the calendar
        cause = refused.value.explanation.likely_cause
        assert cause.startswith(f"This access token was asked for resource={api.resource}")


def test_a_public_client_without_pkce_is_refused(server):
    endpoints = discover(server.url)
    app = register_client(
        endpoints,
        client_name="SPA",
        redirect_uris=[REDIRECT_URI],
        token_endpoint_auth_method="none",
    )
    with Flow(endpoints, application=app, scope="photos:read", auth="none") as flow:
        flow.authorize(pkce=False)
        flow.open_authorization_page()
        response = flow.receive_redirect()
        with pytest.raises(OAuthResponseError) as refused:
            response.raise_for_error()
    assert refused.value.error == "invalid_request"


def test_metadata_for_another_resource_is_refused(server):
    url = server.url + "/.well-known/oauth-protected-resource/api/photos"
    with pytest.raises(DiscoveryError, match=r"RFC 9728 Section 3\.3"):
        fetch_resource_metadata(url, expected_resource=server.url + "/api/calendar")
    with pytest.raises(DiscoveryError, match="RFC 9728 Section 3"):
        fetch_resource_metadata(server.url + "/.well-known/oauth-protected-resource/nothing")


def test_an_endpoint_without_metadata_says_so(server):
    # the UserInfo endpoint's 401 names no metadata, and the well-known URL has none
    with pytest.raises(DiscoveryError, match="no protected resource metadata"):
        find_protected_resource(server.url + "/userinfo")
