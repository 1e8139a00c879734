"""Reading a userinfo answer (OpenID Connect Core 5.3.2): the sub check, errors, and
hostile bodies, which get the kit's clear errors and never a crash."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codegrant_kit.client import (
    ClientError,
    Endpoints,
    InvalidUserinfoResponse,
    OAuthResponseError,
    StepOutOfOrder,
    UserinfoSubjectMismatch,
    fetch_userinfo,
    userinfo_request,
)
from codegrant_kit.client.exchange import Exchange
from codegrant_kit.client.userinfo import read_userinfo

URL = "https://op.example/userinfo"


def answer(
    status: int, body: bytes, content_type: str = "application/json", **headers: str
) -> httpx.Response:
    return httpx.Response(
        status,
        content=body,
        headers={"Content-Type": content_type, **headers},
        request=userinfo_request(URL, "at"),
    )


def test_the_same_sub_is_read_and_another_is_refused() -> None:
    body = json.dumps({"sub": "alice", "name": "Alice"}).encode()
    info = read_userinfo(answer(200, body), expected_sub="alice")
    assert info.sub == "alice" and info.claims["name"] == "Alice"
    assert [note.parameter for note in info.explain()] == ["sub", "name"]
    with pytest.raises(UserinfoSubjectMismatch, match="MUST match"):
        read_userinfo(answer(200, body), expected_sub="bob")


def test_what_is_not_a_userinfo_answer() -> None:
    with pytest.raises(InvalidUserinfoResponse, match="no sub"):
        read_userinfo(answer(200, b'{"name": "Alice"}'), expected_sub="alice")
    with pytest.raises(InvalidUserinfoResponse, match="not a JSON object"):
        read_userinfo(answer(200, b"[1]"), expected_sub="alice")
    with pytest.raises(InvalidUserinfoResponse, match="signed or encrypted"):
        read_userinfo(answer(200, b"a.b.c", "application/jwt"), expected_sub="alice")
    challenge = 'Bearer error="invalid_token", error_description="The access token expired"'
    with pytest.raises(OAuthResponseError) as caught:
        read_userinfo(answer(401, b"", **{"WWW-Authenticate": challenge}), expected_sub="a")
    assert caught.value.error == "invalid_token" and caught.value.status == 401


def test_get_and_post_carry_the_token_in_the_header() -> None:
    seen: list[tuple[str, str, bytes]] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        seen.append((environ["REQUEST_METHOD"], environ.get("HTTP_AUTHORIZATION", ""), body))
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"sub": "alice"}']

    with httpx.Client(transport=httpx.WSGITransport(app=app)) as http:
        assert fetch_userinfo(URL, "at-1", expected_sub="alice", http=http).sub == "alice"
        fetch_userinfo(URL, "at-1", expected_sub="alice", method="POST", http=http)
    assert seen == [("GET", "Bearer at-1", b""), ("POST", "Bearer at-1", b"")]
    endpoints = Endpoints.manual(
        authorization_endpoint="https://op.example/a", token_endpoint="https://op.example/t"
    )
    with pytest.raises(StepOutOfOrder, match="no userinfo_endpoint"):
        fetch_userinfo(endpoints, "at", expected_sub="alice")


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=100, max_value=599),
    st.one_of(
        st.binary(max_size=2000),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(),
            lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
        ).map(lambda value: json.dumps(value).encode()),
        st.dictionaries(st.sampled_from(["sub", "name", "email"]), st.text() | st.integers()).map(
            lambda value: json.dumps(value).encode()
        ),
    ),
    st.sampled_from(["application/json", "application/jwt", "text/html", ""]),
    st.text(max_size=200),
)
def test_hostile_userinfo_answers_get_clear_errors(
    status: int, body: bytes, content_type: str, challenge: str
) -> None:
    response = answer(
        status,
        body,
        content_type,
        **{"WWW-Authenticate": challenge.encode("ascii", "replace").decode()},
    )
    try:
        info = read_userinfo(response, expected_sub="alice")
    except ClientError as exc:
        assert str(exc)
    else:
        assert status == 200 and info.sub == "alice"


def test_the_decoded_id_token_of_an_answer_that_is_not_a_jwt_says_so() -> None:
    exchange = Exchange("Client", userinfo_request(URL, "at"))
    assert exchange.decoded_id_token() is None
    exchange.response = answer(200, b'{"access_token": "x", "id_token": "not-a-jwt"}')
    decoded = exchange.decoded_id_token()
    assert decoded is not None and "not a JWT" in decoded
    exchange.response = answer(200, b"{broken")
    assert exchange.decoded_id_token() is None
