"""The whole client layer against our own server, over a real socket."""

from collections.abc import Iterator

import pytest
from conftest import REDIRECT_URI
from joserfc import jwt
from joserfc.jwk import KeySet

from codegrant_kit.client import (
    AuthorizationRequest,
    BasicAuthSteps,
    Flow,
    OAuthResponseError,
    PkcePair,
    StepOutOfOrder,
    exchange_code,
    refresh,
)
from codegrant_kit.runner import BackgroundServer, build, start_server


@pytest.fixture(scope="module")
def ours() -> Iterator[BackgroundServer]:
    with start_server(users={"admin": "admin"}) as server:
        yield server


@pytest.fixture
def flow(ours):
    with Flow.discover(ours.url, api_url=f"{ours.url}/api/photos", scope="PRODUCTION") as flow:
        yield flow


def code_for(flow, *, pkce=True):
    flow.authorize(pkce=pkce)
    flow.open_authorization_page()
    assert flow.login("admin", "admin").kind == "consent"
    assert flow.consent("approve").kind == "redirect"
    return flow.receive_redirect()


def test_the_seed_pages_flow_step_by_step(flow, ours):
    assert flow.endpoints.issuer == ours.url
    assert flow.endpoints.authorization_response_iss_parameter_supported
    app = flow.register("Playground", redirect_uri=REDIRECT_URI)
    assert len(app.consumer_key) == 28 and len(app.consumer_secret) == 28

    request = flow.authorize(pkce=False)
    assert request.url.startswith(
        f"{ours.url}/authorize?response_type=code&client_id={app.client_id}&scope=PRODUCTION"
        "&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb&state="
    )
    assert flow.open_authorization_page().kind == "login"

    page = flow.login("admin", "wrong password")
    assert page.kind == "retry"
    assert page.message
    page = flow.login("admin", "admin")
    assert page.kind == "consent"
    assert "PRODUCTION" in page.message and "Playground" in page.message

    page = flow.consent("approve")
    assert (page.status, page.reason, page.kind) == (302, "Found", "redirect")
    response = flow.receive_redirect()
    assert response.ok and response.iss == ours.url and response.state == request.state

    tokens = flow.exchange_code()
    assert tokens.token_type == "Bearer" and tokens.scope == "PRODUCTION"
    assert tokens.expires_in and tokens.refresh_token
    assert "Cache-Control: no-store" in flow.transcript.last.raw_response()

    photos = flow.call_api()
    assert photos.status_code == 200 and "admin" in photos.text

    # The transcript, in the seed page's format.
    redirect = next(e for e in flow.transcript if e.response.status_code == 302)
    assert redirect.raw_response(headers=["Location"]) == (
        f"HTTP/1.1 302 Found\nLocation: {response.location}"
    )
    token = next(e for e in flow.transcript if e.request.url.path == "/token")
    basic = BasicAuthSteps(app.client_id, app.client_secret).base64
    host = ours.url.removeprefix("http://")
    assert token.raw_request(headers=["Host", "Authorization", "Content-Type"]) == (
        "POST /token HTTP/1.1\n"
        f"Host: {host}\n"
        f"Authorization: Basic {basic}\n"
        "Content-Type: application/x-www-form-urlencoded\n"
        "\n"
        f"grant_type=authorization_code&code={response.code}"
        "&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb"
    )
    masked = flow.transcript.to_text(mask=True)
    for secret in (app.client_secret, tokens.access_token, tokens.refresh_token, response.code):
        assert secret not in masked
    assert "password=admin" not in masked and "password=********" in masked

    diagram = flow.transcript.to_mermaid()
    assert diagram.splitlines()[1:5] == [
        "    participant B as Browser",
        "    participant C as Client",
        "    participant AS as Authorization Server",
        "    participant RS as Resource Server",
    ]
    assert "    AS-->>B: 302 Found" in diagram
    assert "    C->>AS: POST /token" in diagram
    assert "    C->>RS: GET /api/photos" in diagram


