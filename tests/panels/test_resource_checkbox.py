"""The Authorize panel's RFC 8707 checkbox: a token for one API, refused by the other."""

from __future__ import annotations

from .conftest import Panels


def test_the_checkbox_sends_resource_and_the_other_api_refuses_the_token(panels: Panels) -> None:
    panels.start()
    panels.register()
    model = panels.authorize.model
    url = panels.server.model.url
    assert model.resource == url + "/api/photos"  # the metadata's first protected_resources
    assert "resource=" not in model.url  # off by default: a token for every API
    assert panels.authorize._resource.layout.display == "none"
    panels.authorize._audience.value = True
    panels.authorize._resource.value = url + "/api/calendar"
    assert "resource=http%3A%2F%2F" in model.url
    assert any(note[0] == "resource" and "RFC 8707" in note[3] for note in model.notes)
    assert panels.authorize._resource.layout.display == ""
    panels.sign_in()
    panels.login.buttons["Approve Once"].click()
    panels.redirect._check.click()
    assert panels.redirect.model.error == ""
    assert "resource=" in panels.token.model.body  # RFC 8707 2: repeated at the token endpoint
    panels.token._send.click()
    assert panels.token.model.error == ""
    api = panels.api
    api.model.url = url + "/api/photos"
    api._call.click()
    assert "issued for " + url + "/api/calendar" in api.model.error
    # the transcript shows the challenge that names the API's metadata (RFC 9728 5.1)
    assert 'resource_metadata="' in api.model.exchange


def test_a_public_client_registers_without_a_secret_and_sends_its_client_id_alone(
    panels: Panels,
) -> None:
    panels.start()
    panels.portal._public.value = True
    panels.register()
    assert panels.portal.model.consumer_secret == ""
    assert panels.state.application is not None
    assert panels.state.application.token_endpoint_auth_method == "none"
    panels.sign_in()
    panels.login.buttons["Approve Once"].click()
    panels.redirect._check.click()
    token = panels.token.model
    assert token.header == ""  # no Authorization: Basic
    assert f"client_id={token.client_id}" in token.body and "client_secret" not in token.body
    assert "code_verifier=" in token.body  # PKCE, the only proof a public client has
    panels.token._send.click()
    assert token.error == ""
    assert token.raw_response.startswith("HTTP/1.1 200 OK")
