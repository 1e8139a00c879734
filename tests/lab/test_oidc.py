"""The OpenID Connect attacks: each gets through the naive client and is stopped by the defence."""

from __future__ import annotations

import pytest

from codegrant_kit.client import check_id_token, decode_jwt, fetch_jwks, parse_www_authenticate
from codegrant_kit.lab import (
    ATTACKS,
    MaliciousServer,
    NaiveRefusal,
    Target,
    Unsupported,
    forge,
    forged_alg_none,
    id_token_at_api,
    id_token_from_another_client,
    id_token_from_another_flow,
    key_confusion,
    naive_validate,
    oauth_as_login,
)
from codegrant_kit.lab.oidc import b64url, signed_in

from .conftest import LabFactory


def test_the_family_is_registered_with_what_stops_each() -> None:
    oidc = {a.name: a.defence for a in ATTACKS if a.family == "oidc"}
    assert set(oidc) == {
        "id_token_at_api",
        "id_token_from_another_client",
        "id_token_from_another_flow",
        "forged_alg_none",
        "key_confusion",
        "oauth_as_login",
    }
    assert "aud" in oidc["id_token_from_another_client"]
    assert "nonce" in oidc["id_token_from_another_flow"]


def test_the_photos_api_refuses_an_id_token_with_a_bearer_challenge(lab: LabFactory) -> None:
    server = lab()
    stopped = id_token_at_api(server)
    assert stopped.succeeded is False, str(stopped)
    assert stopped.evidence["API answered"] == 401
    challenge = parse_www_authenticate(str(stopped.evidence["WWW-Authenticate"]))
    assert challenge["scheme"] == "Bearer" and challenge["error"] == "invalid_token"
    assert "looks like an ID token" in challenge["error_description"]
    assert "401" in stopped.reason and 'error="invalid_token"' in stopped.reason
    # the ID token is for the client; the access token for the API
    assert stopped.evidence["access token"].startswith("opaque")
    naive = id_token_at_api(server, naive_api=True)
    assert naive.succeeded is True, str(naive)
    assert "the photos of sub" in str(naive.evidence["naive API served"])


def test_with_jwt_access_tokens_the_audiences_differ(lab: LabFactory) -> None:
    result = id_token_at_api(lab(access_token_format="jwt"))
    assert result.succeeded is False
    assert "RFC 9068" in str(result.evidence["access token"])
    assert str(result.evidence["ID token aud"]) not in str(result.evidence["access token"])


def test_another_clients_id_token_is_stopped_by_aud_not_by_nonce(lab: LabFactory) -> None:
    server = lab()
    stopped = id_token_from_another_client(server)
    assert stopped.succeeded is False, str(stopped)
    # the attacker copied her session's nonce into her app's request: only aud stops it
    assert stopped.evidence["nonce"].startswith("pass")
    assert stopped.evidence["aud"].startswith("fail")
    assert stopped.evidence["signature"].startswith("pass")
    naive = id_token_from_another_client(server, naive=True)
    assert naive.succeeded is True, str(naive)
    assert str(naive.evidence["signed in as"]).startswith("alice")


def test_another_flows_id_token_is_stopped_by_the_nonce(lab: LabFactory) -> None:
    server = lab()
    stopped = id_token_from_another_flow(server)
    assert stopped.succeeded is False, str(stopped)
    assert stopped.evidence["aud"].startswith("pass")  # the same client
    assert stopped.evidence["nonce"].startswith("fail")
    naive = id_token_from_another_flow(server, naive=True)
    assert naive.succeeded is True, str(naive)
    assert str(naive.evidence["signed in as"]).startswith("alice")


@pytest.mark.parametrize("attack", [forged_alg_none, key_confusion])
def test_forgeries_pass_the_naive_validator_and_not_check_id_token(lab: LabFactory, attack) -> None:
    server = lab()
    stopped = attack(server)
    assert stopped.succeeded is False, str(stopped)
    assert stopped.evidence["check_id_token"] == "refused at alg and kid"
    naive = attack(server, naive=True)
    assert naive.succeeded is True, str(naive)
    assert str(naive.evidence["signed in as"]).startswith("alice")


def test_the_key_confusion_forgery_is_keyed_with_the_published_key(lab: LabFactory) -> None:
    server = lab()
    jwks = fetch_jwks(server.url + "/jwks")
    forgery = forge({"sub": "alice's sub"}, "HS256", jwks)
    header = decode_jwt(forgery.token).header
    assert header == {"alg": "HS256", "typ": "JWT", "kid": jwks["keys"][0]["kid"]}
    assert naive_validate(forgery.token, jwks) == {"sub": "alice's sub"}
    # one bit changed in the claims, and even the naive validator sees the HMAC is wrong
    head, _, rest = forgery.token.partition(".")
    _, _, signature = rest.partition(".")
    other = b64url(b'{"sub":"bob"}')
    tampered = f"{head}.{other}.{signature}"
    with pytest.raises(NaiveRefusal, match="HMAC"):
        naive_validate(tampered, jwks)
    none = forge({"sub": "x"}, "none")
    assert none.token.endswith(".") and decode_jwt(none.token).header["alg"] == "none"


def test_the_naive_validator_still_checks_an_rs256_signature(lab: LabFactory) -> None:
    server = lab()
    target = server.target
    session = signed_in(target, target.register(), "victim")
    jwks = fetch_jwks(server.url + "/jwks")
    assert naive_validate(session.id_token, jwks)["sub"] == session.claims["sub"]
    head, _claims, signature = session.id_token.split(".")
    other = b64url(b'{"sub":"someone else"}')
    with pytest.raises(NaiveRefusal, match="does not verify"):
        naive_validate(f"{head}.{other}.{signature}", jwks)
    # and check_id_token accepts the real one in its session: the defence is no blanket no
    good = check_id_token(
        session.id_token,
        issuer=server.url,
        client_id=session.application.client_id,
        jwks=jwks,
        nonce=session.nonce,
        access_token=session.tokens.access_token,
    )
    assert good.valid, str(good)


def test_an_access_token_as_login_signs_the_attacker_in_as_the_victim(lab: LabFactory) -> None:
    server = lab()
    naive = oauth_as_login(server, id_token_check=False)
    assert naive.succeeded is True, str(naive)
    assert str(naive.evidence["signed in as"]).startswith("alice")
    stopped = oauth_as_login(server)
    assert stopped.succeeded is False, str(stopped)
    assert stopped.evidence["ID token aud"] != stopped.evidence["client_id"]
    assert "refused the other app's ID token at aud" in stopped.reason


@pytest.mark.parametrize(
    "attack",
    [id_token_at_api, id_token_from_another_client, forged_alg_none, oauth_as_login],
)
def test_a_server_without_openid_connect_is_unsupported_saying_so(attack) -> None:
    # the mix-up lab's malicious server is a plain OAuth server: no openid, no jwks_uri
    with MaliciousServer() as plain:
        target = Target(plain.url, api_url=plain.url + "/api/photos")
        with pytest.raises(Unsupported, match="does not do OpenID Connect"):
            attack(target)
