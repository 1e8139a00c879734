"""The likely cause of a refused token is what this flow's transcript shows happened:
each case against a real lab server on a socket."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from codegrant_kit.client import (
    Flow,
    OAuthResponseError,
    TokenResponse,
    call_api,
    explain_error,
)
from codegrant_kit.client.history import explain_in_flow, likely_cause
from codegrant_kit.lab import LabServer
from codegrant_kit.lab._steps import sign_in


@pytest.fixture(scope="module")
def server() -> Iterator[LabServer]:
    with LabServer(password_hash="fast") as server:
        yield server


@pytest.fixture
def flow(server: LabServer) -> Iterator[Flow]:
    target = server.target
    with target.flow(target.register()) as flow:
        request = flow.authorize()
        sign_in(flow.browser, request.url, target.victim)
        flow.receive_redirect()
        flow.exchange_code()
        yield flow


def refused(step: object) -> str:
    with pytest.raises(OAuthResponseError) as caught:
        step()  # type: ignore[operator]
    explanation = caught.value.explanation
    assert explanation is not None
    assert f"Likely cause: {explanation.likely_cause}" in str(caught.value)
    return explanation.likely_cause


def test_replayed_code_then_api_call(flow: Flow) -> None:
    cause = refused(flow.exchange_code)
    assert cause.startswith("This code was exchanged already (exchange ")
    cause = refused(flow.call_api)
    assert "code was sent a second time" in cause and "RFC 6749 4.1.2" in cause
    assert "expired" not in cause


def test_revoked_access_token_then_api_call(flow: Flow) -> None:
    flow.revoke(token_type_hint="access_token")
    cause = refused(flow.call_api)
    assert cause.startswith("This flow revoked this access token (exchange ")
    assert "expired" not in cause


def test_revoked_refresh_token_then_refresh_and_api_call(flow: Flow) -> None:
    assert flow.tokens is not None
    flow.revoke(flow.tokens.refresh_token, token_type_hint="refresh_token")
    cause = refused(flow.refresh)
    assert cause.startswith("This flow revoked this refresh token (exchange ")
    assert "expired" not in cause
    cause = refused(flow.call_api)
    assert "its refresh token was revoked" in cause and "RFC 7009 2.1" in cause


def test_rotated_refresh_token_sent_again(flow: Flow) -> None:
    first = flow.tokens
    newest = flow.refresh()
    flow.tokens = first
    cause = refused(flow.refresh)
    assert "exchanged for a new one already" in cause or "exchanged already" in cause
    flow.tokens = newest
    cause = refused(flow.call_api)
    assert "refresh token already exchanged was sent again" in cause
    assert "RFC 9700 4.14.2" in cause


def test_token_expired_on_the_server_clock(flow: Flow, server: LabServer) -> None:
    assert flow.tokens is not None and flow.tokens.expires_in is not None
    server.clock.advance(flow.tokens.expires_in + 1)
    try:
        cause = refused(flow.call_api)
    finally:
        server.clock.advance(-(flow.tokens.expires_in + 1))
    # this machine's clock says the token is young: the kit cannot prove expiry, so it lists
    assert cause.startswith("Nothing in this flow revoked or replaced this access token")
    assert "expired on the server" in cause and "revoked outside this flow" in cause


def test_expired_by_this_clock_is_said_to_be_expired(flow: Flow) -> None:
    assert flow.tokens is not None and flow.tokens.expires_in is not None
    later = time.time() + flow.tokens.expires_in + 5
    cause = likely_cause(flow.history(), "access_token", flow.tokens.access_token, now=later)
    assert cause is not None and cause.startswith("The access token has expired: issued ")


def test_unknown_token(flow: Flow) -> None:
    flow.tokens = TokenResponse(access_token="not-a-token-of-this-flow", token_type="Bearer")
    cause = refused(flow.call_api)
    assert cause.startswith("This flow's transcript never received this access token.")


def test_a_description_listing_causes_proves_none() -> None:
    listed = explain_error("invalid_token", "The access token is unknown, expired or revoked.")
    assert listed.likely_cause == explain_error("invalid_token").likely_cause
    assert "expired" in listed.likely_cause and "revoked" in listed.likely_cause
    grant = explain_error("invalid_grant", "The refresh token is unknown, expired or revoked.")
    assert grant.likely_cause.startswith("One of: the code or refresh token was used already")
    assert "revoked" in explain_error("invalid_token", "revoked", where="resource").likely_cause


def test_records_that_prove_nothing_leave_the_servers_one_cause(flow: Flow) -> None:
    assert flow.tokens is not None
    bearer = {"Authorization": "Bearer " + flow.tokens.access_token}
    request = httpx.Request("GET", "https://api.example/", headers=bearer)
    said = explain_error("invalid_token", "The access token expired.", where="resource")
    assert explain_in_flow(said, flow.history(), request) == said
    listed = explain_error("invalid_token", "unknown, expired or revoked", where="resource")
    assert explain_in_flow(listed, flow.history(), request).likely_cause.startswith(
        "Nothing in this flow revoked or replaced this access token"
    )


def test_an_access_token_a_refresh_replaced_is_named_as_a_possible_cause(flow: Flow) -> None:
    assert flow.tokens is not None
    first = flow.tokens.access_token
    flow.refresh()
    history = flow.history()
    cause = likely_cause(history, "access_token", first)
    assert cause is not None and cause.startswith("A refresh (exchange ")
    assert "some servers end the old one then" in cause
    # our server keeps the old access token until it expires: the API still takes it
    assert flow.api_url is not None
    assert call_api(flow.api_url, first, http=flow.http).status_code == 200


def test_a_replay_the_server_accepted_ends_nothing() -> None:
    # LAB code_replay: the server takes the code twice, so no token was revoked for it
    with LabServer("code_replay", password_hash="fast") as lab:
        target = lab.target
        with target.flow(target.register()) as flow:
            request = flow.authorize()
            sign_in(flow.browser, request.url, target.victim)
            flow.receive_redirect()
            first = flow.exchange_code().access_token
            flow.exchange_code()
            history = flow.history()
            assert history.replayed == {}
            cause = likely_cause(history, "access_token", first)
            assert cause is not None and cause.startswith("Nothing in this flow")


def test_a_bare_refusal_at_the_api_is_explained_by_what_the_flow_did(flow: Flow) -> None:
    # DOT's resource views answer a revoked token with a bare 403 (tests/thirdparty)
    from codegrant_kit.client.history import explain_bare_refusal

    assert flow.tokens is not None
    token = flow.tokens.access_token
    api = httpx.Request(
        "GET", "https://api.example/me", headers={"Authorization": f"Bearer {token}"}
    )
    assert explain_bare_refusal(403, flow.history(), api) is not None
    flow.revoke(token_type_hint="access_token")
    explanation = explain_bare_refusal(403, flow.history(), api)
    assert explanation is not None and explanation.where == "protected resource"
    assert explanation.likely_cause.startswith("This flow revoked this access token")
    assert "named no error" in explanation.meaning
    # nothing to say of a request without a bearer token, or of a server error
    assert (
        explain_bare_refusal(403, flow.history(), httpx.Request("GET", "https://api.example/"))
        is None
    )
    assert explain_bare_refusal(500, flow.history(), api) is None
