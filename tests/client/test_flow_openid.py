"""OpenID Connect on the code flow, the kit's client against Authlib's provider (not ours):
nonce, the ID token checked step by step, userinfo, and the transcript."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import REDIRECT_URI
from independent_server import IndependentServer

from codegrant_kit.client import (
    Flow,
    OAuthResponseError,
    StepOutOfOrder,
    UserinfoSubjectMismatch,
    fetch_userinfo,
)
from codegrant_kit.client.jwt import tamper


def signed_in(server: IndependentServer, scope: str, user: str = "alice") -> Flow:
    flow = Flow.discover(server.issuer, scope=scope, api_url=server.api_url)
    flow.register("Photo printer", redirect_uri=REDIRECT_URI)
    flow.authorize()
    flow.open_authorization_page()
    assert flow.login(user, server.store.users[user]).kind == "consent"
    flow.consent("approve")
    flow.receive_redirect()
    flow.exchange_code()
    return flow


@pytest.fixture(scope="module")
def server() -> Iterator[IndependentServer]:
    with IndependentServer(users={"alice": "wonderland", "bob": "builder"}) as server:
        yield server


@pytest.fixture
def flow(server: IndependentServer) -> Iterator[Flow]:
    with signed_in(server, "openid profile photos") as flow:
        yield flow


def test_the_nonce_goes_out_and_the_id_token_brings_it_back(flow: Flow) -> None:
    request = flow.authorization_request
    assert request is not None and request.nonce
    sent = next(e for e in flow.transcript if e.request.url.path.endswith("/auth"))
    assert sent.request.url.params["nonce"] == request.nonce
    assert flow.tokens is not None and flow.tokens.id_token

    check = flow.check_id_token()
    assert check.valid, str(check)
    assert check.claims["nonce"] == request.nonce
    assert check.claims["sub"] == "alice" and check.claims["name"] == "Alice"
    passed = {step.name: step.outcome for step in check.steps}
    assert passed["signature"] == passed["nonce"] == passed["at_hash"] == "pass"
    certs = [e for e in flow.transcript if e.request.url.path.endswith("/certs")]
    assert len(certs) == 1
    # the keys are kept: a second check makes no request
    assert flow.check_id_token().valid
    assert len([e for e in flow.transcript if e.request.url.path.endswith("/certs")]) == 1


def test_userinfo_answers_for_the_same_sub(flow: Flow) -> None:
    with pytest.raises(StepOutOfOrder, match="Check the ID token first"):
        flow.userinfo()
    flow.check_id_token()
    info = flow.userinfo()
    assert info.sub == "alice" and info.claims["preferred_username"] == "alice"
    assert flow.userinfo(method="POST").sub == "alice"
    assert any(note.parameter == "name" for note in info.explain())


def test_userinfo_for_another_user_is_refused(server: IndependentServer, flow: Flow) -> None:
    with signed_in(server, "openid profile", user="bob") as bobs:
        assert bobs.tokens is not None
        swapped = bobs.tokens.access_token
    with pytest.raises(UserinfoSubjectMismatch, match="MUST match"):
        fetch_userinfo(flow.endpoints, swapped, expected_sub="alice", http=flow.http)


def test_a_revoked_access_token_gets_invalid_token_at_userinfo(flow: Flow) -> None:
    flow.check_id_token()
    flow.revoke()
    with pytest.raises(OAuthResponseError) as caught:
        flow.userinfo()
    assert caught.value.status == 401 and caught.value.error == "invalid_token"


def test_an_id_token_from_another_flow_or_client_is_refused(
    server: IndependentServer, flow: Flow
) -> None:
    with signed_in(server, "openid profile") as other:
        assert other.tokens is not None and other.tokens.id_token
        injected = other.tokens.id_token
    check = flow.check_id_token(injected)
    # another client's flow: another aud, another nonce, another access token
    assert {step.name for step in check.failures} == {"aud", "nonce", "at_hash"}
    assert flow.id_token_check is check
    with pytest.raises(StepOutOfOrder):
        flow.userinfo()
    assert flow.tokens is not None and flow.tokens.id_token
    forged = flow.check_id_token(tamper(flow.tokens.id_token, "sub", "admin"))
    assert [step.name for step in forged.failures] == ["signature"]


def test_the_transcript_shows_the_id_token_decoded_beside_its_raw_form(flow: Flow) -> None:
    assert flow.tokens is not None and flow.tokens.id_token
    text = flow.transcript.to_text()
    raw_at = text.index(flow.tokens.id_token)
    decoded_at = text.index("id_token, decoded")
    assert raw_at < decoded_at
    assert '"sub": "alice"' in text[decoded_at:]
    assert "auth_time:" in text[decoded_at:] and "UTC" in text[decoded_at:]
    masked = flow.transcript.to_text(mask=True)
    assert flow.tokens.id_token not in masked and "id_token, decoded" in masked


def test_without_openid_no_nonce_no_id_token(server: IndependentServer) -> None:
    with signed_in(server, "photos") as flow:
        assert flow.authorization_request is not None
        assert flow.authorization_request.nonce is None
        assert flow.tokens is not None and flow.tokens.id_token is None
        with pytest.raises(StepOutOfOrder, match="openid scope"):
            flow.check_id_token()
        assert "id_token, decoded" not in flow.transcript.to_text()


def test_after_a_refresh_without_an_id_token_the_sign_ins_stands(flow: Flow) -> None:
    assert flow.check_id_token().valid and flow.signed_in is not None
    flow.refresh()  # Authlib's refresh grant issues no new ID token
    assert flow.tokens is not None and flow.tokens.id_token is None
    with pytest.raises(StepOutOfOrder, match=r"12\.2"):
        flow.check_id_token()
    assert flow.signed_in["sub"] == "alice"
