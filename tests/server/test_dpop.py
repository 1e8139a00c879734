"""DPoP (RFC 9449) at the token endpoint, the API and the authorization endpoint, in process."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from codegrant_kit.server.dpop import MAX_PROOF_AGE, NONCE_LIFETIME
from codegrant_kit.server.dpop_jti import JtiCache

from .dpop_helpers import Key, claims_of
from .helpers import ISSUER, InProcess, authorize, get_code, introspect, redeem, redirect_params

PHOTOS = ISSUER + "/api/photos"


@pytest.fixture
def kit() -> Iterator[InProcess]:
    server = InProcess.create()
    yield server
    server.close()


def dpop_redeem(
    kit: InProcess, browser: httpx.Client, key: Key, code: str, **proof: Any
) -> httpx.Response:
    browser.headers["DPoP"] = key.proof(iat=kit.clock(), **proof)
    try:
        return redeem(browser, kit.client, code)
    finally:
        del browser.headers["DPoP"]


def dpop_tokens(kit: InProcess, key: Key, **params: str) -> dict[str, Any]:
    browser = kit.browser()
    response = dpop_redeem(kit, browser, key, get_code(browser, kit.client, **params))
    assert response.status_code == 200, response.text
    return dict(response.json())


def photos(kit: InProcess, token: str, proof: str | None, scheme: str = "DPoP") -> httpx.Response:
    headers = {"Authorization": f"{scheme} {token}"}
    if proof is not None:
        headers["DPoP"] = proof
    return kit.browser().get("/api/photos", headers=headers)


def test_metadata_lists_the_proof_algorithms(kit):
    metadata = kit.browser().get("/.well-known/oauth-authorization-server").json()
    assert metadata["dpop_signing_alg_values_supported"] == ["ES256", "RS256"]


@pytest.mark.parametrize("alg", ["ES256", "RS256"])
def test_a_proof_binds_the_token_to_the_key(kit, alg):
    key = Key(alg)
    body = dpop_tokens(kit, key)
    assert body["token_type"] == "DPoP"
    info = introspect(kit.browser(), kit.client, body["access_token"])
    assert (info["token_type"], info["cnf"]) == ("DPoP", {"jkt": key.jkt})
    ok = photos(
        kit,
        body["access_token"],
        key.proof("GET", PHOTOS, iat=kit.clock(), access_token=body["access_token"]),
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["user"] == "alice"


def test_without_a_proof_the_token_is_a_bearer_token(kit):
    browser = kit.browser()
    body = redeem(browser, kit.client, get_code(browser, kit.client)).json()
    assert body["token_type"] == "Bearer"
    assert "cnf" not in introspect(browser, kit.client, body["access_token"])


def test_a_jwt_access_token_carries_cnf_jkt():
    kit = InProcess.create(access_token_format="jwt")
    try:
        key = Key()
        body = dpop_tokens(kit, key)
        assert claims_of(body["access_token"])["cnf"] == {"jkt": key.jkt}
    finally:
        kit.close()


def assert_dpop_refusal(response: httpx.Response, error: str) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["error"] == error
    challenge = response.headers["www-authenticate"]
    # RFC 9449 7.1: the DPoP scheme, the error and the algorithms accepted
    assert challenge.startswith(f'DPoP error="{error}"'), challenge
    assert 'algs="ES256 RS256"' in challenge


def test_the_api_refuses_a_bound_token_sent_as_bearer(kit):
    token = dpop_tokens(kit, Key())["access_token"]
    assert_dpop_refusal(photos(kit, token, None, scheme="Bearer"), "invalid_token")


def test_the_api_refuses_a_proof_of_another_key(kit):
    token = dpop_tokens(kit, Key())["access_token"]
    thief = Key()
    proof = thief.proof("GET", PHOTOS, iat=kit.clock(), access_token=token)
    assert_dpop_refusal(photos(kit, token, proof), "invalid_dpop_proof")


def test_the_api_refuses_a_replayed_proof(kit):
    key = Key()
    token = dpop_tokens(kit, key)["access_token"]
    proof = key.proof("GET", PHOTOS, iat=kit.clock(), access_token=token)
    assert photos(kit, token, proof).status_code == 200
    assert_dpop_refusal(photos(kit, token, proof), "invalid_dpop_proof")


def test_the_api_refuses_a_stale_proof(kit):
    key = Key()
    token = dpop_tokens(kit, key)["access_token"]
    stale = key.proof("GET", PHOTOS, iat=kit.clock() - MAX_PROOF_AGE - 1, access_token=token)
    assert_dpop_refusal(photos(kit, token, stale), "invalid_dpop_proof")
    future = key.proof("GET", PHOTOS, iat=kit.clock() + 60, access_token=token)
    assert_dpop_refusal(photos(kit, token, future), "invalid_dpop_proof")


@pytest.mark.parametrize(
    "change",
    [
        {"htm": "POST"},
        {"htu": ISSUER + "/userinfo"},
        {"ath": "x" * 43},
        {"access_token": None},  # no ath at all
    ],
)
def test_the_api_refuses_a_proof_for_another_request(kit, change):
    key = Key()
    token = dpop_tokens(kit, key)["access_token"]
    proof = key.proof(
        **{"htm": "GET", "htu": PHOTOS, "access_token": token, **change}, iat=kit.clock()
    )
    assert_dpop_refusal(photos(kit, token, proof), "invalid_dpop_proof")


def test_htu_ignores_the_query_and_normalizes_case_and_port(kit):
    key = Key()
    token = dpop_tokens(kit, key)["access_token"]
    proof = key.proof(
        "GET", "HTTP://TestServer:80/api/photos?page=2#top", iat=kit.clock(), access_token=token
    )
    assert photos(kit, token, proof).status_code == 200


def test_the_api_refuses_an_unbound_token_sent_as_dpop(kit):
    browser = kit.browser()
    token = redeem(browser, kit.client, get_code(browser, kit.client)).json()["access_token"]
    proof = Key().proof("GET", PHOTOS, iat=kit.clock(), access_token=token)
    assert_dpop_refusal(photos(kit, token, proof), "invalid_token")


def test_a_bad_proof_at_the_token_endpoint_leaves_the_code(kit):
    browser = kit.browser()
    key = Key()
    code = get_code(browser, kit.client)
    wrong = dpop_redeem(kit, browser, key, code, htu=ISSUER + "/authorize")
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_dpop_proof"
    assert dpop_redeem(kit, browser, key, code).json()["token_type"] == "DPoP"


def test_nonces_at_the_token_endpoint_and_the_api():
    kit = InProcess.create(dpop_nonce=True)
    try:
        browser, key = kit.browser(), Key()
        code = get_code(browser, kit.client)
        # RFC 9449 8: no nonce yet: 400 use_dpop_nonce, and the nonce in DPoP-Nonce
        challenge = dpop_redeem(kit, browser, key, code)
        assert challenge.status_code == 400
        assert challenge.json()["error"] == "use_dpop_nonce"
        nonce = challenge.headers["dpop-nonce"]
        body = dpop_redeem(kit, browser, key, code, nonce=nonce).json()
        assert body["token_type"] == "DPoP"
        token = body["access_token"]
        # RFC 9449 9: the API asks for it too, with 401 and the DPoP challenge
        refused = photos(kit, token, key.proof("GET", PHOTOS, iat=kit.clock(), access_token=token))
        assert_dpop_refusal(refused, "use_dpop_nonce")
        nonce = refused.headers["dpop-nonce"]
        proof = key.proof("GET", PHOTOS, iat=kit.clock(), access_token=token, nonce=nonce)
        assert photos(kit, token, proof).status_code == 200
        # a nonce lasts its window and the next, then the server asks again
        kit.clock.advance(2 * NONCE_LIFETIME)
        proof = key.proof("GET", PHOTOS, iat=kit.clock(), access_token=token, nonce=nonce)
        assert_dpop_refusal(photos(kit, token, proof), "use_dpop_nonce")
    finally:
        kit.close()


def test_dpop_jkt_binds_the_code_to_the_key(kit):
    key, other = Key(), Key()
    browser = kit.browser()
    code = get_code(browser, kit.client, dpop_jkt=key.jkt)
    assert redeem(browser, kit.client, code).json()["error"] == "invalid_grant"
    assert dpop_redeem(kit, browser, other, code).json()["error"] == "invalid_grant"
    assert dpop_redeem(kit, browser, key, code).json()["token_type"] == "DPoP"


def test_a_malformed_dpop_jkt_is_an_invalid_request(kit):
    response = authorize(kit.browser(), kit.client, dpop_jkt="not a thumbprint")
    assert redirect_params(response)["error"] == "invalid_request"


def refresh(kit: InProcess, browser: httpx.Client, token: str, key: Key | None) -> httpx.Response:
    headers = {} if key is None else {"DPoP": key.proof(iat=kit.clock())}
    data = {"grant_type": "refresh_token", "refresh_token": token}
    return browser.post(
        "/token", data=data, headers=headers, auth=(kit.client.client_id, kit.client.client_secret)
    )


def test_a_confidential_clients_refresh_token_is_not_bound(kit):
    # RFC 9449 5: a confidential client's refresh token is sender-constrained already
    key = Key()
    body = dpop_tokens(kit, key)
    browser = kit.browser()
    plain = refresh(kit, browser, body["refresh_token"], None).json()
    assert plain["token_type"] == "Bearer"
    bound = refresh(kit, browser, plain["refresh_token"], key).json()
    assert bound["token_type"] == "DPoP"


def test_a_public_clients_refresh_token_is_bound():
    # RFC 9449 5: "Refresh tokens issued to public clients MUST be bound"
    kit = InProcess.create()
    try:
        from codegrant_kit.server.grants.refresh_token import RefreshTokenGrant
        from codegrant_kit.server.params import Params

        key = Key()
        body = dpop_tokens(kit, key)
        public = kit.client.__class__(
            **{**_fields(kit.client), "token_endpoint_auth_method": "none"}
        )
        grant = RefreshTokenGrant(kit.config, kit.store, kit.store.services)
        grant.dpop_jkt = key.jkt
        issued = grant.handle(
            Params.parse(f"refresh_token={body['refresh_token']}".encode()), public
        )
        assert issued.refresh is not None and issued.refresh.jkt == key.jkt
        browser = kit.browser()
        assert refresh(kit, browser, issued.refresh.value, Key()).json()["error"] == "invalid_grant"
        assert refresh(kit, browser, issued.refresh.value, None).json()["error"] == "invalid_grant"
        assert refresh(kit, browser, issued.refresh.value, key).json()["token_type"] == "DPoP"
    finally:
        kit.close()


def _fields(client: Any) -> dict[str, Any]:
    return {name: getattr(client, name) for name in client.__slots__}


def test_the_jti_cache_is_bounded_and_never_lets_a_replay_through():
    now = [1000.0]
    cache = JtiCache(lambda: now[0], max_age=60, size=3)
    assert not cache.seen("victim", 990)
    for n in range(10):  # a flood of fresh proofs from one client
        assert not cache.seen(f"flood{n}", 995 + n / 10)
    assert len(cache) == 3
    assert cache.seen("victim", 990)  # forgotten, but below the floor: still refused
    assert not cache.seen("fresh", 1000)  # a newer proof of another client still passes
    now[0] += 100
    assert not cache.seen("later", 1100)
    assert len(cache) == 1


def test_userinfo_takes_a_bound_token_with_its_proof_only(kit):
    key = Key()
    token = dpop_tokens(kit, key, scope="openid")["access_token"]
    browser = kit.browser()
    as_bearer = browser.get("/userinfo", headers={"Authorization": f"Bearer {token}"})
    assert_dpop_refusal(as_bearer, "invalid_token")
    in_body = browser.post("/userinfo", data={"access_token": token})
    assert_dpop_refusal(in_body, "invalid_token")
    proof = key.proof("GET", ISSUER + "/userinfo", iat=kit.clock(), access_token=token)
    answer = browser.get("/userinfo", headers={"Authorization": f"DPoP {token}", "DPoP": proof})
    assert answer.status_code == 200, answer.text
    assert "sub" in answer.json()


def test_seeded_randomness_is_not_drawn_for_nonces_nobody_asked_for():
    # a tutorial's committed codes and tokens stay what they were before DPoP came
    from codegrant_kit.server import SeededRandomness, ServerConfig, Store

    seeded = SeededRandomness("tutorial")
    Store(ServerConfig(randomness=seeded, password_hash="fast")).close()
    assert seeded.token(16) == SeededRandomness("tutorial").token(16)
