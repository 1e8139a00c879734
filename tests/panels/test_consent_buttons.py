"""The login panel against other products' pages (tests/client/page_fixtures, served
on a socket): one button per answer the consent page offers, labelled as the page
labels it, and each press sends that click."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "client"))

from fixture_pages import PASSWORD, USERNAME, FixtureServer, served

from codegrant_kit.client import Application, Endpoints, wso2_identity_server
from codegrant_kit.panels import AuthorizePanel, FlowState, LoginPanel

CALLBACK = "https://client.example.com/cb"


def panels_on(server: FixtureServer) -> tuple[FlowState, LoginPanel]:
    state = FlowState(scope="openid photos")
    AuthorizePanel(state)
    login = LoginPanel(state)
    state.use_endpoints(
        Endpoints.manual(
            issuer=server.url,
            authorization_endpoint=server.authorization_endpoint,
            token_endpoint=server.url + "/token",
        )
    )
    state.use_application(Application("photo-printer", "secret", redirect_uris=(CALLBACK,)))
    login._username.value = USERNAME
    login._password.value = PASSWORD
    return state, login


@pytest.mark.parametrize(
    ("name", "labels", "press", "sent", "granted"),
    [
        ("wso2_is7", ["Allow", "Deny"], "Allow", ("consent", "approveAlways"), True),
        ("wso2_is7", ["Allow", "Deny"], "Deny", ("consent", "deny"), False),
        (
            "wso2_apim3",
            ["Approve Once", "Approve Always", "Deny"],
            "Approve Always",
            ("consent", "approveAlways"),
            True,
        ),
        ("keycloak26", ["Yes", "No"], "No", ("cancel", ""), False),
        ("keycloak26_username_first", ["Yes", "No"], "Yes", ("accept", ""), True),
        ("spring", ["Submit Consent", "Cancel"], "Submit Consent", ("scope", "photos.write"), True),
        ("dot", ["Cancel", "Authorize"], "Authorize", ("allow", "Authorize"), True),
    ],
)
def test_the_buttons_are_the_page_s_answers(
    name: str, labels: list[str], press: str, sent: tuple[str, str], granted: bool
) -> None:
    for server in served(name):
        state, login = panels_on(server)
        try:
            assert login.buttons == {}
            login._sign_in.click()
            assert login.model.error == "", login.model.error
            assert login.model.page_kind == "consent"
            assert list(login.buttons) == labels
            assert login.model.status.endswith(f"its page offers: {', '.join(labels)}.")
            refusing = [label for label, item in login.buttons.items() if item.button_style]
            assert len(refusing) == 1
            login.buttons[press].click()
            assert login.model.error == "", login.model.error
            assert login.model.page_kind == "redirect"
            assert sent in server.recorder.posts[-1][1]
            assert login.buttons == {}  # the page is gone, and its buttons with it
            assert state.receive_redirect().ok is granted
        finally:
            state.close()


def test_a_page_the_kit_cannot_place_is_shown_with_its_words_and_forms() -> None:
    for server in served("dot"):
        state, login = panels_on(server)
        try:
            login.model.choose("Authorize")  # before Sign In: says which page is open
            assert login.model.error.startswith("No page is open yet: press Sign In first")
            state.open_authorization_page()
            login.model.choose("Authorize")
            assert login.model.error.startswith(
                "The login page is open, not a consent page: press Sign In first."
            )
        finally:
            state.close()


def test_a_button_by_what_it_does_whatever_the_page_calls_it() -> None:
    for server in served("wso2_is7"):
        state, login = panels_on(server)
        try:
            placeholder = login.button_for("deny")
            assert placeholder.disabled  # no consent page yet: not one of the page's buttons
            placeholder.click()
            assert login.model.error.startswith("No page is open yet")
            login._sign_in.click()
            assert login.button_for("approve") is login.buttons["Allow"]
            assert login.button_for("approveAlways") is login.buttons["Allow"]
            assert login._deny is login.buttons["Deny"]
            login._approve_once.click()  # IS 7 has no Approve Once: Allow is what grants
            assert server.recorder.posts[-1][1][-1] == ("consent", "approveAlways")
        finally:
            state.close()


def test_an_answer_by_its_wso2_value_is_said_by_the_page_s_label() -> None:
    for server in served("wso2_apim3"):
        state, login = panels_on(server)
        try:
            login._sign_in.click()
            login.model.choose("Maybe")
            assert login.model.error.startswith("The consent page offers 'Approve Once'")
            assert server.recorder.posts[-1][0] == "/commonauth"  # nothing more was sent
            login.model.choose("approveAlways")
            assert login.model.answer.startswith("You pressed Approve Always. 302 Found")
        finally:
            state.close()


def test_a_preset_says_what_its_product_does_with_the_answers() -> None:
    for server in served("wso2_is7"):
        state, login = panels_on(server)
        try:
            here = Endpoints.manual(
                issuer=server.url,
                authorization_endpoint=server.authorization_endpoint,
                token_endpoint=server.url + "/token",
            )
            state.use_preset(replace(wso2_identity_server(), endpoints=here))
            assert state.scope == "openid" and state.preset is not None
            state.use_application(Application("photo-printer", "s", redirect_uris=(CALLBACK,)))
            login._sign_in.click()
            assert login.model.status.endswith(
                "its page offers: Allow, Deny. On WSO2 Identity Server 7, Allow posts "
                "consent=approveAlways and is remembered: the next request for these scopes "
                "skips this page."
            )
            state.disconnect()
            assert state.preset is None
        finally:
            state.close()