def test_refresh_introspect_revoke(flow):
    app = flow.register("Lifecycle", redirect_uri=REDIRECT_URI)
    code_for(flow)
    first = flow.exchange_code()
    second = flow.refresh()
    assert second.access_token != first.access_token

    introspection = flow.introspect()
    assert introspection.active
    assert (introspection.client_id, introspection.username) == (app.client_id, "admin")
    assert introspection.scope == "PRODUCTION"

    flow.revoke()
    assert not flow.introspect().active
    with pytest.raises(OAuthResponseError) as caught:
        flow.call_api()
    assert (caught.value.status, caught.value.error) == (401, "invalid_token")

    with pytest.raises(OAuthResponseError) as caught:  # rotated away by the refresh
        refresh(flow.endpoints, app, first.refresh_token, http=flow.http)
    assert caught.value.error == "invalid_grant"


def test_body_credentials(flow):
    flow.auth = "client_secret_post"
    flow.register("Body credentials", redirect_uri=REDIRECT_URI)
    code_for(flow)
    request = flow.token_request()
    assert "authorization" not in request.headers
    assert b"&client_id=" in request.content and b"&client_secret=" in request.content
    assert flow.exchange_code().access_token
    assert flow.call_api().status_code == 200


def test_a_replayed_code_fails_and_revokes_what_it_gave(flow):
    flow.register("Replay", redirect_uri=REDIRECT_URI)
    code_for(flow)
    tokens = flow.exchange_code()
    with pytest.raises(OAuthResponseError) as caught:
        flow.exchange_code()
    assert (caught.value.status, caught.value.error) == (400, "invalid_grant")
    assert caught.value.explanation is not None
    with pytest.raises(OAuthResponseError):
        flow.call_api()
    assert not flow.introspect(tokens.access_token).active


def test_the_same_token_request_sent_twice_is_explained_as_a_replay(flow):
    # the token panel's Send pressed twice: one request object, sent again
    flow.register("Send twice", redirect_uri=REDIRECT_URI)
    code_for(flow)
    request = flow.token_request()
    flow.exchange_code(request)
    with pytest.raises(OAuthResponseError) as caught:
        flow.exchange_code(request)
    assert caught.value.explanation is not None
    assert caught.value.explanation.likely_cause.startswith("This code was exchanged already")


def test_a_wrong_secret_is_invalid_client(flow):
    app = flow.register("Wrong secret", redirect_uri=REDIRECT_URI)
    response = code_for(flow)
    with pytest.raises(OAuthResponseError) as caught:
        exchange_code(
            flow.endpoints,
            (app.client_id, "not-the-secret"),
            code=response.code,
            redirect_uri=REDIRECT_URI,
            code_verifier=flow.pkce.code_verifier,
            http=flow.http,
        )
    assert (caught.value.status, caught.value.error) == (401, "invalid_client")
    assert "secret" in caught.value.explanation.likely_cause


def test_pkce_verifier_must_match(flow):
    app = flow.register("PKCE", redirect_uri=REDIRECT_URI)
    response = code_for(flow)
    with pytest.raises(OAuthResponseError) as caught:
        exchange_code(
            flow.endpoints,
            app,
            code=response.code,
            redirect_uri=REDIRECT_URI,
            code_verifier="x" * 43,
            http=flow.http,
        )
    assert caught.value.error == "invalid_grant"


def test_deny_and_approve_always(flow, ours):
    flow.register("Choices", redirect_uri=REDIRECT_URI)
    flow.authorize()
    flow.open_authorization_page()
    flow.login("admin", "admin")
    flow.consent("deny")
    denied = flow.receive_redirect()
    assert (denied.error, denied.iss) == ("access_denied", ours.url)
    assert "Deny" in denied.explanation.likely_cause

    flow.authorize()
    flow.open_authorization_page()
    flow.login("admin", "admin")
    flow.consent("approveAlways")
    assert flow.receive_redirect().ok
    flow.authorize()
    flow.open_authorization_page()
    assert flow.login("admin", "admin").kind == "redirect"  # no consent page this time
    assert flow.receive_redirect().ok


def test_an_unregistered_redirect_uri_gets_an_error_page(flow):
    flow.register("Strict", redirect_uri=REDIRECT_URI)
    flow.redirect_uri = "https://evil.example/cb"
    flow.authorize()
    page = flow.open_authorization_page()
    assert (page.status, page.kind) == (400, "error page")
    assert page.location is None
    assert page.message


