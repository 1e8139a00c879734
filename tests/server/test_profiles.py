"""The profiles (`--profile oauth2.1`, `--profile fapi2`): each requirement over a real
socket, both ways: allowed without the profile, refused with it."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from codegrant_kit.client.client_assertion import assertion_fields, client_assertion, new_key
from codegrant_kit.client.client_assertion import public_jwks as jwks_of
from codegrant_kit.client.dpop import DpopKey
from codegrant_kit.runner import BackgroundServer, build
from codegrant_kit.server import ServerConfig
from codegrant_kit.server.profiles import PROFILES
from codegrant_kit.server.switches import SWITCHES

from .helpers import REDIRECT_URI, USERS, basic, redirect_params, sign_in, submit

VERIFIER = "dBjftJeZ4CVP-mB92K0uoUrOkLuGRXoTA7F8IrwZW8s"
CHALLENGE = (
    base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
)
POST_CLIENT = {
    "client_id": "post-app",
    "client_secret": "post-app-secret-0123456789",
    "redirect_uris": [REDIRECT_URI],
    "token_endpoint_auth_method": "client_secret_post",
}
BASIC_CLIENT = {
    "client_id": "basic-app",
    "client_secret": "basic-app-secret-0123456789",
    "redirect_uris": [REDIRECT_URI],
}


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str | None, BackgroundServer]]:
    """One server per profile, and one without, side by side on real sockets."""
    started = {
        profile: BackgroundServer(
            *build(
                users=USERS,
                password_hash="fast",
                profile=profile,
                clients=[POST_CLIENT, BASIC_CLIENT],
            )
        ).start()
        for profile in (None, "oauth2.1", "fapi2")
    }
    yield started
    for server in started.values():
        server.stop()


def http(server: BackgroundServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=10)


def metadata(server: BackgroundServer) -> dict[str, Any]:
    with http(server) as client:
        return dict(client.get("/.well-known/oauth-authorization-server").json())


def key_client(server: BackgroundServer) -> tuple[str, Any]:
    """A private_key_jwt client registered over RFC 7591, and its private key."""
    key = new_key()
    with http(server) as client:
        response = client.post(
            "/register",
            json={
                "redirect_uris": [REDIRECT_URI],
                "token_endpoint_auth_method": "private_key_jwt",
                "jwks": jwks_of(key),
                "scope": "photos:read",
            },
        )
    assert response.status_code == 201, response.text
    return str(response.json()["client_id"]), key


def assertion_of(server: BackgroundServer, client_id: str, key: Any) -> dict[str, str]:
    return assertion_fields(client_assertion(key, client_id, server.url))


def authorization_query(client_id: str, **params: str | None) -> dict[str, str]:
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "photos:read",
        "state": "xyz",
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
        **params,
    }
    return {name: value for name, value in query.items() if value is not None}


def code_for(browser: httpx.Client, page: httpx.Response) -> str:
    found = sign_in(browser, page)
    if found.status_code == 200:
        found = submit(browser, found, consent="approve")
    return redirect_params(found)["code"]


def pushed_code(server: BackgroundServer, client_id: str, key: Any) -> str:
    """PAR with private_key_jwt, then the browser's part: the code."""
    with http(server) as browser:
        pushed = browser.post(
            "/par", data={**authorization_query(client_id), **assertion_of(server, client_id, key)}
        )
        assert pushed.status_code == 201, pushed.text
        page = browser.get(
            "/authorize",
            params={"client_id": client_id, "request_uri": pushed.json()["request_uri"]},
        )
        return code_for(browser, page)


def redeem_with_key(
    server: BackgroundServer, client_id: str, key: Any, code: str, dpop: DpopKey | None
) -> httpx.Response:
    headers = {} if dpop is None else {"DPoP": dpop.proof("POST", server.url + "/token")}
    body = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": VERIFIER,
        **assertion_of(server, client_id, key),
    }
    with http(server) as client:
        return client.post("/token", data=body, headers=headers)


# -- what each profile turns on, and says --------------------------------------


