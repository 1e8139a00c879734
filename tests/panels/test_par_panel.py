"""The PAR and private_key_jwt steps, each behind its checkbox, driven as a learner does."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from codegrant_kit.panels.par_panel import PushedRequestModel, PushedRequestPanel

from .conftest import Panels


def test_par_and_private_key_jwt_in_the_panels(panels: Panels) -> None:
    panels.start()
    panels.register()  # the portal sets the redirect_uri; then a key replaces the secret
    panel = PushedRequestPanel(panels.state)
    model = panel.model
    assert '"kty": "EC"' in model.jwks and '"d"' not in model.jwks
    model.push()
    assert "Tick" in model.status and not model.request_uri  # the defence is off
    model.register()
    assert model.error == "" and model.private_key_jwt
    client_id = panels.state.application.client_id
    assert panels.authorize.model.client_id == client_id
    model.par = True
    model.push()
    assert model.error == "", model.error
    assert model.request_uri.startswith("urn:ietf:params:oauth:request_uri:")
    assert dict(parse_qsl(urlsplit(model.browser_url).query)) == {
        "client_id": client_id,
        "request_uri": model.request_uri,
    }
    assert model.pushed_request.startswith("POST ") and "/par HTTP/1.1" in model.pushed_request
    assert "client_assertion=" in model.pushed_request
    assert any(line.startswith("aud: ") for line in model.assertion)
    panels.sign_in()
    panels.login.buttons["Approve Once"].click()
    panels.redirect._check.click()
    assert panels.redirect.model.error == ""
    tokens = model.exchange()
    assert model.error == "" and tokens is not None and tokens.access_token
    assert "grant_type=authorization_code" in model.token_request
    assert "client_secret" not in model.token_request
    assert panels.state.tokens is tokens


def test_a_fresh_model_has_its_own_key() -> None:
    assert PushedRequestModel().jwks != PushedRequestModel().jwks
