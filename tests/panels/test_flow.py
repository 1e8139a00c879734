"""The whole code grant driven through the panels from code, against a real server."""

from __future__ import annotations

import base64
import html
from urllib.parse import parse_qs, urlsplit

from codegrant_kit.client import Application, explain_redirect
from codegrant_kit.runner import start_server

from .conftest import CALLBACK, Panels, close, make_panels


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_the_whole_flow_through_the_panels(panels: Panels) -> None:
    state = panels.state
    # 1. Server
    server = panels.server
    assert server._stop.disabled
    server._start.click()
    assert server.model.error == ""
    assert server.model.running and state.connected
    assert server.model.url.startswith("http://127.0.0.1:")
    assert server._start.disabled and not server._stop.disabled
    assert [user["username"] for user in server.model.snapshot["users"]] == ["admin"]
    assert "admin" in server._users.value

    # 2. Developer Portal: the callback URL starts as the kit's callback page; the
    # Code checkbox is disabled until there is a callback URL
    portal = panels.portal
    assert portal.model.callback_url == state.callback_page_url()
    assert portal.model.callback_url.endswith("/client/callback")
    portal._callback.value = ""
    assert portal._code.disabled
    portal._code.value = True
    assert portal.model.code_grant is False and portal._code.value is False
    portal._generate.click()
    assert "Code grant" in portal.model.error and portal.model.consumer_key == ""
    portal._callback.value = CALLBACK
    assert not portal._code.disabled
    portal._code.value = True
    portal._generate.click()
    assert portal.model.error == ""
    key, secret = portal.model.consumer_key, portal.model.consumer_secret
    assert key and secret and portal._key.value == key and portal._secret.value == secret
    server._refresh.click()
    assert [client["client_id"] for client in server.model.snapshot["clients"]] == [key]
    assert key in server._clients.value

    # 3. Authorize URL builds live
    authorize = panels.authorize
    model = authorize.model
    assert (model.client_id, model.redirect_uri, model.scope) == (key, CALLBACK, "PRODUCTION")
    params = query(model.url)
    assert params["response_type"] == ["code"] and params["client_id"] == [key]
    assert params["scope"] == ["PRODUCTION"] and params["redirect_uri"] == [CALLBACK]
    assert params["state"] == [model.state] and params["code_challenge_method"] == ["S256"]
    authorize._scope.value = "PRODUCTION photos:read"
    assert query(model.url)["scope"] == ["PRODUCTION photos:read"]
    authorize._scope.value = "PRODUCTION"
    authorize._pkce.value = False
    assert "code_challenge" not in query(model.url)
    authorize._pkce.value = True
    old_state = model.state
    authorize._new_state.click()
    assert model.state != old_state and query(model.url)["state"] == [model.state]
    assert state.authorization_request is not None
    assert state.authorization_request.url == model.url
    assert f'href="{html.escape(model.url)}" target="_blank"' in authorize._url.value
    assert {note[0] for note in model.notes} >= {"client_id", "scope", "redirect_uri", "state"}

    # 4. Login: a wrong password, then the right one, then Approve Once
    login = panels.login
    assert login.buttons == {}
    panels.sign_in(password="wrong")
    assert login.model.page_kind == "retry"
    assert "Login failed" in login.model.error
    assert login.buttons == {}
    panels.sign_in(password="admin")
    assert login.model.error == "" and login.model.page_kind == "consent"
    # one button per answer the page offers, labelled as the page labels it
    assert list(login.buttons) == ["Approve Once", "Approve Always", "Deny"]
    assert login.buttons["Deny"].button_style == "warning"
    login.buttons["Approve Once"].click()
    assert login.buttons == {}
    assert login.model.page_kind == "redirect" and login.model.error == ""

    # 5. Redirect: the 302 taken apart, state checked against what was sent, iss checked
    redirect = panels.redirect
    assert redirect.model.raw.startswith("HTTP/1.1 302 Found")
    assert redirect.model.location.startswith(CALLBACK + "?")
    assert redirect.model.state_received == redirect.model.state_sent == model.state
    redirect._check.click()
    assert redirect.model.error == ""
    code = redirect.model.code
    assert code and query(redirect.model.location)["code"] == [code]
    assert any("state" in check for check in redirect.model.checks)
    assert any("iss" in check for check in redirect.model.checks)

    # 6. Token request, step by step, shown before it is sent
    token = panels.token
    assert (token.model.client_id, token.model.client_secret) == (key, secret)
    assert token.model.joined == f"{key}:{secret}"
    expected = base64.b64encode(f"{key}:{secret}".encode()).decode()
    assert token.model.base64 == expected
    assert token.model.header == f"Authorization: Basic {expected}"
    assert expected in token._steps.value
    assert token.model.body.startswith(f"grant_type=authorization_code&code={code}")
    assert token.model.raw_request.startswith("POST /token HTTP/1.1\n")
    assert f"Authorization: Basic {expected}" in token.model.raw_request
    server._refresh.click()
    assert [c["used"] for c in server.model.snapshot["codes"] if c["code"] == code] == [False]
    assert token.model.raw_response == ""  # nothing was sent yet
    token._send.click()
    assert token.model.error == ""
    assert token.model.raw_response.startswith("HTTP/1.1 200 OK")
    assert '"access_token"' in token.model.response_json
    assert {row[0] for row in token.model.fields} >= {"access_token", "token_type", "expires_in"}
    assert state.tokens is not None

    # 7. The photos API, refresh, introspect, revoke
    api = panels.api
    assert api.model.url == server.model.url + "/api/photos"
    api._call.click()
    assert api.model.error == ""
    assert api.model.photos == [
        "Sunrise over the lake",
        "Tea fields in the hills",
        "The old lighthouse",
    ]
    assert api.model.exchange.startswith("GET /api/photos HTTP/1.1")
    assert f"Bearer {state.tokens.access_token}" in api.model.exchange
    first = api.model.access_token
    api._refresh.click()
    assert api.model.error == "" and api.model.access_token not in ("", first)
    assert "grant_type=refresh_token" in api.model.exchange
    api._introspect.click()
    assert api.model.error == "" and "active" in api.model.status
    assert ("active", "True") in [(row[0], row[1]) for row in api.model.introspection]
    api._revoke.click()
    assert api.model.error == "" and "revoked" in api.model.status
    api._call.click()
    assert "invalid_token" in api.model.error and api.model.photos == []
    assert "Likely cause: This flow revoked this access token (exchange " in api.model.error
    assert "401" in api.model.exchange
    api._introspect.click()
    assert ("active", "False") in [(row[0], row[1]) for row in api.model.introspection]
    token._send.click()  # the same code again: the cause is the replay the transcript shows
    assert "Likely cause: This code was exchanged already (exchange " in token.model.error

    # The transcript has every exchange, in the seed page's format
    text = panels.transcript.model.text
    assert "POST /token HTTP/1.1\nHost: " in text
    assert "HTTP/1.1 302 Found" in text
    assert panels.transcript.model.exchanges == len(state.transcript or [])
    assert panels.transcript.model.mermaid.startswith("sequenceDiagram")

    # Stop: the flow is closed and the server gone
    server._stop.click()
    assert not server.model.running and not state.connected and state.server is None


