"""OpenID Connect between the kit's client and the kit's server, over a real socket:
discovery, nonce, the ID token checked step by step, userinfo, refresh, key rotation,
and the ID token panel in the wizard."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import REDIRECT_URI

from codegrant_kit.client import Flow, OAuthResponseError, StepOutOfOrder, fetch_userinfo
from codegrant_kit.client.jwt import tamper
from codegrant_kit.panels import FlowState, IdTokenPanel, Step, Wizard
from codegrant_kit.runner import BackgroundServer, start_server

SCOPE = "openid profile email photos:read"


@pytest.fixture(scope="module")
def ours() -> Iterator[BackgroundServer]:
    with start_server(users={"alice": "wonderland", "bob": "builder"}, password_hash="fast") as s:
        yield s


def signed_in(server: BackgroundServer, scope: str = SCOPE, user: str = "alice") -> Flow:
    flow = Flow.discover(server.url, scope=scope, api_url=f"{server.url}/api/photos")
    flow.register("OIDC printer", redirect_uri=REDIRECT_URI)
    flow.authorize()
    flow.open_authorization_page()
    page = flow.login(user, {"alice": "wonderland", "bob": "builder"}[user])
    if page.kind == "consent":
        page = flow.consent("approve")
    assert page.kind == "redirect", (page.kind, page.text[:400])
    flow.receive_redirect()
    flow.exchange_code()
    return flow


@pytest.fixture
def flow(ours: BackgroundServer) -> Iterator[Flow]:
    with signed_in(ours) as flow:
        yield flow


def test_the_kits_id_token_passes_every_step_of_the_kits_check(flow: Flow) -> None:
    assert flow.transcript.exchanges[0].request.url.path == "/.well-known/openid-configuration"
    assert flow.endpoints.userinfo_endpoint and "RS256" in (
        flow.endpoints.id_token_signing_alg_values_supported
    )
    check = flow.check_id_token()
    assert check.valid, str(check)
    outcomes = {step.name: step.outcome for step in check.steps}
    assert outcomes == {
        "split and decode": "pass",
        "alg and kid": "pass",
        "key": "pass",
        "signature": "pass",
        "iss": "pass",
        "aud": "pass",
        "azp": "skip",
        "exp": "pass",
        "iat": "pass",
        "sub": "pass",
        "nonce": "pass",
        "at_hash": "pass",
    }
    request = flow.authorization_request
    assert request is not None and check.claims["nonce"] == request.nonce

    info = flow.userinfo()
    assert info.sub == check.claims["sub"]
    assert {"name", "preferred_username", "email", "email_verified"} <= set(info.claims)
    assert flow.userinfo(method="POST").sub == info.sub


def test_forgeries_and_a_token_from_another_flow(ours: BackgroundServer, flow: Flow) -> None:
    assert flow.tokens is not None and flow.tokens.id_token
    changed = flow.check_id_token(tamper(flow.tokens.id_token, "sub", "admin"))
    assert [step.name for step in changed.failures] == ["signature"]
    with signed_in(ours, user="bob") as other:
        assert other.tokens is not None and other.tokens.id_token
        injected, bobs_access_token = other.tokens.id_token, other.tokens.access_token
    check = flow.check_id_token(injected)
    assert {step.name for step in check.failures} == {"aud", "nonce", "at_hash"}
    with pytest.raises(StepOutOfOrder):
        flow.userinfo()
    assert flow.check_id_token().valid
    alices_sub = flow.check_id_token().claims["sub"]
    with pytest.raises(Exception, match="MUST match"):
        fetch_userinfo(flow.endpoints, bobs_access_token, expected_sub=alices_sub, http=flow.http)


def test_a_refresh_brings_an_id_token_about_the_same_sign_in(flow: Flow) -> None:
    first = flow.check_id_token()
    assert first.valid
    flow.refresh()
    assert flow.tokens is not None and flow.tokens.id_token
    refreshed = flow.check_id_token()
    assert refreshed.valid, str(refreshed)
    assert refreshed.step("same sign-in") is not None
    assert refreshed.step("same sign-in").outcome == "pass"  # type: ignore[union-attr]
    assert refreshed.claims["sub"] == first.claims["sub"]
    assert flow.userinfo().sub == first.claims["sub"]


def test_a_new_kid_after_a_rotation_fetches_the_keys_again(
    ours: BackgroundServer, flow: Flow
) -> None:
    def jwks_requests() -> int:
        return len([e for e in flow.transcript if e.request.url.path == "/jwks"])

    assert flow.check_id_token().valid  # the keys are fetched, and kept
    before = jwks_requests()
    assert flow.check_id_token().valid
    assert jwks_requests() == before  # kept: no request
    new_kid = ours.rotate_signing_key()
    with signed_in(ours) as fresh:
        assert fresh.tokens is not None and fresh.tokens.id_token
        fresh.jwks = flow.jwks  # a client that knows only the key before the rotation
        check = fresh.check_id_token()
        assert check.valid, str(check)
        assert check.header["kid"] == new_kid
        key = check.step("key")
        assert key is not None and "fetched from" in key.value
    # a token signed before the rotation still verifies: the old key is still published
    flow.jwks = None
    assert flow.check_id_token().valid
    assert jwks_requests() == before + 1


def test_the_wizard_shows_the_id_token_step_on_the_kits_server(ours: BackgroundServer) -> None:
    state = FlowState(scope=SCOPE)
    made = Wizard(state)
    try:
        panel = made.panels[-1]
        assert isinstance(panel, IdTokenPanel) and panel.step is Step.ID_TOKEN
        state.use_server(ours)
        state.register("Wizard app", redirect_uri=REDIRECT_URI, grant_types=["authorization_code"])
        authorize = made.panels[Step.AUTHORIZE.number - 1]
        authorize.model.scope = SCOPE  # type: ignore[attr-defined]
        assert authorize.model.nonce  # type: ignore[attr-defined]
        state.open_authorization_page()
        page = state.login("alice", "wonderland")
        if page.kind == "consent":
            state.consent("approve")
        state.receive_redirect()
        flow = state.require_flow()
        state.send_token_request(flow.token_request())
        assert panel.model.id_token
        panel._check.click()
        assert panel.model.verdict == "valid", panel.model.error
        panel._userinfo.click()
        assert panel.model.userinfo["preferred_username"] == "alice"
        made.model.step = Step.ID_TOKEN.number - 1
        assert made._stack.selected_index == Step.ID_TOKEN.number - 1
        shown = f"Step {Step.ID_TOKEN.number} of {len(Step)}: ID token"
        assert shown in made._where.value
    finally:
        made.close()
        state.close()


def test_prompt_and_max_age_as_the_provider_answers_them(ours: BackgroundServer) -> None:
    with signed_in(ours) as flow:
        # the browser has a session now: an OpenID request skips the login page...
        request = flow.authorize(max_age=600)
        assert "max_age=600" in request.url
        page = flow.open_authorization_page()
        assert page.kind in ("consent", "redirect"), page.kind
        # ...unless prompt=login asks for it again (OIDC Core 3.1.2.1)
        request = flow.authorize(prompt="login")
        assert ("prompt", "login") in request.params()
        assert flow.open_authorization_page().kind == "login"
        flow.login("alice", "wonderland")
        if flow.browser.page is not None and flow.browser.page.kind == "consent":
            flow.consent("approve")
        flow.receive_redirect()
        flow.exchange_code()
        check = flow.check_id_token(max_age=600)
        assert check.valid, str(check)
        assert check.step("auth_time") is not None
        assert check.step("auth_time").outcome == "pass"  # type: ignore[union-attr]

    # a new browser, no session: prompt=none answers login_required, in plain words
    with Flow.discover(ours.url, scope=SCOPE) as fresh:
        fresh.register("Silent", redirect_uri=REDIRECT_URI)
        fresh.authorize(prompt="none")
        assert fresh.open_authorization_page().kind == "redirect"
        response = fresh.receive_redirect()
        assert response.error == "login_required"
        with pytest.raises(OAuthResponseError) as caught:
            response.raise_for_error()
        explanation = caught.value.explanation
        assert explanation is not None and explanation.known
        assert explanation.section == "OpenID Connect Core 1.0 Section 3.1.2.6"
        assert "prompt=none" in explanation.meaning
