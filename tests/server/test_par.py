"""Pushed Authorization Requests (RFC 9126): each rule, in-process."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import httpx
import pytest
from joserfc.jwk import ECKey

from codegrant_kit.server import par
from codegrant_kit.server.store import Client

from .assertion_helpers import assertion, assertion_form, jwt_client
from .helpers import (
    OTHER_REDIRECT_URI,
    REDIRECT_URI,
    InProcess,
    assert_error_page,
    assert_json_error,
    redeem,
    redirect_params,
    sign_in,
    submit,
    token_request,
)

VERIFIER = "dBjftJeZ4CVP-mB92K0uoUrOkLuGRXoTA7F8IrwZW8s"
CHALLENGE = (
    base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
)


def push(kit: InProcess, client: Client, **params: str | None) -> httpx.Response:
    body: dict[str, str | None] = {
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "scope": "photos:read",
        "state": "xyz",
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
        **params,
    }
    return token_request(kit.browser(), client, body, path="/par")


def pushed(kit: InProcess, client: Client, **params: str | None) -> str:
    response = push(kit, client, **params)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert body["request_uri"].startswith("urn:ietf:params:oauth:request_uri:")
    assert body["expires_in"] == par.LIFETIME
    assert response.headers["cache-control"] == "no-store"
    return str(body["request_uri"])


def open_pushed(
    browser: httpx.Client, client_id: str, request_uri: str, **beside: str
) -> httpx.Response:
    params = {"client_id": client_id, "request_uri": request_uri, **beside}
    return browser.get("/authorize", params=params)


def code_of(browser: httpx.Client, page: httpx.Response, redirect_uri: str = REDIRECT_URI) -> str:
    page = sign_in(browser, page)
    return redirect_params(submit(browser, page, consent="approve"), redirect_uri)["code"]


def test_a_pushed_request_runs_the_flow(server: InProcess) -> None:
    request_uri = pushed(server, server.client)
    browser = server.browser()
    code = code_of(browser, open_pushed(browser, server.client.client_id, request_uri))
    response = redeem(browser, server.client, code, code_verifier=VERIFIER)
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "photos:read"


def test_parameters_beside_request_uri_are_ignored(server: InProcess) -> None:
    request_uri = pushed(server, server.client)
    browser = server.browser()
    page = open_pushed(
        browser,
        server.client.client_id,
        request_uri,
        scope="photos:read PRODUCTION",  # tampered in the browser: ignored
        redirect_uri=OTHER_REDIRECT_URI,
        state="tampered",
    )
    page = sign_in(browser, page)
    assert "PRODUCTION" not in page.text
    got = redirect_params(submit(browser, page, consent="approve"), REDIRECT_URI)
    assert got["state"] == "xyz"


def test_a_request_uri_works_once(server: InProcess) -> None:
    request_uri = pushed(server, server.client)
    browser = server.browser()
    assert open_pushed(browser, server.client.client_id, request_uri).status_code == 200
    again = open_pushed(server.browser(), server.client.client_id, request_uri)
    assert "used already" in assert_error_page(again)


def test_a_request_uri_is_for_its_own_client(server: InProcess) -> None:
    request_uri = pushed(server, server.client)
    other = server.add_client()
    assert_error_page(open_pushed(server.browser(), other.client_id, request_uri))
    # the other client's try did not burn it
    assert open_pushed(server.browser(), server.client.client_id, request_uri).status_code == 200


def test_a_request_uri_expires(server: InProcess) -> None:
    request_uri = pushed(server, server.client)
    server.clock.advance(par.LIFETIME + 1)
    page = open_pushed(server.browser(), server.client.client_id, request_uri)
    assert "expired" in assert_error_page(page)


@pytest.mark.parametrize(
    ("params", "error", "says"),
    [
        ({"redirect_uri": "https://evil.example/cb"}, "invalid_request", "not registered"),
        ({"scope": "admin"}, "invalid_scope", "admin"),
        ({"code_challenge_method": "plain"}, "invalid_request", "S256"),
        ({"response_type": "token"}, "unsupported_response_type", "token"),
        ({"request_uri": "urn:x"}, "invalid_request", "RFC 9126 2.1"),
    ],
)
def test_pushed_parameters_are_checked_as_at_authorize(
    server: InProcess, params: dict[str, str], error: str, says: str
) -> None:
    body = assert_json_error(push(server, server.client, **params), error, 400)
    assert says in body["error_description"]


def test_the_push_needs_client_authentication(server: InProcess) -> None:
    response = push(server, server.client, client_id=server.client.client_id, **{})
    assert response.status_code == 201  # with Basic
    bare = server.browser().post(
        "/par",
        data={"client_id": server.client.client_id, "response_type": "code"},
    )
    assert_json_error(bare, "invalid_client", 401)


def test_private_key_jwt_pushes(server: InProcess) -> None:
    key = ECKey.generate_key("P-256")
    client = jwt_client(server, key)
    form = {
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "scope": "photos:read",
        **assertion_form(assertion(server, client, key)),
    }
    response = server.browser().post("/par", data=form)
    assert response.status_code == 201, response.text


def test_a_client_that_requires_par(server: InProcess) -> None:
    client = server.add_client(require_pushed_authorization_requests=True)
    front = server.browser().get(
        "/authorize",
        params={"response_type": "code", "client_id": client.client_id, "scope": "photos:read"},
    )
    assert "Pushed authorization request required" in assert_error_page(front)
    request_uri = pushed(server, client)
    assert open_pushed(server.browser(), client.client_id, request_uri).status_code == 200


def test_the_server_option_requires_par_for_all() -> None:
    kit = InProcess.create(require_pushed_authorization_requests=True)
    try:
        metadata = kit.browser().get("/.well-known/oauth-authorization-server").json()
        assert metadata["require_pushed_authorization_requests"] is True
        front = kit.browser().get(
            "/authorize",
            params={"response_type": "code", "client_id": kit.client.client_id},
        )
        assert_error_page(front)
        request_uri = pushed(kit, kit.client)
        assert open_pushed(kit.browser(), kit.client.client_id, request_uri).status_code == 200
    finally:
        kit.close()


def test_registration_takes_the_par_field(server: InProcess) -> None:
    browser = server.browser()
    ok = browser.post(
        "/register",
        json={"redirect_uris": [REDIRECT_URI], "require_pushed_authorization_requests": True},
    )
    assert ok.status_code == 201 and ok.json()["require_pushed_authorization_requests"] is True
    bad = browser.post(
        "/register",
        json={"redirect_uris": [REDIRECT_URI], "require_pushed_authorization_requests": "yes"},
    )
    assert_json_error(bad, "invalid_client_metadata")


def test_metadata_names_the_endpoint(server: InProcess) -> None:
    metadata = server.browser().get("/.well-known/oauth-authorization-server").json()
    assert metadata["pushed_authorization_request_endpoint"] == server.config.issuer + "/par"
    assert metadata["require_pushed_authorization_requests"] is False


def test_one_client_cannot_fill_the_server(server: InProcess, monkeypatch) -> None:
    monkeypatch.setattr(par, "MAX_PER_CLIENT", 3)
    for _ in range(3):
        pushed(server, server.client)
    body = assert_json_error(push(server, server.client), status=429)
    assert "not used yet" in body["error_description"]
    other = server.add_client()
    pushed(server, other)  # the others still push
    server.clock.advance(par.LIFETIME + 1)
    pushed(server, server.client)  # and the first again, once its requests expired


def test_one_address_cannot_fill_the_server(server: InProcess, monkeypatch) -> None:
    monkeypatch.setattr(par, "MAX_PER_ADDRESS", 4)
    clients = [server.add_client() for _ in range(3)]
    for client in clients[:2]:
        pushed(server, client)
        pushed(server, client)
    body = assert_json_error(push(server, clients[2]), status=429)
    assert "Your address" in body["error_description"]
    elsewhere = token_request(
        server.browser("192.0.2.7"),
        clients[2],
        {"response_type": "code", "redirect_uri": REDIRECT_URI, "scope": "photos:read"},
        path="/par",
    )
    assert elsewhere.status_code == 201, elsewhere.text