def test_deny_is_explained_in_the_redirect_panel(panels: Panels) -> None:
    panels.start()
    panels.register()
    panels.sign_in()
    panels.login.buttons["Deny"].click()
    assert panels.login.model.page_kind == "redirect"
    assert "error=access_denied" in panels.redirect.model.location
    panels.redirect._check.click()
    assert panels.redirect.model.code == ""
    assert "access_denied" in panels.redirect.model.error
    assert "clicked Deny" in panels.redirect.model.error
    # No code, so there is no token request to build or send.
    panels.token._send.click()
    assert "access_denied" in panels.token.model.error
    assert panels.token.model.raw_request == ""


def test_a_replayed_code_is_explained_in_plain_words(panels: Panels) -> None:
    panels.to_code()
    panels.token._send.click()
    assert panels.token.model.error == ""
    panels.token._send.click()
    error = panels.token.model.error
    assert error.startswith("HTTP 400: invalid_grant")
    assert "used already" in error  # the server's own words
    assert "Run the flow again for a fresh code." in error  # the client layer's fix
    assert "Traceback" not in error and "Traceback" not in panels.token.model.raw_response
    assert panels.token.model.raw_response.startswith("HTTP/1.1 400 Bad Request")
    shown = panels.token.children[panels.token.children.index(panels.token._send) + 1].value
    assert "invalid_grant" in shown


def test_a_wrong_secret_is_explained_then_the_right_one_works(panels: Panels) -> None:
    panels.to_code()
    secret = panels.token.model.client_secret
    key = panels.token.model.client_id
    panels.token._client_secret.value = "not-the-secret"
    wrong = base64.b64encode(f"{key}:not-the-secret".encode()).decode()
    assert f"Authorization: Basic {wrong}" in panels.token.model.raw_request
    panels.token._send.click()
    assert panels.token.model.error.startswith("HTTP 401: invalid_client")
    assert "consumer secret is wrong" in panels.token.model.error
    panels.token._client_secret.value = secret
    panels.token._send.click()
    assert panels.token.model.error == ""  # a refused client leaves the code unused


def test_credentials_in_the_body_instead_of_basic(panels: Panels) -> None:
    panels.to_code()
    key, secret = panels.token.model.client_id, panels.token.model.client_secret
    panels.token._in_body.value = True
    assert panels.token.model.header == ""
    assert "Authorization:" not in panels.token.model.raw_request
    assert f"client_id={key}&client_secret={secret}" in panels.token.model.body
    panels.token._send.click()
    # the portal registered client_secret_basic, and the server holds the application
    # to the method it registered (RFC 7591 2): the body is refused, the code left unused
    error = panels.token.model.error
    assert "registered token_endpoint_auth_method client_secret_basic" in error
    assert panels.state.tokens is None
    panels.token._in_body.value = False
    panels.token._send.click()
    assert panels.token.model.error == ""
    assert panels.state.tokens is not None


