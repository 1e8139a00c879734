"""The ID token panel, driven from code (button.click()), on a flow through Authlib's
OpenID provider; the wizard adds it once the scope asks for openid."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codegrant_kit.panels import (
    AuthorizePanel,
    FlowState,
    IdTokenModel,
    IdTokenPanel,
    LoginPanel,
    PortalPanel,
    RedirectPanel,
    Step,
    TokenPanel,
    Wizard,
)

sys.path.insert(0, str(Path(__file__).parent.parent / "client"))
from independent_server import IndependentServer

CALLBACK = "https://client.example.com/cb"
SCOPE = "openid profile photos"


@dataclass
class OpenIdPanels:
    state: FlowState
    authorize: AuthorizePanel
    id_token: IdTokenPanel

    def close(self) -> None:
        self.id_token.close()
        self.authorize.close()
        self.state.close()


@pytest.fixture(scope="module")
def server() -> Iterator[IndependentServer]:
    with IndependentServer(users={"alice": "wonderland"}) as server:
        yield server


def through_the_panels(server: IndependentServer, scope: str = SCOPE) -> OpenIdPanels:
    """Connect, register, build the URL, sign in, approve, check the redirect, send."""
    state = FlowState(scope=scope)
    state.connect(server.issuer)
    portal, authorize = PortalPanel(state), AuthorizePanel(state)
    login, redirect, token = LoginPanel(state), RedirectPanel(state), TokenPanel(state)
    id_token = IdTokenPanel(state)
    portal._callback.value = CALLBACK
    portal._code.value = True
    portal._generate.click()
    assert portal.model.error == ""
    authorize._scope.value = scope
    login._username.value, login._password.value = "alice", "wonderland"
    login._sign_in.click()
    login.buttons["Approve Once"].click()
    redirect._check.click()
    assert redirect.model.error == "", redirect.model.error
    token._send.click()
    assert token.model.error == "", token.model.error
    for panel in (portal, login, redirect, token):
        panel.close()
    return OpenIdPanels(state, authorize, id_token)


@pytest.fixture
def panels(server: IndependentServer) -> Iterator[OpenIdPanels]:
    made = through_the_panels(server)
    yield made
    made.close()


def test_the_authorize_panel_sends_a_nonce_with_openid(panels: OpenIdPanels) -> None:
    model = panels.authorize.model
    assert model.nonce and parse_qs(urlsplit(model.url).query)["nonce"] == [model.nonce]
    assert "nonce" in {note[0] for note in model.notes}
    assert panels.id_token.model.nonce == model.nonce
    old = model.nonce
    panels.authorize._new_state.click()
    assert model.nonce and model.nonce != old


def test_a_real_id_token_checked_step_by_step_then_userinfo(panels: OpenIdPanels) -> None:
    model, view = panels.id_token.model, panels.id_token
    tokens = panels.state.tokens
    assert tokens is not None and model.id_token == tokens.id_token
    assert model.header["alg"] == "RS256" and model.claims["sub"] == "alice"
    view._userinfo.click()
    assert "Check the ID token first" in model.error and model.userinfo == {}

    view._check.click()
    assert model.verdict == "valid", model.error
    assert model.error == "" and "VALID" in model.status
    steps = [row[1] for row in model.rows]
    assert steps[:4] == ["split and decode", "alg and kid", "key", "signature"]
    assert {"iss", "aud", "exp", "iat", "nonce", "at_hash"} <= set(steps)
    assert all(row[4].startswith(("OpenID Connect Core", "RFC")) for row in model.rows)
    # the panel shows the client layer's check, step for step
    check = panels.state.id_token_check
    assert check is not None and [row[1] for row in model.rows] == [s.name for s in check.steps]
    assert "nonce" in view.children[7].value  # the steps table

    view._userinfo.click()
    assert model.error == "" and model.userinfo["sub"] == "alice"
    assert "the ID token's" in model.status


def test_tampering_breaks_the_signature_and_userinfo_is_refused(panels: OpenIdPanels) -> None:
    model, view = panels.id_token.model, panels.id_token
    view._tamper.click()
    assert model.claims["sub"] == "mallory"
    view._check.click()
    assert model.verdict == "invalid"
    assert "signature: The signature does not match" in model.error
    assert "Traceback" not in model.error
    view._userinfo.click()
    assert "Check the ID token first" in model.error
    tokens = panels.state.tokens
    assert tokens is not None and tokens.id_token
    view._token.value = tokens.id_token
    view._check.click()
    assert model.verdict == "valid"


def test_a_stated_clock_skew_of_its_own(panels: OpenIdPanels) -> None:
    model = panels.id_token.model
    model.clock_skew = 5
    panels.id_token._check.click()
    assert any("clock skew 5 s" in row[3] for row in model.rows)


def test_nothing_to_check_is_said_in_words(server: IndependentServer) -> None:
    plain = through_the_panels(server, scope="photos")
    try:
        model = plain.id_token.model
        assert "no id_token" in model.status and str(Step.AUTHORIZE) in model.status
        plain.id_token._check.click()
        assert model.error.startswith("No ID token yet") and model.verdict == ""
        plain.id_token._tamper.click()
        assert model.error == "There is no ID token to tamper with."
        model.id_token = "not.a.jwt"
        plain.id_token._check.click()
        assert model.verdict == "invalid" and "base64url" in model.error
    finally:
        plain.close()


def test_the_wizard_adds_the_id_token_step_when_the_scope_asks_for_openid() -> None:
    made = Wizard()
    try:
        count = len(Step) - 1
        assert Step.ID_TOKEN not in {panel.step for panel in made.panels}
        authorize = made.panels[Step.AUTHORIZE.number - 1]
        assert isinstance(authorize, AuthorizePanel)
        authorize._scope.value = "PRODUCTION openid"
        shown = made.panels[-1]
        assert isinstance(shown, IdTokenPanel) and shown.shared is made.shared
        assert made._stack.children[-1] is shown
        for _ in range(10):
            made._next.click()
        assert made.model.step == count and made._next.disabled
        assert f"Step {Step.ID_TOKEN.number} of {count + 1}: ID token" in made._where.value
        # kept once added
        authorize._scope.value = "PRODUCTION"
        assert made.panels[-1] is shown
    finally:
        made.close()


_MODEL = IdTokenModel(FlowState())  # one model for every example: no server, no flow


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)),
        st.lists(st.text(alphabet="eyJ0=.-_" + "abc", max_size=40), max_size=4).map(".".join),
        st.sampled_from(["e30." + "W" * 60_000 + ".", "e30.eyJuIjogOTk5OTk5OTk5OTk5OTk5fQ."]),
    )
)
def test_hostile_text_in_the_id_token_box_is_said_in_words(text: str) -> None:
    model = _MODEL
    model.id_token = text
    model.check()
    model.tamper()
    assert "Traceback" not in model.error
    assert model.verdict in ("", "invalid")
