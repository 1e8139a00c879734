"""The UserInfo endpoint over a real socket (OIDC Core 5.3; RFC 6750 2, 3.1)."""

from __future__ import annotations

import httpx
import pytest

from .helpers import FORM, token_request
from .oidc_helpers import code_of, register, token_response, verified_claims


def tokens_for(http: httpx.Client, scope: str, username: str = "alice") -> dict[str, str]:
    client = register(http)
    return token_response(http, client, code_of(http, client, scope=scope, username=username))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_challenge(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.json()["error"] == error
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ") and f'error="{error}"' in challenge, challenge
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("scope", "claims"),
    [
        ("openid", {}),
        ("openid profile", {"name": "alice", "preferred_username": "alice"}),
        ("openid email", {"email": "alice@example.org", "email_verified": False}),
        (
            "openid profile email photos:read",
            {
                "name": "alice",
                "preferred_username": "alice",
                "email": "alice@example.org",
                "email_verified": False,
            },
        ),
    ],
)
def test_get_answers_sub_and_the_claims_of_the_granted_scopes(http, scope, claims):
    body = tokens_for(http, scope)
    response = http.get("/userinfo", headers=bearer(body["access_token"]))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    # OIDC Core 5.3.2: sub exactly the ID token's
    sub = verified_claims(http, body["id_token"])["sub"]
    assert response.json() == {"sub": sub, **claims}


def test_post_answers_the_same_with_the_header_or_the_form_body(http):
    body = tokens_for(http, "openid profile")
    expected = http.get("/userinfo", headers=bearer(body["access_token"])).json()
    with_header = http.post("/userinfo", headers=bearer(body["access_token"]))
    assert with_header.status_code == 200 and with_header.json() == expected
    # RFC 6750 2.2: the form-encoded body parameter
    in_body = http.post("/userinfo", data={"access_token": body["access_token"]})
    assert in_body.status_code == 200 and in_body.json() == expected


def test_each_user_gets_their_own_claims(http):
    alice = http.get(
        "/userinfo", headers=bearer(tokens_for(http, "openid profile")["access_token"])
    )
    bob = http.get(
        "/userinfo", headers=bearer(tokens_for(http, "openid profile", "bob")["access_token"])
    )
    assert alice.json()["preferred_username"] == "alice"
    assert bob.json()["preferred_username"] == "bob"
    assert alice.json()["sub"] != bob.json()["sub"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic YWxpY2U6d29uZGVybGFuZA=="},
        {"Authorization": "not-a-token"},
    ],
    ids=["none", "unknown", "empty", "basic", "no-scheme"],
)
def test_a_missing_or_bad_token_gets_401_invalid_token(http, headers):
    assert_challenge(http.get("/userinfo", headers=headers), 401, "invalid_token")
    assert_challenge(http.post("/userinfo", headers=headers), 401, "invalid_token")


def test_a_revoked_token_gets_401_invalid_token(http):
    client = register(http)
    body = token_response(http, client, code_of(http, client, scope="openid"))
    assert http.get("/userinfo", headers=bearer(body["access_token"])).status_code == 200
    revoked = token_request(http, client, {"token": body["access_token"]}, path="/revoke")
    assert revoked.status_code == 200
    assert_challenge(
        http.get("/userinfo", headers=bearer(body["access_token"])), 401, "invalid_token"
    )


def test_the_id_token_and_the_refresh_token_are_not_access_tokens(http):
    body = tokens_for(http, "openid profile")
    for other in (body["id_token"], body["refresh_token"]):
        assert_challenge(http.get("/userinfo", headers=bearer(other)), 401, "invalid_token")


def test_a_token_without_openid_gets_403_insufficient_scope(http):
    body = tokens_for(http, "photos:read profile")
    response = http.get("/userinfo", headers=bearer(body["access_token"]))
    assert_challenge(response, 403, "insufficient_scope")
    assert 'scope="openid"' in response.headers["www-authenticate"]  # RFC 6750 3


def test_a_token_in_the_url_or_sent_twice_is_refused(http):
    token = tokens_for(http, "openid")["access_token"]
    in_url = http.get("/userinfo", params={"access_token": token})
    assert in_url.status_code == 400 and in_url.json()["error"] == "invalid_request"
    # RFC 6750 2: one method per request
    twice = http.post("/userinfo", headers=bearer(token), data={"access_token": token})
    assert twice.status_code == 400 and twice.json()["error"] == "invalid_request"
    repeated = http.post(
        "/userinfo", content=f"access_token={token}&access_token={token}", headers=FORM
    )
    assert repeated.status_code == 400 and repeated.json()["error"] == "invalid_request"


def test_other_methods_get_405_with_allow(http):
    response = http.put("/userinfo")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
