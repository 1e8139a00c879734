"""private_key_jwt (RFC 7523 2.2, 3; RFC 7591 2): each rule, in-process."""

from __future__ import annotations

import json

import httpx
import pytest
from joserfc.jwk import ECKey

from codegrant_kit.server.client_assertions import JtiCache

from .assertion_helpers import assertion, assertion_form, jwt_client
from .helpers import (
    ISSUER,
    REDIRECT_URI,
    InProcess,
    assert_client_refused,
    assert_json_error,
    basic,
    get_code,
)


@pytest.fixture
def key() -> ECKey:
    return ECKey.generate_key("P-256")


def redeem_with(kit: InProcess, client_code: tuple[object, str], signed: str) -> httpx.Response:
    _, code = client_code
    return kit.browser().post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            **assertion_form(signed),
        },
    )


def test_a_signed_assertion_redeems_a_code(server: InProcess, key: ECKey) -> None:
    client = jwt_client(server, key)
    code = get_code(server.browser(), client)
    response = redeem_with(server, (client, code), assertion(server, client, key))
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "Bearer"


@pytest.mark.parametrize("path", ["/introspect", "/revoke"])
def test_introspection_and_revocation_take_it(server: InProcess, key: ECKey, path: str) -> None:
    client = jwt_client(server, key)
    form = {"token": "nothing", **assertion_form(assertion(server, client, key))}
    assert server.browser().post(path, data=form).status_code == 200


def test_a_replayed_jti_is_refused(server: InProcess, key: ECKey) -> None:
    client = jwt_client(server, key)
    signed = assertion(server, client, key)
    form = {"token": "x", **assertion_form(signed)}
    assert server.browser().post("/introspect", data=form).status_code == 200
    body = assert_json_error(server.browser().post("/introspect", data=form), "invalid_client")
    assert "jti was used already" in body["error_description"]


def test_an_expired_assertion_is_refused(server: InProcess, key: ECKey) -> None:
    client = jwt_client(server, key)
    signed = assertion(server, client, key)
    server.clock.advance(120)  # exp was 60 s ahead; 30 s of clock skew allowed
    response = server.browser().post("/introspect", data={"token": "x", **assertion_form(signed)})
    assert "expired" in assert_json_error(response, "invalid_client")["error_description"]


@pytest.mark.parametrize(
    "aud",
    [
        ISSUER + "/token",  # RFC 7523 3's token endpoint URL: no longer (rfc7523bis 4)
        ISSUER + "/par",
        [ISSUER],  # a one-element array: aud MUST be a string
        [ISSUER, "https://other.example"],
        "https://other.example",
        None,
    ],
)
def test_aud_must_be_the_issuer_as_one_string(server: InProcess, key: ECKey, aud: object) -> None:
    client = jwt_client(server, key)
    signed = assertion(server, client, key, aud=aud)
    response = server.browser().post("/introspect", data={"token": "x", **assertion_form(signed)})
    body = assert_json_error(response, "invalid_client", 401)
    assert "must be the issuer" in body["error_description"]


def test_the_lab_switch_takes_the_old_audiences(key: ECKey) -> None:
    kit = InProcess.create(lab_switches=frozenset({"legacy_assertion_audience"}))
    try:
        client = jwt_client(kit, key)
        for aud in (ISSUER + "/token", [ISSUER + "/par", "https://other.example"]):
            form = {"token": "x", **assertion_form(assertion(kit, client, key, aud=aud))}
            assert kit.browser().post("/introspect", data=form).status_code == 200, aud
        metadata = kit.browser().get("/.well-known/oauth-authorization-server").json()
        assert metadata["codegrant_kit_lab_switches"] == ["legacy_assertion_audience"]
    finally:
        kit.close()


def test_another_key_is_refused(server: InProcess, key: ECKey) -> None:
    client = jwt_client(server, key)
    signed = assertion(server, client, ECKey.generate_key("P-256"))
    response = server.browser().post("/introspect", data={"token": "x", **assertion_form(signed)})
    assert "signature does not verify" in assert_json_error(response)["error_description"]


@pytest.mark.parametrize("claim", ["iss", "sub"])
def test_iss_and_sub_are_the_client(server: InProcess, key: ECKey, claim: str) -> None:
    client = jwt_client(server, key)
    other = jwt_client(server, key)
    signed = assertion(server, client, key, **{claim: other.client_id})
    response = server.browser().post("/introspect", data={"token": "x", **assertion_form(signed)})
    assert_client_refused(response)


def test_the_secret_of_a_key_client_does_not_work(server: InProcess, key: ECKey) -> None:
    client = jwt_client(server, key)
    auth = {"Authorization": basic(client.client_id, client.client_secret)}
    response = server.browser().post("/introspect", data={"token": "x"}, headers=auth)
    assert_client_refused(response)


