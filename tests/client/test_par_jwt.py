"""The client's PAR (RFC 9126) and private_key_jwt (RFC 7523) against our server, over a socket."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from conftest import REDIRECT_URI

from codegrant_kit.client import Application, ClientError, Flow, discover, register_client
from codegrant_kit.client.client_assertion import (
    ASSERTION_TYPE,
    assertion_steps,
    new_key,
    public_jwks,
)
from codegrant_kit.client.par import par_request
from codegrant_kit.runner import BackgroundServer, start_server


@pytest.fixture(scope="module")
def ours() -> Iterator[BackgroundServer]:
    with start_server(users={"admin": "admin"}, password_hash="fast") as server:
        yield server


def run(flow: Flow) -> None:
    page = flow.open_authorization_page()
    assert flow.login("admin", "admin").kind == "consent", page.describe()
    assert flow.consent("approve").kind == "redirect"
    flow.receive_redirect()


def test_par_with_private_key_jwt_step_by_step(ours: BackgroundServer) -> None:
    key = new_key()
    application = register_client(
        discover(ours.url),
        client_name="PAR and private_key_jwt",
        redirect_uris=[REDIRECT_URI],
        token_endpoint_auth_method="private_key_jwt",
        jwks=public_jwks(key),
    )
    assert application.token_endpoint_auth_method == "private_key_jwt"
    with Flow.discover(ours.url, application=application, scope="PRODUCTION") as flow:
        steps = assertion_steps(key, application.client_id, flow.endpoints.issuer)
        assert steps.header == {
            "alg": "ES256",
            "typ": "client-authentication+jwt",
            "kid": "client-key-1",
        }
        assert steps.claims["aud"] == ours.url and steps.claims["iss"] == steps.claims["sub"]
        assert len(steps.explained) == 6
        flow.authorize()
        pushed = flow.push_authorization_request(client_key=key)
        assert dict(parse_qsl(urlsplit(flow.open_url()).query)) == {
            "client_id": application.client_id,
            "request_uri": pushed.request_uri,
        }
        run(flow)
        tokens = flow.exchange_code(flow.assertion_token_request(key))
        assert tokens.access_token and tokens.scope == "PRODUCTION"
        # the transcript shows the push's body and the token request's assertion
        posts = [
            e
            for e in flow.transcript.exchanges
            if e.actor == "Client" and e.request.method == "POST"
        ]
        assert [str(e.request.url).removeprefix(ours.url) for e in posts] == ["/par", "/token"]
        for exchange in posts:
            assert f"client_assertion_type={ASSERTION_TYPE}".replace(":", "%3A") in (
                exchange.request.content.decode()
            )


def test_par_with_a_secret_in_the_basic_header(ours: BackgroundServer) -> None:
    with Flow.discover(ours.url, scope="PRODUCTION") as flow:
        flow.register("PAR with Basic", redirect_uri=REDIRECT_URI)
        flow.authorize()
        flow.push_authorization_request()
        push = next(e for e in flow.transcript.exchanges if str(e.request.url).endswith("/par"))
        assert push.request.headers["authorization"].startswith("Basic ")
        run(flow)
        assert flow.exchange_code().access_token


def test_a_request_uri_cannot_be_pushed() -> None:
    from codegrant_kit.client.discovery import Endpoints

    endpoints = Endpoints(
        "https://as.example",
        "https://as.example/authorize",
        "https://as.example/token",
        metadata={"pushed_authorization_request_endpoint": "https://as.example/par"},
    )
    with pytest.raises(ClientError, match=r"RFC 9126 2\.1"):
        par_request(endpoints, {"request_uri": "urn:x"})
    with pytest.raises(ClientError, match="no pushed_authorization_request_endpoint"):
        par_request(Endpoints("https://a", "https://a/authorize", "https://a/token"), {})


def test_the_flow_with_both_defences_on(ours: BackgroundServer) -> None:
    key = new_key()
    registered = httpx.post(
        ours.url + "/register",
        json={
            "redirect_uris": [REDIRECT_URI],
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks": public_jwks(key),
            "require_pushed_authorization_requests": True,
        },
    ).json()
    application = Application(registered["client_id"], None, (REDIRECT_URI,))
    with Flow.discover(ours.url, application=application, scope="PRODUCTION") as flow:
        flow.par, flow.client_key = True, key
        flow.authorize()
        run(flow)  # the page is opened after a push, without asking
        assert flow.pushed is not None
        assert flow.exchange_code().access_token
