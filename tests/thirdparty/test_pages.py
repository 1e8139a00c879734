"""The kit's page reader and login panel on django-oauth-toolkit's and
node-oidc-provider's real pages: the consent page is recognised by what it is (node's
is a POST with a hidden prompt=consent and one Continue button, its Cancel a link),
each answer it offers is a button, and each sends what a browser sends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from codegrant_kit.client import Flow, Page
from codegrant_kit.panels import AuthorizePanel, FlowState, LoginPanel

from .fixtures import ThirdPartyServer

# the answers each server's consent page offers, as it labels them; the refusing one
ANSWERS = {
    "django-oauth-toolkit": (["Cancel", "Authorize"], "Cancel"),
    "node-oidc-provider": (["Continue", "[ Cancel ]"], "[ Cancel ]"),
}


@pytest.fixture
def flow(thirdparty_server: ThirdPartyServer) -> Iterator[Flow]:
    with Flow.discover(
        thirdparty_server.issuer,
        application=thirdparty_server.application(),
        scope=thirdparty_server.scope,
    ) as flow:
        yield flow


def consent_page(flow: Flow, server: ThirdPartyServer) -> Page:
    flow.authorize()
    page = flow.open_authorization_page()
    assert page.kind == "login", page.describe()
    page = flow.login(server.username, server.password)
    assert page.kind == "consent", page.describe()
    return page


def test_the_consent_page_is_recognised_with_its_own_answers(
    flow: Flow, thirdparty_server: ThirdPartyServer
) -> None:
    page = consent_page(flow, thirdparty_server)
    labels, refusing = ANSWERS[thirdparty_server.name]
    assert [choice.label for choice in page.consent_choices] == labels
    assert [c.label for c in page.consent_choices if c.grants is False] == [refusing]
    form = page.consent_form
    assert form is not None
    if thirdparty_server.name == "node-oidc-provider":
        # issue 12's case: no field named consent, a hidden prompt and one button
        assert form.method == "POST" and form.hidden == {"prompt": "consent"}
        assert not form.named("consent")


def test_refusing_brings_access_denied_back(
    flow: Flow, thirdparty_server: ThirdPartyServer
) -> None:
    consent_page(flow, thirdparty_server)
    page = flow.consent("deny")
    assert page.kind == "redirect", page.describe()
    response = flow.receive_redirect()
    assert response.error == "access_denied" and response.code is None
    request = flow.authorization_request
    assert request is not None and response.state == request.state
    sent = flow.transcript.exchanges
    if thirdparty_server.name == "node-oidc-provider":
        # the Cancel link is followed: a GET of the interaction's abort URL
        abort = next(e for e in sent if e.request.url.path.endswith("/abort"))
        assert abort.request.method == "GET"
    else:
        # DOT's Cancel has no name: the form goes without allow
        posted = [e for e in sent if e.request.method == "POST"][-1].request
        assert b"allow=" not in posted.content and b"csrfmiddlewaretoken=" in posted.content


def test_the_login_panel_offers_the_server_s_answers_as_buttons(
    thirdparty_server: ThirdPartyServer,
) -> None:
    server = thirdparty_server
    state = FlowState(scope=server.scope)
    try:
        authorize = AuthorizePanel(state)
        login = LoginPanel(state)
        state.connect(server.issuer)
        state.use_application(server.application())
        authorize._scope.value = server.scope  # the panel's own default is PRODUCTION
        login._username.value = server.username
        login._password.value = server.password
        login._sign_in.click()
        assert login.model.error == "", login.model.error
        labels, refusing = ANSWERS[server.name]
        assert list(login.buttons) == labels
        assert login.buttons[refusing].button_style == "warning"
        grant = next(label for label in labels if label != refusing)
        login.buttons[grant].click()
        assert login.model.error == "" and login.model.page_kind == "redirect"
        assert state.receive_redirect().ok
    finally:
        state.close()
