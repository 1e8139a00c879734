from __future__ import annotations

import base64

import pytest

from codegrant_kit.server.client_auth import parse_basic
from codegrant_kit.server.errors import InvalidClient

from .helpers import (
    FORM,
    assert_json_error,
    basic,
    get_code,
    redeem,
    token_request,
)


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def test_parse_basic_rfc6749_example():
    assert parse_basic("Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW") == ("s6BhdRkqt3", "gX1fBat3bV")


def test_parse_basic_form_decodes_both_halves():
    # RFC 6749 2.3.1: "a b:c" and "s%e+t" travel as "a+b%3Ac" and "s%25e%2Bt"
    assert parse_basic("Basic " + b64(b"a+b%3Ac:s%25e%2Bt")) == ("a b:c", "s%e+t")
    assert parse_basic("basic   " + b64(b"id:") + "  ") == ("id", "")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer abc",
        "Basic",
        "Basic ",
        "Basic !!!not base64!!!",
        "Basic " + b64(b"no colon here"),
        "Basic " + b64(b"\xff\xfe:secret"),
        "Basic " + b64(b"id:secret")[:-2],
        "Basic \u00ff\u00fe",
    ],
)
def test_parse_basic_refuses_broken_headers(header):
    with pytest.raises(InvalidClient):
        parse_basic(header)


# -- at the token endpoint ------------------------------------------------------


def test_form_encoded_basic_credentials(server, browser):
    client = server.add_client(client_id="a b:c", client_secret="s%e+t")
    code = get_code(browser, client)
    response = redeem(browser, client, code)
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "Bearer"


def test_basic_credentials_must_be_form_encoded(server, browser):
    client = server.add_client(client_id="a b:c", client_secret="s%e+t")
    code = get_code(browser, client)
    raw = "Basic " + b64(b"a b:c:s%e+t")  # not form-encoded: splits at the wrong ':'
    response = browser.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": client.redirect_uris[0],
        },
        headers={"Authorization": raw},
    )
    assert_json_error(response, "invalid_client", 401)
    assert redeem(browser, client, code).status_code == 200


def test_client_secret_post(server, browser):
    # a client registered with client_secret_post (server.client uses Basic)
    client = server.add_client(token_endpoint_auth_method="client_secret_post")
    code = get_code(browser, client)
    assert redeem(browser, client, code, auth="post").status_code == 200


def test_basic_and_body_secret_at_once_is_invalid_request(server, browser):
    client = server.client
    response = browser.post(
        "/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": "x",
            "client_id": client.client_id,
            "client_secret": client.client_secret,
        },
        headers={"Authorization": basic(client.client_id, client.client_secret)},
    )
    assert_json_error(response, "invalid_request", 400)


def test_basic_with_a_matching_client_id_in_the_body(server, browser):
    code = get_code(browser, server.client)
    response = redeem(browser, server.client, code, client_id=server.client.client_id)
    assert response.status_code == 200


def test_basic_with_another_client_id_in_the_body(server, browser):
    code = get_code(browser, server.client)
    response = redeem(browser, server.client, code, client_id="someone-else")
    assert_json_error(response, "invalid_request", 400)


def assert_invalid_client(response):
    assert_json_error(response, "invalid_client", 401)
    assert response.headers["www-authenticate"].startswith("Basic")
    assert response.headers["cache-control"] == "no-store"


def test_no_client_authentication(server, browser):
    code = get_code(browser, server.client)
    assert_invalid_client(redeem(browser, server.client, code, auth="none"))
    # client_id alone is not enough: these clients are confidential
    response = redeem(browser, server.client, code, auth="none", client_id=server.client.client_id)
    assert_invalid_client(response)
    assert redeem(browser, server.client, code).status_code == 200


@pytest.mark.parametrize("auth", ["basic", "post"])
def test_wrong_secret(server, browser, auth):
    code = get_code(browser, server.client)
    body = {"grant_type": "authorization_code", "code": code}
    if auth == "basic":
        header = basic(server.client.client_id, "wrong")
        response = browser.post("/token", data=body, headers={"Authorization": header})
    else:
        body |= {"client_id": server.client.client_id, "client_secret": "wrong"}
        response = browser.post("/token", data=body)
    assert_invalid_client(response)
    assert redeem(browser, server.client, code).status_code == 200


def test_unknown_client(server, browser):
    response = token_request(
        browser, server.add_client(), {"grant_type": "refresh_token", "refresh_token": "x"}
    )
    assert response.status_code == 400  # a known client gets past authentication
    header = basic("unknown-client", "secret")
    response = browser.post(
        "/token", data={"grant_type": "refresh_token"}, headers={"Authorization": header}
    )
    assert_invalid_client(response)


@pytest.mark.parametrize(
    "header",
    [
        "Basic !!!",
        "Basic " + b64(b"no-colon"),
        "Basic " + b64(b"\xff\xfe:\x80"),
        "Basic " + b64(b"id%ff:secret"),
        "Basic " + b64(b"id:%zz"),
        "Bearer " + b64(b"id:secret"),
        "Digest username=x",
        "",
    ],
)
def test_broken_basic_headers_are_invalid_client(browser, header):
    response = browser.post(
        "/token",
        content=b"grant_type=authorization_code&code=x",
        headers={**FORM, "Authorization": header},
    )
    assert_invalid_client(response)


def test_non_latin1_header_bytes(server):
    response = server.raw(
        "POST",
        "/token",
        headers=[
            (b"authorization", b"Basic \xff\xfe\xfd"),
            (b"content-type", b"application/x-www-form-urlencoded"),
        ],
        body=b"grant_type=authorization_code&code=x",
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")


# -- the registered method (RFC 7591 2) ----------------------------------------------


def test_a_basic_client_may_not_send_its_secret_in_the_body(server, browser):
    code = get_code(browser, server.client)
    response = redeem(browser, server.client, code, auth="post")
    body = assert_json_error(response, "invalid_client", 401)
    assert "client_secret_basic" in body["error_description"]
    assert "Authorization: Basic" in body["error_description"]
    assert redeem(browser, server.client, code).status_code == 200


def test_a_post_client_may_not_use_basic(server, browser):
    client = server.add_client(token_endpoint_auth_method="client_secret_post")
    code = get_code(browser, client)
    body = assert_json_error(redeem(browser, client, code, auth="basic"), "invalid_client", 401)
    assert "client_secret_post" in body["error_description"]
    assert redeem(browser, client, code, auth="post").status_code == 200
