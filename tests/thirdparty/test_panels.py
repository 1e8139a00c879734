"""The panels, driven from code as a learner clicks them, against DOT and node-oidc-provider.

The learner connects the panels to the issuer, pastes the keys the server's admin
gave, and clicks through: Sign In, the consent page's granting answer, Check the
redirect, Send, then the API, Refresh, Introspect, Revoke.
"""

from __future__ import annotations

from collections.abc import Iterator

import ipywidgets as widgets
import pytest
from panels.conftest import Panels, close, make_panels

from codegrant_kit.panels import ChecklistPanel

from .fixtures import ThirdPartyServer
from .test_checklist import EXPECTED

GRANTING = ("Approve Once", "Approve", "Authorize", "Continue", "Allow")
# each consent page's own answers, as the server draws them
ANSWERS = {
    "django-oauth-toolkit": ("Cancel", "Authorize"),
    "node-oidc-provider": ("Continue", "[ Cancel ]"),
}
REFUSING = {"django-oauth-toolkit": "Cancel", "node-oidc-provider": "[ Cancel ]"}


def buttons(widget: widgets.Widget) -> Iterator[widgets.Button]:
    if isinstance(widget, widgets.Button):
        yield widget
    for child in getattr(widget, "children", ()):
        yield from buttons(child)


def click(panel: widgets.Widget, labels: tuple[str, ...]) -> str:
    """Click the first enabled button with one of these labels; its label."""
    shown = list(buttons(panel))
    for button in shown:
        if button.description in labels and not button.disabled:
            button.click()
            return str(button.description)
    raise AssertionError(
        f"no enabled button {labels}: {[(b.description, b.disabled) for b in shown]}"
    )


@pytest.fixture
def panels(thirdparty_server: ThirdPartyServer) -> Iterator[Panels]:
    made = make_panels()
    made.state.connect(thirdparty_server.issuer, api_url=thirdparty_server.api_url)
    made.portal._callback.value = thirdparty_server.redirect_uri
    made.portal._key.value = thirdparty_server.client_id
    made.portal._secret.value = thirdparty_server.client_secret
    made.portal._use_keys.click()
    assert made.portal.model.error == ""
    yield made
    close(made)


def sign_in(panels: Panels, server: ThirdPartyServer) -> None:
    panels.login._username.value = server.username
    panels.login._password.value = server.password
    panels.login._sign_in.click()


def test_connecting_picks_a_scope_the_server_lists(
    panels: Panels, thirdparty_server: ThirdPartyServer
):
    # the seed's PRODUCTION is WSO2's: DOT answers invalid_scope, node grants nothing
    model = panels.authorize.model
    assert list(model.scope_options) == list(thirdparty_server.scopes)
    assert model.scope and set(model.scope.split()) <= set(thirdparty_server.scopes), model.scope
    assert f"scope={model.scope}" in model.url


def test_the_whole_flow_through_the_panels(panels: Panels, thirdparty_server: ThirdPartyServer):
    server = thirdparty_server
    sign_in(panels, server)
    login = panels.login.model
    assert login.error == "" and login.page_kind == "consent", login.answer
    pressed = click(panels.login, GRANTING)
    assert login.error == "" and login.page_kind == "redirect", (pressed, login.answer)

    panels.redirect._check.click()
    redirect = panels.redirect.model
    assert redirect.error == "" and redirect.code
    panels.token._send.click()
    assert panels.token.model.error == "" and panels.token.model.response_json

    api = panels.api
    api._call.click()
    assert api.model.error == ""
    # the status says what this API answered; it is not the kit's photos API
    assert api.model.status.startswith("200 OK"), api.model.status
    assert "photos" not in api.model.status and server.username in api.model.status
    assert api.model.exchange.startswith("GET ")

    api._refresh.click()
    if server.name == "node-oidc-provider":
        # no offline_access with prompt=consent: no refresh token (OIDC Core 11)
        assert "no refresh_token" in api.model.error
    else:
        assert api.model.error == "" and "New tokens" in api.model.status
    api._introspect.click()
    assert api.model.error == "" and api.model.status == "The access_token is active."
    api._revoke.click()
    assert api.model.error == ""
    api._introspect.click()
    assert api.model.status == "The access_token is NOT active."


def test_the_consent_buttons_are_the_page_s_own(
    panels: Panels, thirdparty_server: ThirdPartyServer
):
    server = thirdparty_server
    sign_in(panels, server)
    offered = [b.description for b in buttons(panels.login) if b.description != "Sign In"]
    assert sorted(offered) == sorted(ANSWERS[server.name])
    assert panels.login.model.status.endswith(
        f"its page offers: {', '.join(ANSWERS[server.name])}."
    )
    click(panels.login, (REFUSING[server.name],))
    assert panels.login.model.page_kind == "redirect", panels.login.model.answer
    panels.redirect._check.click()
    error = panels.redirect.model.error
    assert "access_denied" in error and panels.redirect.model.code == ""
    assert f"The user clicked {REFUSING[server.name]!r} on the consent page" in error, error


def test_the_checklist_panel_gives_each_item_its_verdict(thirdparty_server: ThirdPartyServer):
    server = thirdparty_server
    panel = ChecklistPanel()
    panel._url.value = server.issuer
    panel._username.value = server.username
    panel._password.value = server.password
    panel._client_id.value = server.client_id
    panel._client_secret.value = server.client_secret
    panel._redirect_uri.value = server.redirect_uri
    panel._api_url.value = server.api_url
    panel._run.click()
    model = panel.model
    assert model.error == "" and model.report is not None
    verdicts = {item.key: item.status for item in model.report.items}
    assert verdicts == {key: status for key, (status, _) in EXPECTED[server.name].items()}
    failed = sum(status == "fail" for status in verdicts.values())
    skipped = sum(status == "skip" for status in verdicts.values())
    passed = len(verdicts) - failed - skipped
    assert model.summary == f"{passed} passed, {failed} failed, {skipped} skipped"