def test_a_secret_client_cannot_use_an_assertion(server: InProcess, key: ECKey) -> None:
    signed = assertion(server, server.client, key)
    response = server.browser().post("/introspect", data={"token": "x", **assertion_form(signed)})
    assert_client_refused(response)


def test_the_token_endpoint_wants_the_registered_method(server: InProcess, key: ECKey) -> None:
    client = jwt_client(server, key)
    code = get_code(server.browser(), client)
    response = server.browser().post(
        "/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        headers={"Authorization": basic(client.client_id, client.client_secret)},
    )
    assert_client_refused(response)


def test_registration_takes_jwks_and_jwks_uri(server: InProcess, key: ECKey) -> None:
    browser = server.browser()
    jwks = {"keys": [key.as_dict(private=False)]}
    common = {"redirect_uris": [REDIRECT_URI], "token_endpoint_auth_method": "private_key_jwt"}
    ok = browser.post("/register", json={**common, "jwks": jwks})
    assert ok.status_code == 201, ok.text
    assert ok.json()["jwks"] == jwks
    uri = browser.post("/register", json={**common, "jwks_uri": "https://client.example/jwks"})
    assert uri.status_code == 201 and uri.json()["jwks_uri"] == "https://client.example/jwks"
    for bad, says in [
        ({}, "needs the client's public keys"),
        ({"jwks": jwks, "jwks_uri": "https://client.example/jwks"}, "not both"),
        ({"jwks": {"keys": [key.as_dict(private=True)]}}, "private key member"),
        ({"jwks": {"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}}, "private key member"),
        ({"jwks": {"keys": []}}, "1 to 10 keys"),
        ({"jwks": [1]}, "must be a JWK Set"),
        ({"jwks_uri": "http://10.0.0.1/jwks"}, "must be https"),
        ({"jwks_uri": "file:///etc/passwd"}, "must be https"),
    ]:
        response = browser.post("/register", json={**common, **bad})
        body = assert_json_error(response, "invalid_client_metadata")
        assert says in body["error_description"], (bad, body)


def test_metadata_lists_the_method_and_its_algorithms(server: InProcess) -> None:
    metadata = server.browser().get("/.well-known/oauth-authorization-server").json()
    for endpoint in ("token", "introspection", "revocation"):
        assert "private_key_jwt" in metadata[f"{endpoint}_endpoint_auth_methods_supported"]
        algs = metadata[f"{endpoint}_endpoint_auth_signing_alg_values_supported"]
        assert "ES256" in algs and "none" not in algs


def test_the_jti_cache_is_bounded_per_client() -> None:
    now = [1000.0]
    cache = JtiCache(lambda: now[0], size=1000)
    for n in range(JtiCache.MAX_PER_CLIENT):
        assert cache.add("greedy", f"j{n}", now[0] + 60) is None
    assert "have not expired" in str(cache.add("greedy", "one-more", now[0] + 60))
    assert cache.add("other", "j0", now[0] + 60) is None  # the others are not locked out
    now[0] += 61
    assert cache.add("greedy", "again", now[0] + 60) is None
    assert len(cache) == 1


def test_a_restart_keeps_the_keys(tmp_path, key: ECKey) -> None:
    kit = InProcess.create(db=tmp_path / "kit.db")
    client = jwt_client(kit, key, require_pushed_authorization_requests=True)
    kit.store.close()
    kit.close()
    again = InProcess.create(db=tmp_path / "kit.db")
    try:
        kept = again.store.get_client(client.client_id)
        assert kept is not None and kept.require_pushed_authorization_requests is True
        assert json.loads(kept.jwks or "")["keys"][0]["x"] == key.as_dict(private=False)["x"]
    finally:
        again.close()


def test_an_hour_long_assertion_is_taken_once_and_not_after_its_iat_window(
    server: InProcess, key: ECKey
) -> None:
    client = jwt_client(server, key)
    now = int(server.clock.now)
    signed = assertion(server, client, key, exp=now + 3600)  # Authlib's default lifetime
    form = {"token": "x", **assertion_form(signed)}
    assert server.browser().post("/introspect", data=form).status_code == 200
    server.clock.advance(700)  # its jti is forgotten now; its iat refuses it instead
    body = assert_json_error(server.browser().post("/introspect", data=form), "invalid_client")
    assert "iat is not within the last 600 s" in body["error_description"]
    no_iat = assertion(server, client, key, iat=None, exp=int(server.clock.now) + 3600)
    response = server.browser().post("/introspect", data={"token": "x", **assertion_form(no_iat)})
    assert "no iat" in assert_json_error(response, "invalid_client")["error_description"]
