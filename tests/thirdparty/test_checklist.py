"""The RFC 9700 checklist against django-oauth-toolkit and node-oidc-provider.

Each expected verdict was established by reading the server, not by running the
checklist; the reason must hold the evidence of the run that gave it.

django-oauth-toolkit 3.4 (dot_site/settings.py leaves DOT's and Django's defaults):
- `invalidate_authorization_code` deletes the used grant; a replay finds nothing and
  revokes nothing (oauth2_validators.py): single_use_codes fails on its second half;
- the redirect URI is checked after Django's login ("Mismatching redirect URI");
- Django's CsrfViewMiddleware guards the login form; XFrameOptionsMiddleware sends
  X-Frame-Options: DENY; SecurityMiddleware sends Referrer-Policy: same-origin;
- PKCE_REQUIRED: "Code challenge required." for a request without one;
- COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS is False by default: no iss;
- oauthlib's bearer check takes `request.access_token`, which a query parameter
  sets (rfc6749/tokens.py): a token in the URL works;
- Django's login has no lockout; REQUEST_APPROVAL_PROMPT "force" asks consent
  every time;
- no DPoP: it ignores the proof and issues bearer tokens, which a thief replays.

node-oidc-provider (node_oidc/provider.mjs):
- a consumed code presented again revokes its grant (helpers/grant_source.js);
- pkce.required returns true; iss in every authorization response (RFC 9207);
- /auth answers 303 to /interaction/<uid>, a URL without state, and no page sends
  Referrer-Policy, X-Frame-Options or frame-ancestors (lib/views, lib/actions);
- devInteractions signs in `ctx.oidc.body.login` whatever the password
  (actions/interaction.js);
- "access tokens must not be provided via query parameter" (helpers/oidc_context.js);
- its interaction cookie binds the login form to the browser that opened it;
- features.dPoP: a token requested with a proof is bound to its key (cnf.jkt), and
  /me refuses it as Bearer and with another key's proof.

OpenID Connect (the oidc_ items; both do it):
- DOT 3.4 signs RS256 with the site's key, at_hash included; its prompt=none without
  a session reaches oauthlib's `validate_silent_login`, which DOT's validator does not
  implement: NotImplementedError, a 500 (oauth2_provider/views/base.py,
  oauthlib/openid/connect/core/request_validator.py);
- node-oidc-provider puts no at_hash in a code flow's ID token (so that item cannot
  be known: skipped), answers userinfo at /me, and login_required to prompt=none.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from codegrant_kit.client import Application, Flow
from codegrant_kit.lab import ChecklistReport, run_checklist
from codegrant_kit.lab.redirect_uri import regexp_redirect
from codegrant_kit.lab.scenario import Account, as_target

from .fixtures import ThirdPartyServer

# key: (status, what the reason must hold); {issuer} is the server's issuer
EXPECTED: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    "django-oauth-toolkit": {
        "single_use_codes": ("fail", ("400 invalid_grant", "still active: the replay revoked")),
        "exact_redirect_uri": ("pass", ("evil.test/cb got no code", "Mismatching redirect URI")),
        "no_open_redirect": ("pass", ("without going there", "Mismatching redirect URI")),
        "login_csrf": ("pass", ("403 Forbidden", "CSRF verification failed")),
        "no_pkce_downgrade": ("pass", ("requires PKCE", "(Code challenge required.)")),
        "iss_in_response": ("fail", ("The callback carried no iss",)),
        "referrer_policy": ("pass", ("/accounts/login/ sent Referrer-Policy: same-origin",)),
        "no_tokens_in_urls": ("fail", ("/api/hello answered 200 to the access token in the URL",)),
        "guessing_slowed": ("fail", ("no lockout after 12", "Please enter a correct username")),
        "consent_per_scope": ("pass", ("got the consent page again",)),
        "clickjacking": ("pass", ("/accounts/login/ sent X-Frame-Options: DENY",)),
        "pkce_enforced": ("pass", ("400 invalid_grant", "plain, S256")),
        "sender_constrained_tokens": ("fail", ("the server issued a bearer token",)),
        "assertion_audience_is_issuer": ("pass", ("lists no private_key_jwt",)),
        # neither lists protected_resources (RFC 9728 4) nor registers clients (RFC 7591)
        "audience_restricted": ("skip", ("fewer than two protected_resources",)),
        "public_client_pkce": ("skip", ("no registration_endpoint for a public client",)),
        "cors_registered_origins": ("skip", ("no registration_endpoint for a public client",)),
        "pushed_requests": ("fail", ("lists no pushed_authorization_request_endpoint",)),
        "oidc_nonce": ("pass", ("the ID token carries the same",)),
        "oidc_signed": ("pass", ("Signed RS256", "a key of {issuer}/.well-known/jwks.json")),
        "oidc_aud": ("pass", ("aud is 'codegrant-kit-",)),
        "oidc_at_hash": ("pass", ("the left half of the access token's hash",)),
        "oidc_iss": ("pass", ("iss '{issuer}' is the issuer",)),
        "oidc_userinfo_sub": ("pass", ("{issuer}/userinfo/ answered sub",)),
        "oidc_prompt_none": ("fail", ("500 Internal Server Error", "error=login_required")),
    },
    "node-oidc-provider": {
        "single_use_codes": ("pass", ("400 invalid_grant", "now inactive: the theft shows")),
        "exact_redirect_uri": ("pass", ("evil.test/cb got no code", "invalid_redirect_uri")),
        "no_open_redirect": ("pass", ("without going there", "invalid_redirect_uri")),
        "login_csrf": ("pass", ("interaction session id cookie not found",)),
        "no_pkce_downgrade": ("pass", ("requires PKCE", "policy requires PKCE")),
        "iss_in_response": ("pass", ("The callback carried iss={issuer},",)),
        "referrer_policy": (
            "pass",
            (
                "No page sent a Referrer-Policy",
                "GET {issuer}/auth (303): no Referrer-Policy",
                "only because the server moved the request to {issuer}/interaction/",
            ),
        ),
        "no_tokens_in_urls": ("pass", ("must not be provided via query parameter",)),
        "guessing_slowed": (
            "fail",
            ("signed in with the first wrong password tried", "accepts any password"),
        ),
        "consent_per_scope": ("pass", ("got the consent page again",)),
        "clickjacking": ("fail", ("sent neither frame-ancestors nor X-Frame-Options",)),
        "pkce_enforced": ("pass", ("400 invalid_grant", "code_challenge_methods_supported: S256")),
        "sender_constrained_tokens": ("pass", ("Both replays were refused",)),
        # it takes private_key_jwt (and, in 9.13, the old audiences too: its
        # lib/shared/jwt_client_auth.js), but the check needs a registration endpoint
        "assertion_audience_is_issuer": ("skip", ("has no registration_endpoint",)),
        # neither lists protected_resources (RFC 9728 4) nor registers clients (RFC 7591)
        "audience_restricted": ("skip", ("fewer than two protected_resources",)),
        "public_client_pkce": ("skip", ("no registration_endpoint for a public client",)),
        "cors_registered_origins": ("skip", ("no registration_endpoint for a public client",)),
        "pushed_requests": ("pass", ("ignored (RFC 9126 4)", "still takes requests")),
        "oidc_nonce": ("pass", ("the ID token carries the same",)),
        "oidc_signed": ("pass", ("Signed RS256 with kid='keystore-CHANGE-ME'", "{issuer}/jwks")),
        "oidc_aud": ("pass", ("aud is 'codegrant-kit-",)),
        "oidc_at_hash": ("skip", ("carries no at_hash", "OPTIONAL")),
        "oidc_iss": ("pass", ("iss '{issuer}' is the issuer",)),
        "oidc_userinfo_sub": ("pass", ("{issuer}/me answered sub 'alice'",)),
        "oidc_prompt_none": ("pass", ("error=login_required",)),
    },
}


@pytest.fixture(scope="module")
def report(thirdparty_server: ThirdPartyServer) -> ChecklistReport:
    """One run per server, as a learner starts it: the keys from its portal, no scope."""
    server = thirdparty_server
    return run_checklist(
        server.issuer,
        username=server.username,
        password=server.password,
        client_id=server.client_id,
        client_secret=server.client_secret,
        redirect_uri=server.redirect_uri,
        api_url=server.api_url,
    )


def test_every_item_gets_the_verdict_its_server_deserves(
    thirdparty_server: ThirdPartyServer, report: ChecklistReport
) -> None:
    expected = EXPECTED[thirdparty_server.name]
    assert {item.key: item.status for item in report.items} == {
        key: status for key, (status, _) in expected.items()
    }, str(report)
    # skipped only where the server lacks what the check needs (said in EXPECTED)
    assert report.skipped == tuple(k for k, (status, _) in expected.items() if status == "skip")


def test_every_reason_holds_its_runs_evidence(
    thirdparty_server: ThirdPartyServer, report: ChecklistReport
) -> None:
    expected = EXPECTED[thirdparty_server.name]
    for item in report.items:
        for evidence in expected[item.key][1]:
            wanted = evidence.format(issuer=thirdparty_server.issuer)
            assert wanted in item.reason, (item.key, item.reason)
        # the probes asked for scope and used PKCE: no refusal for lack of either
        assert "asked for no scope" not in item.reason
        assert "clicked Deny" not in item.reason or "nobody clicked Deny" in item.reason


def _denied(server: ThirdPartyServer, scope: str | None, choice: str | None) -> str:
    """Sign in to node-oidc-provider, answer its consent page if one comes: the cause given."""
    with Flow.discover(server.issuer) as flow:
        flow.use_application(server.application(), redirect_uri=server.redirect_uri)
        flow.authorize(scope=scope)
        flow.open_authorization_page()
        page = flow.login(server.username, server.password)
        if choice is not None:
            assert page.kind == "consent", page.describe()
            flow.consent(choice)
        response = flow.receive_redirect()
    assert response.error == "access_denied" and response.explanation is not None
    return response.explanation.likely_cause


def test_access_denied_without_scope_is_no_deny_click(node_oidc_server: ThirdPartyServer) -> None:
    """node-oidc-provider grants nothing to a request without scope, and says access_denied
    straight after the login, with no consent page: nobody clicked Deny."""
    cause = _denied(node_oidc_server, None, None)
    assert cause.startswith("Nobody clicked Deny in this flow (no consent page was answered)")
    assert "asked for no scope" in cause


def test_its_cancel_is_explained_as_the_refusal_it_is(node_oidc_server: ThirdPartyServer) -> None:
    cause = _denied(node_oidc_server, "openid", "deny")
    assert cause == "The user clicked '[ Cancel ]' on the consent page, which refuses."


def test_a_server_without_registration_is_not_said_to_refuse_the_pattern(dot_server) -> None:
    # DOT has no registration endpoint: the loose pattern was never refused, it could
    # not be tried, and the attack runs on the fixture's own client
    application = Application.manual(
        dot_server.client_id, dot_server.client_secret, dot_server.redirect_uri
    )
    account = Account(dot_server.username, dot_server.password)
    target = replace(
        as_target(dot_server.issuer),
        victim=account,
        attacker=account,
        application=application,
        redirect_uri=dot_server.redirect_uri,
        scope=dot_server.scope,
    )
    result = regexp_redirect(target)
    [tried] = [step for step in result.steps if step.startswith("the developer tries it")]
    assert "could not be tried" in tried and "refused" not in tried
    assert f"the client uses {dot_server.redirect_uri} exactly" in tried
    assert not result.succeeded