def test_the_metadata_says_what_each_profile_requires(servers):
    plain, oauth21, fapi2 = (metadata(servers[p]) for p in (None, "oauth2.1", "fapi2"))
    assert "codegrant_kit_profile" not in plain
    assert plain["require_pushed_authorization_requests"] is False
    assert "client_secret_post" in plain["token_endpoint_auth_methods_supported"]
    assert oauth21["codegrant_kit_profile"]["name"] == "oauth2.1"
    assert oauth21["code_challenge_methods_supported"] == ["S256"]
    assert "client_secret_post" not in oauth21["token_endpoint_auth_methods_supported"]
    assert "client_secret_basic" in oauth21["token_endpoint_auth_methods_supported"]
    assert oauth21["require_pushed_authorization_requests"] is False
    assert fapi2["codegrant_kit_profile"]["name"] == "fapi2"
    assert fapi2["require_pushed_authorization_requests"] is True
    assert fapi2["code_challenge_methods_supported"] == ["S256"]
    assert fapi2["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert fapi2["revocation_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert "ES256" in fapi2["dpop_signing_alg_values_supported"]
    assert fapi2["authorization_response_iss_parameter_supported"] is True
    assert any("DPoP" in line for line in fapi2["codegrant_kit_profile"]["requires"])


def test_each_page_shows_the_profile(servers):
    with http(servers["fapi2"]) as client:
        assert "PROFILE fapi2 (FAPI 2.0 Security Profile) requires" in client.get("/").text
    with http(servers[None]) as client:
        assert "PROFILE" not in client.get("/").text


def test_a_background_servers_repr_names_its_profile(servers):
    assert "[PROFILE fapi2]" in repr(servers["fapi2"])
    assert "PROFILE" not in repr(servers[None])


# -- PKCE for every client -----------------------------------------------------


@pytest.mark.parametrize("profile", [None, "oauth2.1"])
def test_a_confidential_client_without_pkce(servers, profile):
    # OAuth 2.1 4.1.1: code_challenge REQUIRED; without a profile it stays optional
    with http(servers[profile]) as browser:
        query = authorization_query("basic-app", code_challenge=None, code_challenge_method=None)
        answer = browser.get("/authorize", params=query)
    if profile is None:
        assert answer.status_code == 200 and "password" in answer.text
    else:
        error = redirect_params(answer)
        assert error["error"] == "invalid_request"
        assert "this server requires PKCE" in error["error_description"]


def test_fapi2_refuses_a_pushed_request_without_pkce(servers):
    server = servers["fapi2"]
    client_id, key = key_client(server)
    query = authorization_query(client_id, code_challenge=None, code_challenge_method=None)
    with http(server) as client:
        answer = client.post("/par", data={**query, **assertion_of(server, client_id, key)})
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"
    assert "PKCE" in answer.json()["error_description"]


# -- PAR required ------------------------------------------------------------


@pytest.mark.parametrize("profile", [None, "oauth2.1", "fapi2"])
def test_an_authorization_request_that_was_not_pushed(servers, profile):
    # FAPI 2.0 5.3.2.2: "shall reject authorization requests sent without" PAR
    server = servers[profile]
    client_id, _ = key_client(server)
    with http(server) as browser:
        answer = browser.get("/authorize", params=authorization_query(client_id))
    if profile == "fapi2":
        assert answer.status_code == 400
        assert "Pushed authorization request required" in answer.text
        assert "location" not in answer.headers
    else:
        assert answer.status_code == 200 and "password" in answer.text


# -- sender-constrained tokens: DPoP at the token endpoint ---------------------


def test_fapi2_refuses_a_token_request_without_a_dpop_proof(servers):
    server = servers["fapi2"]
    client_id, key = key_client(server)
    answer = redeem_with_key(server, client_id, key, pushed_code(server, client_id, key), None)
    assert answer.status_code == 400
    body = answer.json()
    assert body["error"] == "invalid_dpop_proof"
    assert "sender-constrained tokens only" in body["error_description"]
    assert "DPoP header" in body["error_description"]


def test_fapi2_issues_a_dpop_bound_token_with_a_proof(servers):
    server = servers["fapi2"]
    client_id, key = key_client(server)
    dpop = DpopKey.generate()
    answer = redeem_with_key(server, client_id, key, pushed_code(server, client_id, key), dpop)
    assert answer.status_code == 200, answer.text
    assert answer.json()["token_type"] == "DPoP"


def test_without_the_profile_a_token_request_without_a_proof_gets_a_bearer_token(servers):
    server = servers[None]
    client_id, key = key_client(server)
    with http(server) as browser:
        code = code_for(browser, browser.get("/authorize", params=authorization_query(client_id)))
    answer = redeem_with_key(server, client_id, key, code, None)
    assert answer.status_code == 200, answer.text
    assert answer.json()["token_type"] == "Bearer"


def test_the_refused_request_leaves_the_code_usable(servers):
    # bad input changes nothing: the code is still there for the request with a proof
    server = servers["fapi2"]
    client_id, key = key_client(server)
    code = pushed_code(server, client_id, key)
    assert redeem_with_key(server, client_id, key, code, None).status_code == 400
    retried = redeem_with_key(server, client_id, key, code, DpopKey.generate())
    assert retried.status_code == 200, retried.text


# -- client authentication -------------------------------------------------


def post_auth_at_token(server: BackgroundServer) -> httpx.Response:
    body = {
        "grant_type": "authorization_code",
        "code": "not-a-code",
        "redirect_uri": REDIRECT_URI,
        "client_id": POST_CLIENT["client_id"],
        "client_secret": POST_CLIENT["client_secret"],
    }
    with http(server) as client:
        return client.post("/token", data=body)


def test_without_a_profile_client_secret_post_authenticates(servers):
    # the client passed; the made-up code did not
    assert post_auth_at_token(servers[None]).json()["error"] == "invalid_grant"


@pytest.mark.parametrize("profile", ["oauth2.1", "fapi2"])
def test_a_profile_refuses_client_secret_post_saying_why(servers, profile):
    answer = post_auth_at_token(servers[profile])
    assert answer.status_code == 401
    body = answer.json()
    assert body["error"] == "invalid_client"
    assert f"the profile {profile} (" in body["error_description"]
    assert "which refuses client_secret_post" in body["error_description"]
    expected = "client_secret_basic" if profile == "oauth2.1" else "private_key_jwt"
    assert expected in body["error_description"]


@pytest.mark.parametrize("profile", [None, "oauth2.1", "fapi2"])
def test_client_secret_basic(servers, profile):
    body = {"token": "not-a-token"}
    auth = basic(BASIC_CLIENT["client_id"], BASIC_CLIENT["client_secret"])
    with http(servers[profile]) as client:
        answer = client.post("/introspect", data=body, headers={"Authorization": auth})
    if profile == "fapi2":
        # FAPI 2.0 5.3.2.1: private_key_jwt or MTLS only
        assert answer.status_code == 401
        assert "which refuses client_secret_basic" in answer.json()["error_description"]
    else:
        assert answer.status_code == 200 and answer.json() == {"active": False}


@pytest.mark.parametrize("profile", [None, "oauth2.1", "fapi2"])
def test_registering_client_secret_post(servers, profile):
    with http(servers[profile]) as client:
        answer = client.post(
            "/register",
            json={
                "redirect_uris": [REDIRECT_URI],
                "token_endpoint_auth_method": "client_secret_post",
            },
        )
    if profile is None:
        assert answer.status_code == 201, answer.text
    else:
        assert answer.status_code == 400
        assert answer.json()["error"] == "invalid_client_metadata"
        assert f"refused by the profile {profile} (" in answer.json()["error_description"]


def test_fapi2_refuses_public_clients_at_registration(servers):
    with http(servers["fapi2"]) as client:
        answer = client.post(
            "/register",
            json={"redirect_uris": [REDIRECT_URI], "token_endpoint_auth_method": "none"},
        )
    assert answer.status_code == 400
    assert "confidential clients only" in answer.json()["error_description"]


# -- the settings a profile sets, and what it cannot be combined with ------------


def test_fapi2_codes_live_60_seconds_at_most():
    assert ServerConfig(profile="fapi2").code_lifetime == 60
    assert ServerConfig(profile="fapi2", code_lifetime=30).code_lifetime == 30
    assert ServerConfig(profile="oauth2.1").code_lifetime == ServerConfig().code_lifetime


def test_an_unknown_profile_is_refused_naming_the_profiles():
    with pytest.raises(ValueError, match=r"the profiles are: oauth2\.1, fapi2"):
        ServerConfig(profile="fapi1")


@pytest.mark.parametrize(
    ("profile", "switch"), [(p.name, s) for p in PROFILES.values() for s in sorted(p.conflicts)]
)
def test_a_profile_cannot_run_beside_a_lab_switch_that_turns_its_defence_off(profile, switch):
    assert switch in SWITCHES
    with pytest.raises(ValueError, match=f"the lab switch {switch} turns off"):
        ServerConfig(profile=profile, lab_switches=frozenset({switch}))


def test_a_profile_runs_beside_a_lab_switch_it_does_not_touch():
    assert ServerConfig(profile="oauth2.1", lab_switches=frozenset({"no_dpop"})).lab("no_dpop")


@pytest.mark.parametrize("profile", [None, "fapi2"])
def test_a_pushed_request_without_redirect_uri(servers, profile):
    # FAPI 2.0 5.3.2.2: "shall require the redirect_uri parameter in pushed authorization
    # requests"; RFC 9126 leaves it optional (one registered URI is then the one)
    server = servers[profile]
    client_id, key = key_client(server)
    query = authorization_query(client_id, redirect_uri=None)
    with http(server) as client:
        answer = client.post("/par", data={**query, **assertion_of(server, client_id, key)})
    if profile is None:
        assert answer.status_code == 201, answer.text
    else:
        assert answer.status_code == 400
        assert "requires redirect_uri in every pushed request" in answer.json()["error_description"]
