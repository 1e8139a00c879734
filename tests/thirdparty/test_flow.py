"""The kit's client against servers it did not write: the code flow as a learner runs it.

Each test runs on django-oauth-toolkit and on node-oidc-provider (``thirdparty_server``),
or on the one whose habit it shows. What differs between them, and from the kit's
own server, is what notebook 05 records.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from codegrant_kit.client import (
    Application,
    Flow,
    OAuthResponseError,
    Page,
    PkcePair,
)

from .fixtures import ThirdPartyServer

# RFC 9700 4.14.2 lets a server rotate refresh tokens or bind them to the client:
# DOT rotates (ROTATE_REFRESH_TOKEN), node-oidc-provider rotates only for public
# clients, or once 70 % of a refresh token's life has passed.
ROTATES = {"django-oauth-toolkit": True, "node-oidc-provider": False}


@pytest.fixture
def flow(thirdparty_server: ThirdPartyServer) -> Iterator[Flow]:
    with Flow.discover(
        thirdparty_server.issuer,
        application=thirdparty_server.application(),
        scope=thirdparty_server.scope,
        api_url=thirdparty_server.api_url,
    ) as flow:
        yield flow


def sign_in(flow: Flow, server: ThirdPartyServer, *, pkce: bool = True) -> Page:
    """A new authorization request, opened and signed in; the page that follows."""
    flow.authorize(pkce=pkce)
    page = flow.open_authorization_page()
    if page.kind == "login":
        page = flow.login(server.username, server.password)
    return page


def code_of(flow: Flow, server: ThirdPartyServer) -> str:
    page = sign_in(flow, server)
    if page.kind == "consent":  # node remembers a consent for the session's grant
        page = flow.consent("approve")
    assert page.kind == "redirect", page.describe()
    response = flow.receive_redirect()
    assert response.code is not None, response
    return response.code


def test_the_code_flow_end_to_end(flow: Flow, thirdparty_server: ThirdPartyServer):
    server = thirdparty_server
    flow.authorize()
    page = flow.open_authorization_page()
    assert page.kind == "login", page.describe()
    assert page.hops, "both send the browser from the authorization endpoint to a login page"
    page = flow.login(server.username, server.password)
    assert page.kind == "consent", page.describe()
    page = flow.consent("approve")
    assert page.kind == "redirect", page.describe()
    response = flow.receive_redirect()
    request = flow.authorization_request
    assert request is not None and response.code and response.state == request.state
    # RFC 9207: node-oidc-provider sends iss and says so in its metadata; DOT neither
    iss = server.name == "node-oidc-provider"
    assert flow.endpoints.authorization_response_iss_parameter_supported is iss
    assert (response.iss == server.issuer) if iss else (response.iss is None)
    assert any("iss names" in check for check in response.checks) is iss

    tokens = flow.exchange_code()
    assert tokens.token_type.lower() == "bearer" and tokens.access_token
    assert tokens.scope is not None and set(tokens.scope.split()) <= set(server.scopes)
    api = flow.call_api()
    assert api.status_code == 200 and server.username in api.text

    introspection = flow.introspect()
    assert introspection.active and introspection.client_id == server.client_id
    flow.revoke()
    assert flow.introspect().active is False
    with pytest.raises(OAuthResponseError) as refused:
        flow.call_api()
    if server.name == "node-oidc-provider":
        # RFC 6750 3.1: 401 and WWW-Authenticate: Bearer error="invalid_token"
        assert refused.value.status == 401 and refused.value.error == "invalid_token"
    else:
        # DOT's ProtectedResourceView: a bare 403, no challenge, no error code
        assert refused.value.status == 403 and refused.value.error is None
        answer = flow.transcript.exchanges[-1].response
        assert answer is not None and "www-authenticate" not in answer.headers
        assert "named no error" in str(refused.value)
    # on both, the flow's own records say why
    assert "This flow revoked this access token" in str(refused.value)


def test_pkce_is_required(flow: Flow, thirdparty_server: ThirdPartyServer):
    # DOT checks the request after the login, node-oidc-provider before it
    page = sign_in(flow, thirdparty_server, pkce=False)
    assert page.kind == "redirect", page.describe()
    response = flow.receive_redirect()
    assert response.error == "invalid_request" and response.code is None
    assert response.error_description in (
        "Code challenge required.",  # DOT (oauthlib)
        "Authorization Server policy requires PKCE to be used for this request",
    )


def test_the_code_verifier_is_checked(flow: Flow, thirdparty_server: ThirdPartyServer):
    code_of(flow, thirdparty_server)
    flow.pkce = PkcePair.generate()  # not the pair whose challenge was sent
    with pytest.raises(OAuthResponseError) as refused:
        flow.exchange_code()
    assert refused.value.status == 400 and refused.value.error == "invalid_grant"


def test_a_code_works_once_and_the_kit_says_it_was_replayed(
    flow: Flow, thirdparty_server: ThirdPartyServer
):
    code_of(flow, thirdparty_server)
    request = flow.token_request()
    flow.exchange_code(request)
    # the token panel's Send, pressed twice, sends the same request again
    with pytest.raises(OAuthResponseError) as replayed:
        flow.exchange_code(request)
    assert replayed.value.error == "invalid_grant"
    explanation = replayed.value.explanation
    assert explanation is not None
    assert explanation.likely_cause.startswith("This code was exchanged already"), explanation


def test_a_wrong_client_secret_is_refused(flow: Flow, thirdparty_server: ThirdPartyServer):
    code_of(flow, thirdparty_server)
    flow.application = Application(
        thirdparty_server.client_id, "not-the-secret", redirect_uris=(flow.redirect_uri or "",)
    )
    with pytest.raises(OAuthResponseError) as refused:
        flow.exchange_code()
    assert refused.value.status == 401 and refused.value.error == "invalid_client"


def test_refresh_rotation_as_each_server_does_it(flow: Flow, thirdparty_server: ThirdPartyServer):
    server = thirdparty_server
    # OIDC Core 11: node grants offline_access (a refresh token) only with prompt=consent
    prompt = "consent" if server.name == "node-oidc-provider" else None
    flow.authorize(prompt=prompt)
    page = flow.open_authorization_page()
    if page.kind == "login":
        page = flow.login(server.username, server.password)
    page = flow.consent("approve")
    flow.receive_redirect()
    first = flow.exchange_code()
    assert first.refresh_token, first
    second = flow.refresh()
    assert second.access_token != first.access_token
    assert (second.refresh_token != first.refresh_token) is ROTATES[server.name]
    flow.tokens = first  # the first refresh token again
    if ROTATES[server.name]:
        with pytest.raises(OAuthResponseError) as refused:
            flow.refresh()
        assert refused.value.error == "invalid_grant"
        assert "This refresh token was exchanged already" in str(refused.value)
    else:
        assert flow.refresh().refresh_token == first.refresh_token


def test_deny_comes_back_as_access_denied(flow: Flow, thirdparty_server: ThirdPartyServer):
    page = sign_in(flow, thirdparty_server)  # a new browser: no consent remembered
    assert page.kind == "consent", page.describe()
    page = flow.consent("deny")
    assert page.kind == "redirect", page.describe()
    response = flow.receive_redirect()
    assert response.error == "access_denied" and response.code is None
    # the refusing answer each page offers, by its own label
    label = {"django-oauth-toolkit": "Cancel", "node-oidc-provider": "[ Cancel ]"}
    assert response.explanation is not None
    assert response.explanation.likely_cause == (
        f"The user clicked {label[thirdparty_server.name]!r} on the consent page, which refuses."
    )


def test_dot_checks_the_password(dot_server: ThirdPartyServer):
    with Flow.discover(dot_server.issuer, application=dot_server.application()) as flow:
        flow.authorize()
        flow.open_authorization_page()
        page = flow.login(dot_server.username, "not-" + dot_server.password)
    assert page.kind == "retry", page.describe()
    assert "Please enter a correct username and password" in page.message


def test_node_dev_login_takes_any_password(node_oidc_server: ThirdPartyServer):
    assert node_oidc_server.accepts_any_password
    with Flow.discover(
        node_oidc_server.issuer,
        application=node_oidc_server.application(),
        scope=node_oidc_server.scope,
    ) as flow:
        flow.authorize()
        flow.open_authorization_page()
        page = flow.login("mallory", "any password at all")
    assert page.kind == "consent", page.describe()
