"""The client's DPoP (RFC 9449): proofs checked by an independent library, and a whole
DPoP-bound flow against our server over a real socket, nonce challenge included."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import jwskate
import pytest
from binapy import BinaPy
from conftest import REDIRECT_URI

from codegrant_kit.client import DpopKey, Flow, OAuthResponseError, decode_proof
from codegrant_kit.client.dpop import send_with_proof
from codegrant_kit.client.jwt import decode_jwt
from codegrant_kit.runner import BackgroundServer, start_server


def test_each_step_of_the_proof_checks_out_with_jwskate():
    key = DpopKey.generate()
    steps = key.proof_steps("GET", "https://as.example/api/photos?page=2#x", access_token="at")
    jwk = jwskate.Jwk(steps.header["jwk"])
    assert jwk.is_private is False
    assert steps.thumbprint == jwk.thumbprint() == key.thumbprint  # RFC 7638
    jws = jwskate.JwsCompact(steps.header_value)
    assert jws.verify_signature(jwk, alg="ES256")
    assert jws.headers["typ"] == "dpop+jwt"
    claims = json.loads(jws.payload)
    assert claims["htm"] == "GET" and claims["htu"] == "https://as.example/api/photos"
    assert claims["ath"] == BinaPy("at").to("sha256").to("b64u").decode()
    assert [note.parameter for note in steps.explain()] == [
        "typ", "alg", "jwk", "jkt", "jti", "htm", "htu", "iat", "ath",
    ]  # fmt: skip


def test_every_proof_is_new():
    key = DpopKey.generate()
    first, second = (decode_proof(key.proof("POST", "https://as.example/token")) for _ in "12")
    assert first.claims["jti"] != second.claims["jti"]
    assert first.thumbprint == second.thumbprint == key.thumbprint


@pytest.fixture(scope="module")
def ours() -> Iterator[BackgroundServer]:
    with start_server(
        users={"admin": "admin"}, dpop_nonce=True, access_token_format="jwt"
    ) as server:
        yield server


def test_a_dpop_bound_flow_with_nonces(ours):
    with Flow.discover(
        ours.url, api_url=f"{ours.url}/api/photos", scope="PRODUCTION", dpop=True
    ) as flow:
        assert flow.endpoints.metadata["dpop_signing_alg_values_supported"] == ["ES256", "RS256"]
        flow.register("DPoP app", redirect_uri=REDIRECT_URI)
        key = flow.dpop_key
        assert key is not None
        request = flow.authorize()
        assert request.dpop_jkt == key.thumbprint  # RFC 9449 10
        flow.open_authorization_page()
        flow.login("admin", "admin")
        flow.consent("approve")
        flow.receive_redirect()
        tokens = flow.exchange_code()
        assert tokens.token_type == "DPoP" and tokens.dpop_bound
        assert tokens.authorization_header.startswith("DPoP ")
        assert decode_jwt(tokens.access_token).claims["cnf"] == {"jkt": key.thumbprint}
        assert flow.call_api().json()["user"] == "admin"
        assert flow.refresh().token_type == "DPoP"
        assert flow.call_api().status_code == 200

        to_token = [e for e in flow.transcript.exchanges if e.request.url.path == "/token"]
        # the first token request met use_dpop_nonce, the retry carried the nonce
        assert [e.response.status_code for e in to_token if e.response] == [400, 200, 200]
        assert to_token[0].response is not None
        nonce = to_token[0].response.headers["dpop-nonce"]
        assert "nonce" not in decode_proof(to_token[0].request.headers["dpop"]).claims
        assert decode_proof(to_token[1].request.headers["dpop"]).claims["nonce"] == nonce
        # the transcript shows the DPoP header on the wire
        api = [e for e in flow.transcript.exchanges if e.request.url.path == "/api/photos"]
        assert "DPoP: ey" in api[-1].raw_request()
        assert api[-1].request.headers["authorization"].startswith("DPoP ")


def test_a_thief_without_the_key_is_refused(ours):
    with Flow.discover(
        ours.url, api_url=f"{ours.url}/api/photos", scope="PRODUCTION", dpop=True
    ) as flow:
        flow.register("DPoP app", redirect_uri=REDIRECT_URI)
        flow.run_front_channel("admin", "admin")
        tokens = flow.exchange_code()
        thief = DpopKey.generate()
        with httpx.Client() as http:
            request = httpx.Request("GET", f"{ours.url}/api/photos")
            answer = send_with_proof(request, thief, http.send, access_token=tokens.access_token)
        assert answer.status_code == 401
        assert 'error="invalid_dpop_proof"' in answer.headers["www-authenticate"]


def test_a_refusal_is_explained(ours):
    with Flow.discover(
        ours.url, api_url=f"{ours.url}/api/photos", scope="PRODUCTION", dpop=True
    ) as flow:
        flow.register("DPoP app", redirect_uri=REDIRECT_URI)
        flow.run_front_channel("admin", "admin")
        flow.exchange_code()
        flow.dpop_key = DpopKey.generate()  # the token travels on; the key does not
        with pytest.raises(OAuthResponseError) as refused:
            flow.call_api()
    assert refused.value.error == "invalid_dpop_proof"
    assert refused.value.explanation is not None
    assert "stolen token" in refused.value.explanation.likely_cause


def test_a_seeded_factory_makes_the_same_key_and_jti():
    # a tutorial's outputs repeat, except the ES256 signature, which is random
    from codegrant_kit.client import seeded_token_factory

    one, two = (DpopKey.generate(token_factory=seeded_token_factory("t")) for _ in "12")
    assert one.thumbprint == two.thumbprint
    first, second = (
        decode_proof(key.proof("POST", "https://as.example/token")) for key in (one, two)
    )
    assert first.claims["jti"] == second.claims["jti"]
    assert DpopKey.generate().thumbprint != DpopKey.generate().thumbprint
