"""The kit's ID token check on real ID tokens from providers the kit did not write:
node-oidc-provider (a certified OpenID provider) and django-oauth-toolkit's OIDC.

Each flow is the kit's Flow and simulated browser through the provider's own login
and consent pages; the ID token then passes every step of check_id_token, userinfo
answers for the same sub, and the forgeries of the lab fail where they must."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator

import pytest

from codegrant_kit.client import Flow, fetch_userinfo
from codegrant_kit.client.jwt import tamper

from .fixtures import ThirdPartyServer


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def openid_scope(server: ThirdPartyServer) -> str:
    # DOT knows openid, read and write; node the standard claim scopes
    return "openid read" if server.name == "django-oauth-toolkit" else "openid profile email"


@pytest.fixture
def flow(thirdparty_server: ThirdPartyServer) -> Iterator[Flow]:
    server = thirdparty_server
    with Flow.discover(server.issuer, scope=openid_scope(server)) as flow:
        flow.use_application(server.application())
        flow.authorize()
        page = flow.open_authorization_page()
        assert page.kind == "login", server.log_tail()
        page = flow.login(server.username, server.password)
        while page.kind == "consent":
            page = flow.consent("approve")
        assert page.kind == "redirect", (page.kind, page.text[:500])
        flow.receive_redirect()
        flow.exchange_code()
        yield flow


def test_discovery_reads_openid_configuration_first(flow: Flow) -> None:
    first = flow.transcript.exchanges[0]
    assert first.request.url.path.endswith("/.well-known/openid-configuration")
    assert flow.endpoints.userinfo_endpoint and flow.endpoints.jwks_uri


def test_a_real_id_token_passes_every_step(flow: Flow, thirdparty_server: ThirdPartyServer) -> None:
    check = flow.check_id_token()
    assert check.valid, f"{thirdparty_server.name}: {check}"
    request = flow.authorization_request
    assert request is not None and check.claims["nonce"] == request.nonce
    assert check.claims["aud"] in (thirdparty_server.client_id, [thirdparty_server.client_id])
    assert check.claims["sub"] == thirdparty_server.subject
    outcomes = {step.name: step.outcome for step in check.steps}
    assert outcomes["signature"] == outcomes["iss"] == outcomes["nonce"] == "pass"
    assert outcomes["at_hash"] in ("pass", "skip")  # OPTIONAL in the code flow (3.1.3.6)

    info = flow.userinfo()
    assert info.sub == check.claims["sub"]


def test_forgeries_of_a_real_id_token_are_refused(flow: Flow) -> None:
    assert flow.tokens is not None and flow.tokens.id_token
    id_token = flow.tokens.id_token
    header, claims, _ = id_token.split(".")

    changed = flow.check_id_token(tamper(id_token, "sub", "admin"))
    assert [step.name for step in changed.failures] == ["signature"]

    unsigned = f"{b64url(json.dumps({'alg': 'none'}).encode())}.{claims}."
    assert [step.name for step in flow.check_id_token(unsigned).failures] == ["alg and kid"]

    # the RS256/HS256 key confusion, with the provider's own public key as the secret
    jwks = flow.fetch_jwks()
    kid = json.loads(base64.urlsafe_b64decode(header + "=="))["kid"]
    public = next(key for key in jwks["keys"] if key.get("kid") == kid)
    head = b64url(json.dumps({"alg": "HS256", "kid": kid}).encode())
    mac = hmac.new(json.dumps(public).encode(), f"{head}.{claims}".encode(), hashlib.sha256)
    confused = flow.check_id_token(f"{head}.{claims}.{b64url(mac.digest())}")
    assert [step.name for step in confused.failures] == ["alg and kid"]
    assert "key confusion" in confused.failures[0].problem

    # the genuine token, still valid: nothing above changed the flow's own
    assert flow.check_id_token().valid


def test_userinfo_wants_the_id_tokens_sub(flow: Flow) -> None:
    assert flow.tokens is not None
    info = fetch_userinfo(flow.endpoints, flow.tokens.access_token, expected_sub=None)
    with pytest.raises(Exception, match="MUST match"):
        fetch_userinfo(flow.endpoints, flow.tokens.access_token, expected_sub=info.sub + "-x")


def test_prompt_consent_brings_node_a_refresh_token_and_a_refreshed_id_token(
    node_oidc_server: ThirdPartyServer,
) -> None:
    # node-oidc-provider issues refresh tokens for offline_access only with
    # prompt=consent (OpenID Connect Core 11); a refresh then answers a new ID token
    server = node_oidc_server
    with Flow.discover(server.issuer, scope="openid offline_access") as flow:
        flow.use_application(server.application())
        request = flow.authorize(prompt="consent")
        assert ("prompt", "consent") in request.params()
        flow.open_authorization_page()
        page = flow.login(server.username, server.password)
        while page.kind == "consent":
            page = flow.consent("approve")
        flow.receive_redirect()
        assert flow.exchange_code().refresh_token
        first = flow.check_id_token()
        assert first.valid, str(first)
        assert flow.refresh().id_token
        refreshed = flow.check_id_token()
        assert refreshed.valid, str(refreshed)
        same = refreshed.step("same sign-in")
        assert same is not None and same.outcome == "pass"
        assert refreshed.claims["sub"] == first.claims["sub"]


def test_the_id_token_panel_on_each_provider(thirdparty_server: ThirdPartyServer) -> None:
    # the panels as a learner clicks them, with openid in the scope: the wizard's ID
    # token step checks the provider's token and asks its userinfo endpoint
    from panels.conftest import close, make_panels

    from codegrant_kit.panels import IdTokenPanel

    from .test_panels import GRANTING, click, sign_in

    server = thirdparty_server
    made = make_panels()
    id_panel = IdTokenPanel(made.state)
    try:
        made.state.connect(server.issuer)
        made.portal._callback.value = server.redirect_uri
        made.portal._key.value = server.client_id
        made.portal._secret.value = server.client_secret
        made.portal._use_keys.click()
        made.authorize._scope.value = openid_scope(server)
        assert made.authorize.model.nonce
        sign_in(made, server)
        click(made.login, GRANTING)
        made.redirect._check.click()
        made.token._send.click()
        assert made.token.model.error == "", made.token.model.error
        assert id_panel.model.nonce == made.authorize.model.nonce
        id_panel._check.click()
        assert id_panel.model.verdict == "valid", id_panel.model.error
        id_panel._userinfo.click()
        assert id_panel.model.error == "" and id_panel.model.userinfo["sub"]
        id_panel._tamper.click()
        id_panel._check.click()
        assert id_panel.model.verdict == "invalid" and "signature" in id_panel.model.error
    finally:
        id_panel.close()
        close(made)
