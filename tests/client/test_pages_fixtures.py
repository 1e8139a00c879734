"""The Flow against the login and consent pages of WSO2 IS 7, WSO2 API Manager 3.x,
Keycloak 26, Spring Authorization Server and django-oauth-toolkit, made from their
public templates (page_fixtures/), served on a real socket: each page is recognised,
each answer it offers sends exactly what a browser sends for that click, and the
server's rule for that answer brings a code or access_denied back to the client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fixture_pages import PASSWORD, USERNAME, FixtureServer, Posted, served

from codegrant_kit.client import Application, BrowserError, Endpoints, Flow

REDIRECT_URI = "https://client.example.com/cb"

WSO2_IS7_LOGIN = [
    ("usernameUserInput", USERNAME),
    ("username", USERNAME),
    ("password", PASSWORD),
    ("sessionDataKey", "8b1f1a3e-4c3a-4a53-9d3e-2f7c6b1f0a11"),
]
WSO2_IS7_CONSENT = [
    ("user_claims_consent", "true"),
    ("consent_0", "on"),  # the mandatory claim, checked; the optional email left as served
    ("sessionDataKeyConsent", "5c1e0f6a-2b7d-4e11-8f0c-4f1d7b2a9e33"),
]
WSO2_APIM3_LOGIN = [
    ("username", USERNAME),
    ("password", PASSWORD),
    ("sessionDataKey", "0d6f2a57-93b4-4b4b-a1c2-7e5b8d9c0f12"),
]
WSO2_APIM3_CONSENT = [
    ("hasApprovedAlways", "false"),
    ("sessionDataKeyConsent", "3a7c9e21-5d4f-4c6b-9a8e-1f2b3c4d5e6f"),
]
KEYCLOAK_LOGIN = [("username", USERNAME), ("password", PASSWORD), ("credentialId", "")]
SPRING_LOGIN = [
    ("_csrf", "v1F6nC3kq9QeWb8xYt2Zr5LmHs0A"),
    ("username", USERNAME),
    ("password", PASSWORD),
]
SPRING_CONSENT = [("client_id", "photo-printer"), ("state", "Ym9vdHN0cmFw")]
DOT_LOGIN = [
    ("csrfmiddlewaretoken", "Qm9va3NoZWxmLWNzcmYtdG9rZW4tZm9yLXRlc3Rz"),
    ("username", USERNAME),
    ("password", PASSWORD),
    ("next", "/o/authorize/?response_type=code&client_id=photo-printer"),
]
DOT_CONSENT = [
    ("csrfmiddlewaretoken", "Q29uc2VudC1jc3JmLXRva2VuLWZvci10ZXN0cw"),
    ("redirect_uri", "https://client.example.com/cb"),
    ("scope", "read write"),
    ("nonce", ""),
    ("client_id", "photo-printer"),
    ("state", "c3RhdGUtb2YtdGhlLWZpeHR1cmU"),
    ("response_type", "code"),
    ("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
    ("code_challenge_method", "S256"),
    ("claims", ""),
]

# product: (the login posts, the consent page's labels)
PAGES: dict[str, tuple[list[Posted], list[str]]] = {
    "wso2_is7": ([WSO2_IS7_LOGIN], ["Allow", "Deny"]),
    "wso2_apim3": ([WSO2_APIM3_LOGIN], ["Approve Once", "Approve Always", "Deny"]),
    "keycloak26": ([KEYCLOAK_LOGIN], ["Yes", "No"]),
    "keycloak26_username_first": (
        [[("username", USERNAME)], [("password", PASSWORD)]],
        ["Yes", "No"],
    ),
    "spring": ([SPRING_LOGIN], ["Submit Consent", "Cancel"]),
    "dot": ([DOT_LOGIN], ["Cancel", "Authorize"]),
}

# (product, what the learner passes to consent(), scopes, the consent form posted,
#  whether the server grants)
ANSWERS = [
    # IS 7 shows Allow and Deny only; Allow posts approveAlways whatever is asked
    ("wso2_is7", "approve", None, [*WSO2_IS7_CONSENT, ("consent", "approveAlways")], True),
    ("wso2_is7", "Allow", None, [*WSO2_IS7_CONSENT, ("consent", "approveAlways")], True),
    ("wso2_is7", "approveAlways", None, [*WSO2_IS7_CONSENT, ("consent", "approveAlways")], True),
    ("wso2_is7", "deny", None, [*WSO2_IS7_CONSENT, ("consent", "deny")], False),
    ("wso2_apim3", "approve", None, [*WSO2_APIM3_CONSENT, ("consent", "approve")], True),
    ("wso2_apim3", "Approve Once", None, [*WSO2_APIM3_CONSENT, ("consent", "approve")], True),
    (
        "wso2_apim3",
        "approveAlways",
        None,
        [*WSO2_APIM3_CONSENT, ("consent", "approveAlways")],
        True,
    ),
    ("wso2_apim3", "deny", None, [*WSO2_APIM3_CONSENT, ("consent", "deny")], False),
    # Keycloak's buttons have no value: the click sends accept= or cancel=
    ("keycloak26", "approve", None, [("code", "Zk3n-SgLqW.1a2b3c"), ("accept", "")], True),
    ("keycloak26", "Yes", None, [("code", "Zk3n-SgLqW.1a2b3c"), ("accept", "")], True),
    ("keycloak26", "No", None, [("code", "Zk3n-SgLqW.1a2b3c"), ("cancel", "")], False),
    (
        "keycloak26_username_first",
        "deny",
        None,
        [("code", "Zk3n-SgLqW.1a2b3c"), ("cancel", "")],
        False,
    ),
    # Spring: granting ticks the scope boxes (all, or those named); the previously
    # approved one is disabled and never sent; Cancel resets the form and submits it
    (
        "spring",
        "approve",
        None,
        [*SPRING_CONSENT, ("scope", "photos.read"), ("scope", "photos.write")],
        True,
    ),
    (
        "spring",
        "Submit Consent",
        ["photos.read"],
        [*SPRING_CONSENT, ("scope", "photos.read")],
        True,
    ),
    ("spring", "Cancel", None, SPRING_CONSENT, False),
    ("spring", "deny", None, SPRING_CONSENT, False),
    # django-oauth-toolkit: Authorize sends allow=Authorize; Cancel has no name
    ("dot", "approve", None, [*DOT_CONSENT, ("allow", "Authorize")], True),
    ("dot", "Authorize", None, [*DOT_CONSENT, ("allow", "Authorize")], True),
    ("dot", "Cancel", None, DOT_CONSENT, False),
]


@pytest.fixture(scope="module", params=sorted(PAGES))
def product(request: pytest.FixtureRequest) -> Iterator[tuple[str, FixtureServer]]:
    for server in served(request.param):
        yield request.param, server


def flow_against(server: FixtureServer) -> Flow:
    endpoints = Endpoints.manual(
        issuer=server.url,
        authorization_endpoint=server.authorization_endpoint,
        token_endpoint=server.url + "/token",
    )
    application = Application("photo-printer", "secret", redirect_uris=(REDIRECT_URI,))
    return Flow(endpoints, application=application, scope="openid photos")


def signed_in_flow(server: FixtureServer) -> Flow:
    flow = flow_against(server)
    server.recorder.posts.clear()
    flow.authorize()
    page = flow.open_authorization_page()
    assert page.kind == "login", page.describe()
    page = flow.login(USERNAME, PASSWORD)
    assert page.kind == "consent", page.describe()
    return flow


def test_each_page_is_recognised_and_the_login_sends_what_a_browser_sends(
    product: tuple[str, FixtureServer],
) -> None:
    name, server = product
    logins, labels = PAGES[name]
    with signed_in_flow(server) as flow:
        page = flow.browser.page
        assert page is not None
        assert [posted for _, posted in server.recorder.posts] == logins
        assert [choice.label for choice in page.consent_choices] == labels
        # each answer says whether it grants; the describe() names them all
        assert [choice.grants for choice in page.consent_choices].count(False) == 1
        for label in labels:
            assert repr(label) in page.describe()


@pytest.mark.parametrize(("name", "choice", "scopes", "posted", "granted"), ANSWERS)
def test_each_answer_sends_exactly_its_click_and_the_flow_completes(
    name: str, choice: str, scopes: list[str] | None, posted: Posted, granted: bool
) -> None:
    for server in served(name):
        with signed_in_flow(server) as flow:
            page = flow.browser.consent(choice, scopes=scopes)
            assert page.kind == "redirect", page.describe()
            assert server.recorder.posts[-1][1] == posted
            response = flow.receive_redirect()
            assert response.ok is granted
            assert response.error == (None if granted else "access_denied")
            # the state is the one this flow sent: the kit's check passed
            assert flow.authorization_request is not None
            assert response.state == flow.authorization_request.state


def test_an_answer_the_page_does_not_offer_is_refused_with_the_page_s_own_labels() -> None:
    for server in served("wso2_is7"):
        with signed_in_flow(server) as flow:
            with pytest.raises(
                BrowserError, match=r"offers 'Allow' \(consent=approveAlways\), 'Deny'"
            ):
                flow.consent("Approve Once")
            assert len(server.recorder.posts) == 1  # only the login: nothing was sent


def test_a_wrong_password_brings_the_login_page_back_as_a_retry() -> None:
    for server in served("keycloak26"):
        with flow_against(server) as flow:
            flow.authorize()
            flow.open_authorization_page()
            page = flow.login(USERNAME, "wrong")
            assert page.kind == "retry"
            assert page.login_form is not None and page.login_form.has_password


def test_an_unknown_username_on_a_username_first_page_is_a_retry() -> None:
    for server in served("keycloak26_username_first"):
        with flow_against(server) as flow:
            flow.authorize()
            flow.open_authorization_page()
            page = flow.login("mallory", PASSWORD)
            assert page.kind == "retry"
            assert server.recorder.posts[-1][1] == [("username", "mallory")]
