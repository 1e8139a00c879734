"""Every answer notebooks/src/08-Common-Confusions.py states, asked of our server on a socket.

The notebook's text says what the server answers; these tests hold the server to it,
so that the text cannot drift from the behaviour.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import REDIRECT_URI

from codegrant_kit import ServerConfig
from codegrant_kit.client import (
    Application,
    BasicAuthSteps,
    BrowserError,
    Endpoints,
    Flow,
    OAuthResponseError,
    Outcome,
    PkcePair,
    StateMismatch,
    attempt,
    decode_basic,
    discover,
    exchange_code,
    introspect,
    parse_redirect,
    refresh,
    send_token_request,
    unencoded_basic,
)
from codegrant_kit.lab import LabClock
from codegrant_kit.runner import BackgroundServer, start_server

PRINTER_SECRET = "gX1f+Bat3/bV:pr1nt"  # the notebook's: a +, a / and a :
SLASH_COLON_SECRET = "gX1fBat3/bV:pr1nt"  # the same without the +
CLOCK = LabClock(1_700_000_000)


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    clients = [
        {"client_id": "photo-printer", "client_secret": PRINTER_SECRET,
         "client_name": "Photo printer", "redirect_uris": [REDIRECT_URI]},
        {"client_id": "slash-colon", "client_secret": SLASH_COLON_SECRET,
         "client_name": "Slash and colon", "redirect_uris": [REDIRECT_URI]},
    ]  # fmt: skip
    config = ServerConfig(clock=CLOCK)
    with start_server(config=config, clients=clients, users={"admin": "admin"}) as server:
        yield server


@pytest.fixture(scope="module")
def endpoints(server: BackgroundServer) -> Endpoints:
    return discover(server.url)


@pytest.fixture(scope="module")
def apps(endpoints: Endpoints) -> dict[str, Application]:
    with Flow(endpoints, scope="PRODUCTION") as flow:
        return {
            "app": flow.register("Playground", redirect_uri=REDIRECT_URI),
            "other": flow.register("Another app", redirect_uri=REDIRECT_URI),
            "loopback": flow.register("Desktop app", redirect_uri="http://127.0.0.1/cb"),
        }


def first_page(endpoints: Endpoints, app: Application, redirect_uri: str) -> tuple[int, str, str]:
    with Flow(endpoints, application=app, redirect_uri=redirect_uri) as flow:
        flow.authorize()
        page = flow.open_authorization_page()
    return page.status, page.kind, page.message


# section 1: the server's answer to each redirect_uri the notebook tries
@pytest.mark.parametrize(
    ("name", "redirect_uri", "status", "kind"),
    [
        ("app", REDIRECT_URI, 200, "login"),
        ("app", REDIRECT_URI + "/", 400, "error page"),
        ("app", "https://client.example.com:443/cb", 400, "error page"),
        ("app", "https://Client.example.com/cb", 400, "error page"),
        ("loopback", "http://127.0.0.1:51004/cb", 200, "login"),
        ("loopback", "http://127.0.0.1:8080/cb", 200, "login"),
        ("loopback", "http://localhost:51004/cb", 400, "error page"),
        ("loopback", "http://127.0.0.1:51004/callback", 400, "error page"),
    ],
)
def test_each_redirect_uri_gets_the_answer_the_notebook_shows(
    endpoints, apps, name, redirect_uri, status, kind
):
    assert first_page(endpoints, apps[name], redirect_uri)[:2] == (status, kind)


def test_a_refused_redirect_uri_is_told_why_and_localhost_gets_its_hint(endpoints, apps):
    message = first_page(endpoints, apps["app"], "https://Client.example.com/cb")[2]
    assert "The match is exact, character by character (RFC 9700 2.1)" in message
    assert f"Registered: {REDIRECT_URI}." in message
    assert "localhost" not in message
    message = first_page(endpoints, apps["loopback"], "http://localhost:51004/cb")[2]
    assert "'localhost' is matched exactly, port too: RFC 8252 8.3 advises against it" in message


# section 2: the five causes of invalid_grant, each with its own error_description
def signed_in(endpoints: Endpoints, app: Application) -> Flow:
    flow = Flow(endpoints, application=app, scope="PRODUCTION")
    flow.run_front_channel("admin", "admin")
    return flow


def test_a_used_code(endpoints, apps):
    with signed_in(endpoints, apps["app"]) as flow:
        flow.exchange_code()
        assert str(attempt(flow.exchange_code)) == (
            "400 invalid_grant: This authorization code was used already: a code works once "
            "(RFC 6749 4.1.2), and the tokens issued from it are now revoked."
        )


def test_a_wrong_redirect_uri_then_a_wrong_verifier_leave_the_code_to_its_client(endpoints, apps):
    app = apps["app"]
    with signed_in(endpoints, app) as flow:
        assert flow.authorization_response and flow.pkce
        code, verifier = flow.authorization_response.code, flow.pkce.code_verifier
        assert code
        wrong_uri = attempt(
            lambda: exchange_code(
                endpoints, app, code=code, redirect_uri=REDIRECT_URI + "/", code_verifier=verifier
            )
        )
        assert str(wrong_uri) == (
            "400 invalid_grant: redirect_uri differs from the one the code was issued for "
            "(RFC 6749 4.1.3)."
        )
        wrong_verifier = attempt(
            lambda: exchange_code(
                endpoints,
                app,
                code=code,
                redirect_uri=REDIRECT_URI,
                code_verifier=PkcePair.generate().code_verifier,
            )
        )
        assert str(wrong_verifier) == (
            "400 invalid_grant: code_verifier does not match the code_challenge (RFC 7636 4.6)."
        )
        assert attempt(flow.exchange_code).ok  # the code was not used up  # fmt: skip


def test_an_expired_code(endpoints, apps):
    with signed_in(endpoints, apps["app"]) as flow:
        CLOCK.advance(301)
        assert str(attempt(flow.exchange_code)) == (
            "400 invalid_grant: The authorization code expired: codes live 300 s (RFC 6749 4.1.2)."
        )


def test_another_clients_code_leaves_it_to_its_client(endpoints, apps):
    with signed_in(endpoints, apps["app"]) as flow:
        assert flow.authorization_response and flow.pkce
        code, verifier = flow.authorization_response.code, flow.pkce.code_verifier
        assert code
        outcome = attempt(
            lambda: exchange_code(
                endpoints,
                apps["other"],
                code=code,
                redirect_uri=REDIRECT_URI,
                code_verifier=verifier,
            )
        )
        assert (
            str(outcome)
            == "400 invalid_grant: This authorization code was issued to another client."
        )
        assert attempt(flow.exchange_code).ok


def test_what_is_not_invalid_grant(endpoints, apps):
    # the notebook: a missing redirect_uri or code_verifier is invalid_request
    app = apps["app"]
    with signed_in(endpoints, app) as flow:
        assert flow.authorization_response and flow.pkce
        code, verifier = flow.authorization_response.code, flow.pkce.code_verifier
        assert code
        no_uri = attempt(
            lambda: exchange_code(
                endpoints, app, code=code, redirect_uri=None, code_verifier=verifier
            )
        )
        no_verifier = attempt(
            lambda: exchange_code(endpoints, app, code=code, redirect_uri=REDIRECT_URI)
        )
        stranger = attempt(
            lambda: exchange_code(
                endpoints,
                (app.client_id, "not-the-secret"),
                code=code,
                redirect_uri=REDIRECT_URI,
                code_verifier=verifier,
            )
        )
    assert (no_uri.status, no_uri.error) == (400, "invalid_request")
    assert (no_verifier.status, no_verifier.error) == (400, "invalid_request")
    assert (stranger.status, stranger.error) == (401, "invalid_client")


def test_a_public_clients_token_request_is_refused_before_its_code_is_looked_at(endpoints, apps):
    # 04: an interceptor without the secret is stopped with 401 invalid_client
    app = apps["app"]
    with signed_in(endpoints, app) as flow:
        assert flow.authorization_response and flow.pkce
        code, verifier = flow.authorization_response.code, flow.pkce.code_verifier
        assert code
        public = attempt(
            lambda: exchange_code(
                endpoints,
                (app.client_id, None),
                code=code,
                redirect_uri=REDIRECT_URI,
                code_verifier=verifier,
                auth="none",
            )
        )
        assert str(public) == (
            "401 invalid_client: client_secret is missing: this application is confidential "
            "(it registered token_endpoint_auth_method client_secret_basic) and must "
            "authenticate: send client_id and client_secret in an Authorization: Basic "
            "header, not in the body (RFC 6749 2.3.1)."
        )
        assert attempt(flow.exchange_code).ok


# section 3: the Basic header for a secret with +, / and :
def test_decode_basic_reads_the_headers_as_the_notebook_says():
    right = BasicAuthSteps("photo-printer", PRINTER_SECRET)
    assert right.encoded_secret == "gX1f%2BBat3%2FbV%3Apr1nt"
    assert decode_basic(right.header_value).client_secret == PRINTER_SECRET
    assert decode_basic(unencoded_basic("photo-printer", PRINTER_SECRET)).client_secret == (
        "gX1f Bat3/bV:pr1nt"
    )


def test_the_unencoded_header_is_refused_and_the_code_survives_for_the_right_one(endpoints):
    printer = Application.manual("photo-printer", PRINTER_SECRET, REDIRECT_URI)
    with signed_in(endpoints, printer) as flow:
        request = flow.token_request()
        request.headers["Authorization"] = unencoded_basic("photo-printer", PRINTER_SECRET)
        wrong = attempt(lambda: send_token_request(request))
        assert str(wrong) == (
            "401 invalid_client: Client authentication failed: unknown client or wrong secret."
        )
        assert attempt(flow.exchange_code).ok


def test_a_secret_with_only_slash_and_colon_passes_unencoded_too(endpoints):
    # the notebook: a bare / or : decodes to itself, so only + (and %) break
    app = Application.manual("slash-colon", SLASH_COLON_SECRET, REDIRECT_URI)
    for header in (
        unencoded_basic(app.client_id, SLASH_COLON_SECRET),
        BasicAuthSteps(app.client_id, SLASH_COLON_SECRET).header_value,
    ):
        with signed_in(endpoints, app) as flow:
            request = flow.token_request()
            request.headers["Authorization"] = header
            assert attempt(lambda: send_token_request(request)).ok, header


# section 4: two tabs refresh with the same refresh token at once
def test_two_tabs_refreshing_at_once_end_the_grant_for_both(endpoints, apps):
    app = apps["app"]
    with signed_in(endpoints, app) as flow:
        shared = flow.exchange_code().refresh_token
    assert shared
    with ThreadPoolExecutor(2) as tabs:
        outcomes = list(
            tabs.map(lambda tab: attempt(lambda: refresh(endpoints, app, shared)), "AB")
        )
    assert [str(o) for o in sorted(outcomes, key=str)] == [
        "400 invalid_grant: This refresh token was already exchanged for a new one. Using it "
        "again looks like theft, so every token of this grant is now revoked (RFC 9700 4.14.2).",
        "ok",
    ]
    winner = next(o.value for o in outcomes if o.ok)
    assert introspect(endpoints, app, winner.access_token).active is False
    assert str(attempt(lambda: refresh(endpoints, app, winner.refresh_token))) == (
        "400 invalid_grant: The refresh token is unknown, expired or revoked."
    )


# section 5: the client drops a callback whose state it did not send
def test_a_forged_state_is_dropped(endpoints, apps):
    with Flow(endpoints, application=apps["app"], scope="PRODUCTION") as flow:
        request = flow.authorize()
    forged = (
        f"{REDIRECT_URI}?code=mallorys-own-code&state=a-state-of-mallorys&iss={endpoints.issuer}"
    )
    with pytest.raises(StateMismatch, match="Do not exchange this code"):
        parse_redirect(forged, expected_state=request.state, expected_issuer=endpoints.issuer)


# the client layer's two helpers the notebook leans on
def test_run_front_channel_skips_a_remembered_consent_and_refuses_a_wrong_password(endpoints, apps):
    with Flow(endpoints, application=apps["other"], scope="PRODUCTION") as flow:
        assert flow.run_front_channel("admin", "admin", choice="approveAlways").ok
        seen = len(flow.browser.history)
        assert flow.run_front_channel("admin", "admin").ok  # remembered: no consent page
        assert [page.kind for page in flow.browser.history[seen:]] == ["login", "redirect"]
        with pytest.raises(BrowserError, match="No redirect to the client"):
            flow.run_front_channel("admin", "wrong")


def test_an_outcome_of_an_error_in_the_redirect_has_no_status():
    def denied() -> None:
        raise OAuthResponseError(status=None, error="access_denied", error_description="Denied.")

    outcome = attempt(denied)
    assert outcome == Outcome(ok=False, error="access_denied", error_description="Denied.")
    assert str(outcome) == "access_denied: Denied."
    assert not attempt(denied).ok and attempt(lambda: None).ok
    with pytest.raises(ZeroDivisionError):  # not an answer of the server: it propagates
        attempt(lambda: 1 / 0)
