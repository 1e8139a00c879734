"""error_description: RFC 6749's characters only, and a bounded length."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from codegrant_kit.server.errors import MAX_DESCRIPTION, InvalidRequest

from .helpers import REDIRECT_URI, assert_json_error, redirect_params, token_request

# RFC 6749 4.1.2.1, 5.2: error_description = 1*( %x20-21 / %x23-5B / %x5D-7E )
SAFE = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]+")
# 8,000 characters, under the 8 KiB cap on a parameter, and some 40 KB once
# percent-encoded in the Location: none of them may come back
HOSTILE = 'é"\\\u2028\x00<' * 1333


def assert_safe(description):
    assert SAFE.fullmatch(description), description
    assert len(description) <= MAX_DESCRIPTION


def test_a_plain_description_is_kept():
    text = "Missing 'code' in the request."
    assert InvalidRequest(text).description == text


def test_other_characters_become_question_marks():
    error = InvalidRequest('scope "caf\u00e9\\x" is unknown\n')
    assert error.description == "scope 'caf??x' is unknown?"
    assert error.as_dict()["error_description"] == error.description


def test_a_long_description_keeps_its_head_and_tail():
    error = InvalidRequest("state " + "x" * 20_000 + " is too long: send less.")
    assert_safe(error.description)
    assert error.description.startswith("state xxx")
    assert " ... " in error.description
    assert error.description.endswith(" is too long: send less.")


def test_hostile_value_in_an_authorization_redirect(server):
    query = {
        "response_type": HOSTILE,
        "client_id": server.client.client_id,
        "redirect_uri": REDIRECT_URI,
        "state": "xyz",
    }
    # a raw request: the encoded URL is longer than httpx sends
    response = server.raw("GET", "/authorize", query=urlencode(query).encode())
    assert len(response.headers["location"]) < 2000
    got = redirect_params(response)
    assert got["error"] == "unsupported_response_type"
    assert_safe(got["error_description"])
    assert got["error_description"].startswith("response_type '?'")
    assert got["error_description"].endswith("is not supported; use 'code'.")


def test_hostile_value_in_a_token_error(server, browser):
    # 8,000 characters, under the 8 KiB cap on a parameter
    response = token_request(browser, server.client, {"grant_type": '"\\<\u00e9 ' * 1600})
    body = assert_json_error(response, "unsupported_grant_type")
    assert_safe(body["error_description"])
    assert body["error_description"].startswith("grant_type '")


def test_hostile_redirect_uri_in_a_registration_error(browser):
    uri = "https://client.example.com/" + '"\\\u00e9 ' * 400
    response = browser.post("/register", json={"redirect_uris": [uri]})
    body = assert_json_error(response, "invalid_redirect_uri")
    assert_safe(body["error_description"])
    assert body["error_description"].startswith("The redirect URI 'https://client.example.com/")
    assert body["error_description"].endswith("holds white space or control characters.")
