"""The whole client layer against an authorization server built on Authlib, not on us."""

import httpx
import pytest
from conftest import REDIRECT_URI

from codegrant_kit.client import (
    Application,
    Flow,
    OAuthResponseError,
    StateMismatch,
    StepOutOfOrder,
    exchange_code,
    refresh,
)


@pytest.fixture
def flow(independent):
    with Flow.discover(
        independent.issuer, api_url=independent.api_url, scope="openid photos"
    ) as flow:
        yield flow


def sign_in(flow, choice="approve"):
    flow.authorize()
    assert flow.open_authorization_page().kind == "login"
    assert flow.login("alice", "wonderland").kind == "consent"
    return flow.consent(choice)


def test_the_whole_flow(flow, independent):
    # Discovery: the scope asks for openid, so OpenID's URI is tried first, and served.
    statuses = [(e.request.url.path, e.response.status_code) for e in flow.transcript]
    assert statuses == [("/realms/demo/.well-known/openid-configuration", 200)]
    assert flow.endpoints.authorization_response_iss_parameter_supported

    app = flow.register("Photo printer", redirect_uri=REDIRECT_URI)
    assert app.client_secret and app.redirect_uris == (REDIRECT_URI,)
    assert independent.store.clients[app.client_id].client_name == "Photo printer"

    request = flow.authorize()
    assert request.code_challenge_method == "S256"
    page = flow.open_authorization_page()
    assert page.kind == "login"
    # The authorization endpoint sent the browser on to a separate login page.
    assert [hop.status for hop in page.hops] == [302]

    page = flow.login("alice", "not her password")
    assert (page.kind, page.message) == ("retry", "Invalid username or password.")
    page = flow.login("alice", "wonderland")
    assert page.kind == "consent"
    assert "openid photos" in page.message

    page = flow.consent("approve")
    assert page.kind == "redirect"
    response = flow.receive_redirect()
    assert response.ok and response.iss == independent.issuer
    assert len(response.checks) == 3

    tokens = flow.exchange_code()
    assert tokens.token_type == "Bearer" and tokens.scope == "openid photos"
    assert flow.call_api().json() == [{"id": 1, "owner": "alice", "title": "Lake at dawn"}]

    first_refresh_token = tokens.refresh_token
    refreshed = flow.refresh()
    assert refreshed.access_token != tokens.access_token
    with pytest.raises(OAuthResponseError) as caught:  # rotated away
        refresh(flow.endpoints, app, first_refresh_token, http=flow.http)
    assert caught.value.error == "invalid_grant"

    introspection = flow.introspect()
    assert introspection.active and introspection.username == "alice"
    assert introspection.client_id == app.client_id
    flow.revoke()
    assert not flow.introspect().active
    with pytest.raises(OAuthResponseError) as caught:
        flow.call_api()
    assert (caught.value.status, caught.value.error) == (401, "invalid_token")

    diagram = flow.transcript.to_mermaid()
    assert "B->>AS: GET /realms/demo/protocol/openid-connect/auth" in diagram
    assert "C->>RS: GET /api/photos" in diagram
    assert "Note over B,C" in diagram


def test_body_credentials_and_a_replayed_code(flow):
    flow.auth = "client_secret_post"
    app = flow.register("Post client", redirect_uri=REDIRECT_URI)
    assert app.token_endpoint_auth_method == "client_secret_post"
    sign_in(flow)
    flow.receive_redirect()
    request = flow.token_request()
    assert "authorization" not in request.headers
    assert b"client_secret=" in request.content
    flow.exchange_code()
    with pytest.raises(OAuthResponseError) as caught:
        flow.exchange_code()
    assert caught.value.error == "invalid_grant"
    assert caught.value.status == 400


def test_a_public_client_with_pkce_and_a_wrong_verifier(flow, independent):
    client = independent.register(redirect_uri=REDIRECT_URI, auth_method="none")
    flow.auth = "none"
    flow.use_application(Application.manual(client.client_id, None, REDIRECT_URI))
    sign_in(flow)
    code = flow.receive_redirect().code
    with pytest.raises(OAuthResponseError) as caught:
        exchange_code(
            flow.endpoints,
            (client.client_id, None),
            code=code,
            redirect_uri=REDIRECT_URI,
            code_verifier="w" * 43,
            auth="none",
            http=flow.http,
        )
    assert caught.value.error == "invalid_grant"
    assert "code_verifier does not match" in caught.value.explanation.likely_cause


def test_deny_comes_back_as_access_denied_with_state_and_iss(flow, independent):
    flow.register("Denied app", redirect_uri=REDIRECT_URI)
    page = sign_in(flow, "deny")
    assert "The user clicked Deny" in page.message
    response = flow.receive_redirect()
    assert (response.error, response.iss) == ("access_denied", independent.issuer)
    with pytest.raises(OAuthResponseError, match="access_denied"):
        flow.token_request()


def test_approve_always_skips_consent_next_time(flow):
    flow.register("Trusted app", redirect_uri=REDIRECT_URI)
    sign_in(flow, "approveAlways")
    flow.authorize()
    flow.open_authorization_page()
    page = flow.login("alice", "wonderland")
    assert page.kind == "redirect"
    assert flow.receive_redirect().ok


def test_a_forged_state_is_caught(flow):
    flow.register("CSRF target", redirect_uri=REDIRECT_URI)
    sign_in(flow)
    location = flow.browser.page.location.replace("state=", "state=attacker")
    with pytest.raises(StateMismatch):
        flow.receive_redirect(location)


def test_a_browser_without_cookies_is_told_so(flow):
    flow.register("Cookie check", redirect_uri=REDIRECT_URI)
    flow.authorize()
    flow.open_authorization_page()
    flow.browser.http.cookies.clear()
    page = flow.login("alice", "wonderland")
    assert page.kind == "error page"
    assert "Cookie not found" in page.message


def test_an_unknown_redirect_uri_is_an_error_page_not_a_redirect(flow):
    flow.register("Strict app", redirect_uri=REDIRECT_URI)
    flow.redirect_uri = "https://evil.example/cb"
    flow.authorize()
    page = flow.open_authorization_page()
    assert page.kind == "error page"
    assert page.status == 400


def test_steps_out_of_order(flow):
    with pytest.raises(StepOutOfOrder, match="register"):
        flow.authorize()
    flow.register("Early bird", redirect_uri=REDIRECT_URI)
    with pytest.raises(StepOutOfOrder, match="authorize"):
        flow.open_authorization_page()
    flow.authorize()
    flow.open_authorization_page()
    with pytest.raises(StepOutOfOrder, match="not at a redirect"):
        flow.receive_redirect()
    with pytest.raises(StepOutOfOrder, match="exchange_code"):
        flow.call_api()
    with pytest.raises(StepOutOfOrder, match="no authorization response"):
        flow.token_request()


def test_registration_errors_are_explained(independent):
    with Flow.discover(independent.issuer) as flow, pytest.raises(OAuthResponseError) as caught:
        flow.register("Bad grant", redirect_uri=REDIRECT_URI, grant_types=["password"])
    assert caught.value.status == 400
    assert caught.value.error == "invalid_client_metadata"
    assert caught.value.explanation.section == "RFC 7591 Section 3.2.2"


def test_client_is_plain_httpx(independent):
    # No Flow: the functions alone, with a client of our own.
    from codegrant_kit.client import discover

    with httpx.Client() as http:
        assert discover(independent.issuer, http=http).issuer == independent.issuer