def test_registration_without_a_callback_is_refused(ours):
    with Flow.discover(ours.url) as flow, pytest.raises(OAuthResponseError) as caught:
        flow.register("No callback")
    assert (caught.value.status, caught.value.error) == (400, "invalid_redirect_uri")
    assert "callback URL" in caught.value.explanation.likely_cause


def test_a_request_built_by_hand_is_used_as_it_is(flow):
    app = flow.register("By hand", redirect_uri=REDIRECT_URI)
    pair = PkcePair.generate()
    request = AuthorizationRequest.build(
        flow.endpoints.authorization_endpoint,
        app.client_id,
        REDIRECT_URI,
        scope="PRODUCTION",
        state="chosen-by-hand",
        pkce=pair,
    )
    assert flow.use_request(request, pair) is request
    flow.open_authorization_page()
    flow.login("admin", "admin")
    flow.consent("approve")
    assert flow.receive_redirect().state == "chosen-by-hand"
    assert flow.exchange_code().access_token  # the pair's verifier went with the code


def test_jwt_access_tokens_check_out_with_the_servers_keys():
    built = build(host="127.0.0.1", port=0, users={"admin": "admin"}, access_token_format="jwt")
    with (
        BackgroundServer(*built).start() as server,
        Flow.discover(server.url, scope="PRODUCTION") as flow,
    ):
        flow.register("JWT", redirect_uri=REDIRECT_URI)
        code_for(flow)
        token = flow.exchange_code().access_token
        # joserfc (Authlib's JOSE library), not our code, checks the RS256 signature
        keys = KeySet.import_key_set(flow.fetch_jwks())
        claims = jwt.decode(token, keys, algorithms=["RS256"]).claims
        assert claims["iss"] == server.url
        assert claims["client_id"] == flow.application.client_id


def test_a_plain_oauth_server_has_no_keys_to_fetch():
    # opaque access tokens and no openid scope: it signs nothing, so it lists no jwks_uri
    # (an OpenID Provider, as the kit's server is by default, always does)
    built = build(host="127.0.0.1", port=0, users={"admin": "admin"}, scopes=("PRODUCTION",))
    with (
        BackgroundServer(*built).start() as server,
        Flow.discover(server.url, scope="PRODUCTION") as flow,
        pytest.raises(StepOutOfOrder, match="no jwks_uri"),
    ):
        flow.fetch_jwks()


def test_a_token_request_is_read_first_then_sent_as_it_was_built(flow):
    # what the token panel does: build with the credentials typed in, show it, send it
    app = flow.register("Playground", redirect_uri=REDIRECT_URI)
    code_for(flow)
    wrong = flow.token_request(client=(app.client_id, "not the secret"))
    assert wrong.headers["Authorization"] == (
        "Basic " + BasicAuthSteps(app.client_id, "not the secret").base64
    )
    with pytest.raises(OAuthResponseError) as refused:
        flow.exchange_code(wrong)
    assert refused.value.error == "invalid_client" and flow.tokens is None
    assert flow.transcript.last.request is wrong

    right = flow.token_request()
    tokens = flow.exchange_code(right)
    assert flow.tokens is tokens and flow.transcript.last.request is right
    assert tokens.token_type == "Bearer"


def test_a_token_request_with_credentials_given_needs_no_application(ours):
    with Flow.discover(ours.url) as flow:
        request = AuthorizationRequest.build(
            flow.endpoints.authorization_endpoint, "typed-in-id", REDIRECT_URI, state="xyz"
        )
        flow.use_request(request)
        flow.receive_redirect(f"{REDIRECT_URI}?code=c0de&state=xyz&iss={ours.url}")
        with pytest.raises(StepOutOfOrder, match="No application yet"):
            flow.token_request()
        built = flow.token_request(
            client=("typed-in-id", "typed-in secret"), auth="client_secret_post"
        )
        assert built.content == (
            b"grant_type=authorization_code&code=c0de&redirect_uri=https%3A%2F%2Fclient.example.com"
            b"%2Fcb&client_id=typed-in-id&client_secret=typed-in+secret"
        )
