"""Signing keys and sub across rotation and restart; `serve --access-token-format jwt`.

OIDC Core 10.1.1: a verifier that meets an unfamiliar kid fetches the JWKS again;
so a rotation publishes the new key beside the one before it.
"""

from __future__ import annotations

import re
import signal

import httpx
import pytest
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError
from joserfc.jwk import KeySet

from codegrant_kit.server.signing_keys import MAX_KEYS

from . import test_cli
from .helpers import client_of, get_code, redeem
from .oidc_helpers import code_of, header_of, register, serving, token_response, verified_claims


def id_token_of(http: httpx.Client, username: str = "alice") -> str:
    client = register(http)
    body = token_response(http, client, code_of(http, client, username=username, scope="openid"))
    return str(body["id_token"])


def kids(http: httpx.Client | str) -> list[str]:
    """The kids of the JWKS, newest first; `http` a client or the server's URL."""
    if isinstance(http, str):
        with httpx.Client(base_url=http, timeout=10) as client:
            return kids(client)
    return [key["kid"] for key in http.get("/jwks").json()["keys"]]


def test_a_rotation_signs_with_a_new_key_and_keeps_the_previous_one_published():
    with serving() as op, httpx.Client(base_url=op.url, timeout=10) as http:
        old_token = id_token_of(http)
        old_kid = header_of(old_token)["kid"]
        assert kids(http) == [old_kid]
        new_kid = op.rotate_signing_key()
        assert new_kid != old_kid
        assert kids(http) == [new_kid, old_kid]  # newest first
        new_token = id_token_of(http)
        assert header_of(new_token)["kid"] == new_kid
        # both verify against the JWKS as it is now
        verified_claims(http, old_token)
        verified_claims(http, new_token)
        # one rotation more: MAX_KEYS are kept, the oldest goes, and its tokens with it
        newest = op.rotate_signing_key()
        assert kids(http) == [newest, new_kid][:MAX_KEYS]
        verified_claims(http, new_token)
        with pytest.raises(InvalidKeyIdError):
            verified_claims(http, old_token)


def test_keys_and_sub_survive_a_restart_on_the_same_database(tmp_path):
    db = tmp_path / "class.db"
    with serving(db=db) as op, httpx.Client(base_url=op.url, timeout=10) as http:
        token = id_token_of(http)
        sub = verified_claims(http, token)["sub"]
        jwks = http.get("/jwks").json()
        port = int(op.url.rsplit(":", 1)[1])  # the same issuer after the restart
    with serving(db=db, port=port) as op, httpx.Client(base_url=op.url) as http:
        assert http.get("/jwks").json() == jwks
        assert verified_claims(http, token)["sub"] == sub  # the old ID token still verifies
        assert verified_claims(http, id_token_of(http))["sub"] == sub  # the same sub
        rotated = op.rotate_signing_key()
    with serving(db=db, port=port) as op, httpx.Client(base_url=op.url) as http:
        assert kids(http) == [rotated, jwks["keys"][0]["kid"]]  # the rotation was kept
        assert header_of(id_token_of(http))["kid"] == rotated


def test_without_a_database_a_restart_makes_new_keys_and_new_subs():
    with serving() as op, httpx.Client(base_url=op.url, timeout=10) as http:
        first = verified_claims(http, id_token_of(http))
        first_kids = kids(http)
    with serving() as op, httpx.Client(base_url=op.url, timeout=10) as http:
        assert kids(http) != first_kids
        assert verified_claims(http, id_token_of(http))["sub"] != first["sub"]


def test_serve_issues_jwt_access_tokens_when_asked():
    with test_cli.serving(
        "--port", "0", "--user", "alice:pw", "--password-hash", "fast",
        "--client", f"jwt-app:jwt-secret:{test_cli.REDIRECT_URI}",
        "--access-token-format", "jwt",
    ) as (process, url):  # fmt: skip
        with httpx.Client(base_url=url, timeout=10) as http:
            client = client_of("jwt-app", "jwt-secret")
            code = get_code(http, client, password="pw", scope="photos:read")
            body = redeem(http, client, code).json()
            keys = KeySet.import_key_set(http.get("/jwks").json())
            token = jwt.decode(body["access_token"], keys, algorithms=["RS256"])
            assert token.header["typ"] == "at+jwt"  # RFC 9068 2.1
            assert token.claims["client_id"] == "jwt-app" and token.claims["sub"] == "alice"
            photos = http.get(
                "/api/photos", headers={"Authorization": f"Bearer {body['access_token']}"}
            )
            assert photos.status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_serve_rotates_the_signing_key_at_start_and_keeps_the_old_one_with_db(tmp_path):
    db = str(tmp_path / "class.db")
    args = ("--port", "0", "--user", "alice:pw", "--password-hash", "fast", "--db", db)
    with test_cli.serving(*args) as (process, url):
        first = kids(url)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    with test_cli.serving(*args, "--rotate-signing-key") as (process, url):
        assert process.stdout is not None
        line = process.stdout.readline()  # printed with the first, so already read in
        match = re.search(r"new key, kid (\S+);", line)
        assert match, line
        assert kids(url) == [match.group(1), *first]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_the_new_options_are_in_the_help(capsys):
    with pytest.raises(SystemExit):
        test_cli.main(["serve", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--access-token-format {opaque,jwt}" in help_text
    assert "--rotate-signing-key" in help_text
