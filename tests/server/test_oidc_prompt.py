"""nonce, prompt and max_age over a real socket (OIDC Core 3.1.2.1, 3.1.2.3, 3.1.2.6).

A sign-in starts a session in that browser; an OpenID Connect request from it
then skips the login page unless prompt or max_age asks for a new sign-in. The
server's clock is a LabClock, moved by hand, so that sign-ins age on demand.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from codegrant_kit.lab import LabClock
from codegrant_kit.runner import BackgroundServer
from codegrant_kit.server.authentication_request import MAX_NONCE
from codegrant_kit.server.store import Client

from .helpers import authorize, redirect_params, sign_in, submit, the_form
from .oidc_helpers import code_of, register, serving, token_response, verified_claims


@pytest.fixture(scope="module")
def clock() -> LabClock:
    return LabClock(time.time())


@pytest.fixture(scope="module")
def op(clock: LabClock) -> Iterator[BackgroundServer]:
    with serving(clock=clock) as server:
        yield server


@pytest.fixture
def browser(op: BackgroundServer) -> Iterator[httpx.Client]:
    """A new browser: its own cookie jar, so no session yet."""
    with httpx.Client(base_url=op.url, timeout=10) as client:
        yield client


@pytest.fixture
def client(browser: httpx.Client) -> Client:
    return register(browser)


def is_login_page(response: httpx.Response) -> bool:
    return response.status_code == 200 and "password" in the_form(response.text).inputs


def is_consent_page(response: httpx.Response) -> bool:
    if response.status_code != 200:
        return False
    return any(b.get("name") == "consent" for b in the_form(response.text).buttons)


def signed_in(browser: httpx.Client, client: Client, always: bool = False) -> float:
    """alice signs in with an OpenID Connect request in this browser; the auth_time."""
    consent = "approveAlways" if always else "approve"
    code = code_of(browser, client, scope="openid", consent=consent)
    return float(
        verified_claims(browser, token_response(browser, client, code)["id_token"])["auth_time"]
    )


def auth_time_of(browser: httpx.Client, client: Client, found: httpx.Response) -> int:
    code = redirect_params(found)["code"]
    claims = verified_claims(browser, token_response(browser, client, code)["id_token"])
    return int(claims["auth_time"])


def error_of(found: httpx.Response, op: BackgroundServer) -> str:
    params = redirect_params(found)
    assert params["state"] == "xyz" and params["iss"] == op.url, params  # RFC 6749, RFC 9207
    assert "code" not in params
    return params["error"]


# -- nonce ---------------------------------------------------------------------------


def test_the_nonce_is_bound_to_the_code_up_to_its_cap(browser, client):
    nonce = "n" * MAX_NONCE
    code = code_of(browser, client, scope="openid", nonce=nonce)
    assert (
        verified_claims(browser, token_response(browser, client, code)["id_token"])["nonce"]
        == nonce
    )


def test_a_nonce_over_the_cap_is_sent_back_as_invalid_request(op, browser, client):
    found = authorize(browser, client, scope="openid", nonce="n" * (MAX_NONCE + 1))
    assert error_of(found, op) == "invalid_request"
    assert "nonce" in redirect_params(found)["error_description"]


def test_each_code_carries_its_own_requests_nonce(browser, client):
    first = code_of(browser, client, scope="openid", nonce="first")
    second = code_of(browser, client, scope="openid", nonce="second")
    # redeemed in the other order: each ID token still has its own request's nonce
    for code, nonce in ((second, "second"), (first, "first")):
        claims = verified_claims(browser, token_response(browser, client, code)["id_token"])
        assert claims["nonce"] == nonce


# -- the session and prompt ------------------------------------------------------------


def test_prompt_none_without_a_session_is_login_required(op, browser, client):
    pending = len(op.snapshot()["pending"])
    assert (
        error_of(authorize(browser, client, scope="openid", prompt="none"), op) == "login_required"
    )
    assert len(op.snapshot()["pending"]) == pending  # no login page was opened


def test_a_signed_in_browser_skips_the_login_page_for_openid_only(op, clock, browser, client):
    first = signed_in(browser, client)
    clock.advance(60)
    again = authorize(browser, client, scope="openid")
    assert is_consent_page(again)  # no login page: the session answers who it is
    found = submit(browser, again, consent="approve")
    assert auth_time_of(browser, client, found) == int(first)  # the sign-in of then
    # a plain OAuth request signs in every time, as the WSO2 guide shows
    assert is_login_page(authorize(browser, client, scope="photos:read"))
    # and another browser has no session
    with httpx.Client(base_url=op.url, timeout=10) as other:
        assert is_login_page(authorize(other, client, scope="openid"))


def test_prompt_none_with_a_session_but_no_consent_is_consent_required(op, browser, client):
    signed_in(browser, client)  # Approve Once: no consent kept
    found = authorize(browser, client, scope="openid", prompt="none")
    assert error_of(found, op) == "consent_required"


def test_prompt_none_with_a_session_and_consent_answers_with_a_code(op, clock, browser, client):
    first = signed_in(browser, client, always=True)
    clock.advance(30)
    found = authorize(browser, client, scope="openid", prompt="none", nonce="silent")
    assert found.status_code == 302  # no page at all
    code = redirect_params(found)["code"]
    claims = verified_claims(browser, token_response(browser, client, code)["id_token"])
    assert claims["auth_time"] == int(first) and claims["nonce"] == "silent"
    # a wider scope than approved is not covered: consent_required
    wider = authorize(browser, client, scope="openid email", prompt="none")
    assert error_of(wider, op) == "consent_required"


def test_prompt_none_on_a_plain_oauth_request_is_login_required(op, browser, client):
    signed_in(browser, client, always=True)
    found = authorize(browser, client, scope="photos:read", prompt="none")
    assert error_of(found, op) == "login_required"


def test_prompt_login_forces_a_new_sign_in_with_a_new_auth_time(clock, browser, client):
    first = signed_in(browser, client, always=True)
    clock.advance(120)
    page = authorize(browser, client, scope="openid", prompt="login")
    assert is_login_page(page)
    found = sign_in(browser, page)  # Approve Always before: no consent page
    assert auth_time_of(browser, client, found) == int(first) + 120


def test_prompt_consent_asks_again_despite_approve_always(browser, client):
    signed_in(browser, client, always=True)
    assert authorize(browser, client, scope="openid").status_code == 302  # remembered
    assert is_consent_page(authorize(browser, client, scope="openid", prompt="consent"))


def test_max_age_honours_the_age_of_the_sign_in(op, clock, browser, client):
    first = signed_in(browser, client, always=True)
    clock.advance(100)
    # younger than max_age: the session stands, auth_time is the first sign-in's
    found = authorize(browser, client, scope="openid", max_age="200")
    assert auth_time_of(browser, client, found) == int(first)
    # older than max_age: sign in again (OIDC Core 3.1.2.1), or login_required silently
    assert is_login_page(authorize(browser, client, scope="openid", max_age="50"))
    silent = authorize(browser, client, scope="openid", max_age="50", prompt="none")
    assert error_of(silent, op) == "login_required"
    page = authorize(browser, client, scope="openid", max_age="50")
    assert auth_time_of(browser, client, sign_in(browser, page)) == int(first) + 100
    # the new sign-in is the session now
    found = authorize(browser, client, scope="openid", max_age="50", prompt="none")
    assert auth_time_of(browser, client, found) == int(first) + 100


@pytest.mark.parametrize(
    "params",
    [
        {"prompt": "none login"},
        {"prompt": "sometimes"},
        {"prompt": "NONE"},  # case sensitive (OIDC Core 3.1.2.1)
        {"max_age": "-1"},
        {"max_age": "1.5"},
        {"max_age": "ten"},
        {"max_age": "1" * 11},
        {"max_age": "\uff11"},  # a full-width digit is not ASCII
    ],
)
def test_bad_prompt_or_max_age_is_sent_back_as_invalid_request(op, browser, client, params):
    assert error_of(authorize(browser, client, scope="openid", **params), op) == "invalid_request"


def test_prompt_select_account_shows_the_login_page(browser, client):
    signed_in(browser, client, always=True)
    assert is_login_page(authorize(browser, client, scope="openid", prompt="select_account"))


@pytest.mark.parametrize(
    ("name", "error"),
    [("request", "request_not_supported"), ("request_uri", "request_uri_not_supported")],
)
def test_a_request_object_is_refused_by_name(op, browser, client, name, error):
    # OIDC Core 3.1.2.6; the metadata says both are false
    found = authorize(browser, client, scope="openid", **{name: "eyJhbGciOiJub25lIn0.e30."})
    assert error_of(found, op) == error