def test_approve_always_skips_the_consent_page_next_time(panels: Panels) -> None:
    panels.to_code()
    panels.login.model.choose("Approve Always")  # no consent page open any more
    assert panels.login.model.error.startswith(
        "The browser is at a redirect, not a consent page: there is nothing to answer."
    )
    panels.authorize._new_state.click()
    panels.sign_in()
    panels.login.buttons["Approve Always"].click()
    panels.server._refresh.click()
    assert panels.server.model.snapshot["consents"][0]["username"] == "admin"
    panels.authorize._new_state.click()
    panels.sign_in()
    assert panels.login.model.page_kind == "redirect"  # remembered: no consent page
    panels.redirect._check.click()
    assert panels.redirect.model.error == "" and panels.redirect.model.code


def test_a_tampered_state_is_refused(panels: Panels) -> None:
    panels.start()
    panels.register()
    panels.sign_in()
    panels.login.buttons["Approve Once"].click()
    location = panels.redirect.model.location
    sent = panels.redirect.model.state_sent
    panels.redirect._location.value = location.replace(f"state={sent}", "state=forged")
    assert panels.redirect.model.state_received == "forged"
    panels.redirect._check.click()
    assert panels.redirect.model.code == ""
    assert "state='forged'" in panels.redirect.model.error
    assert "cross-site request forgery" in panels.redirect.model.error


def test_keys_copied_by_hand_and_a_server_started_in_a_cell() -> None:
    server = start_server(
        password_hash="fast",
        clients=[
            {
                "client_id": "wU62DjlyDBnq87GlBwplfqvmAbAa",
                "client_secret": "Gm0bJ6oWV8fC5OQLLlC6jslACW8a",
                "client_name": "Playground",
                "redirect_uris": [CALLBACK],
            }
        ],
    )
    made = make_panels()
    try:
        made.state.use_server(server)
        assert made.server.model.running and made.server.model.url == server.url
        assert "Playground" in made.server._clients.value
        made.portal._use_keys.click()
        assert "Paste the consumer key" in made.portal.model.error
        made.portal._callback.value = CALLBACK
        made.portal._key.value = "wU62DjlyDBnq87GlBwplfqvmAbAa"
        made.portal._secret.value = "Gm0bJ6oWV8fC5OQLLlC6jslACW8a"
        made.portal._use_keys.click()
        assert made.portal.model.error == ""
        assert made.authorize.model.client_id == "wU62DjlyDBnq87GlBwplfqvmAbAa"
        assert made.token.model.client_secret == "Gm0bJ6oWV8fC5OQLLlC6jslACW8a"
        made.sign_in()
        made.login.buttons["Approve Once"].click()
        made.redirect._check.click()
        made.token._send.click()
        assert made.token.model.error == ""
        made.api._call.click()
        assert len(made.api.model.photos) == 3
        # a new login makes the old redirect stale
        made.authorize._new_state.click()
        made.sign_in()
        assert made.redirect.model.location == "" and made.redirect.model.raw == ""
    finally:
        close(made)
    assert not server.running


def test_a_new_code_clears_the_old_answer(panels: Panels) -> None:
    panels.to_code()
    panels.token._send.click()
    assert panels.token.model.response_json
    old_body = panels.token.model.body
    panels.authorize._new_state.click()
    panels.sign_in()
    panels.login.buttons["Approve Once"].click()
    panels.redirect._check.click()
    assert panels.token.model.response_json == "" and panels.token.model.fields == []
    assert panels.token.model.body != old_body
    panels.token._send.click()
    assert panels.token.model.error == "" and panels.token.model.response_json


def test_the_redirect_panel_explains_a_pasted_location_as_the_client_does(panels: Panels) -> None:
    panels.start()
    location = f"{CALLBACK}?code=a&state=s&iss=https%3A%2F%2Fas.example&session_state=x"
    panels.redirect._location.value = location
    model = panels.redirect.model
    assert model.parameters == [tuple(note) for note in explain_redirect(location)]
    assert (model.state_received, model.iss_received) == ("s", "https://as.example")
    shown = [getattr(child, "value", "") for child in panels.redirect.children]
    assert any("RFC 9207 Section 2" in value for value in shown)


def test_the_body_is_ticked_for_an_application_registered_with_client_secret_post(
    panels: Panels,
) -> None:
    panels.to_code()
    assert panels.token._in_body.value is False  # the portal registered client_secret_basic
    basic = panels.state.application
    assert basic is not None
    panels.state.application = Application.manual(
        basic.client_id,
        basic.client_secret,
        token_endpoint_auth_method="client_secret_post",
    )
    assert panels.token._in_body.value is True
    assert "Authorization:" not in panels.token.model.raw_request
    panels.state.application = basic
    assert panels.token._in_body.value is False
