"""The RFC 9700 checklist against two servers the kit did not write, whose truth is known.

Each verdict below was read off the server's own behaviour, not the checklist's: the
headers its pages send (curl shows them), its settings (dot_site/settings.py,
node_oidc/provider.mjs) and its documented defaults. Each reason must be built from
the evidence of the run: the header value seen, the guess that signed in, the iss
received.
"""

from __future__ import annotations

import pytest

from codegrant_kit.lab.checklist import ChecklistReport, run_checklist

from .fixtures import ThirdPartyServer

# item: (DOT, node-oidc-provider)
TRUTH = {
    # both refuse a second use of a code (RFC 6749 4.1.2 MUST)
    "single_use_codes": ("pass", "pass"),
    # both compare redirect URIs exactly: a look-alike host gets an error page
    "exact_redirect_uri": ("pass", "pass"),
    "no_open_redirect": ("pass", "pass"),
    # Django's CSRF middleware; node's interaction cookie
    "login_csrf": ("pass", "pass"),
    # both configured to require PKCE (DOT's default; node's for this client)
    "no_pkce_downgrade": ("pass", "pass"),
    # RFC 9207: node sends iss; DOT only with COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS
    "iss_in_response": ("fail", "pass"),
    # DOT: SecurityMiddleware sends Referrer-Policy: same-origin; node sends none, but
    # moves the request off its URL to /interaction/<uid> before any page is drawn
    "referrer_policy": ("pass", "pass"),
    # oauthlib takes access_token from the query; node refuses it there
    "no_tokens_in_urls": ("fail", "pass"),
    # no lockout in Django without an add-on; node's dev login takes any password
    "guessing_slowed": ("fail", "fail"),
    # neither has Approve Always; a wider scope asks again
    "consent_per_scope": ("pass", "pass"),
    # DOT: X-Frame-Options: DENY; node's dev pages send neither it nor frame-ancestors
    "clickjacking": ("pass", "fail"),
    "pkce_enforced": ("pass", "pass"),
}


@pytest.fixture(scope="module")
def report(thirdparty_server: ThirdPartyServer) -> ChecklistReport:
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


def verdicts(report: ChecklistReport) -> dict[str, str]:
    return {item.key: item.status for item in report.items}


def reason(report: ChecklistReport, key: str) -> str:
    return next(item.reason for item in report.items if item.key == key)


def test_every_item_gets_the_verdict_the_server_earns(
    report: ChecklistReport, thirdparty_server: ThirdPartyServer
):
    column = 0 if thirdparty_server.name == "django-oauth-toolkit" else 1
    expected = {key: truth[column] for key, truth in TRUTH.items()}
    assert set(verdicts(report)) == set(expected), "a checklist item without a known truth"
    wrong = {
        key: f"{status} ({reason(report, key)})"
        for key, status in verdicts(report).items()
        if status != expected[key]
    }
    assert not wrong, wrong


def test_the_reasons_name_what_was_seen(
    report: ChecklistReport, thirdparty_server: ThirdPartyServer
):
    server = thirdparty_server
    if server.name == "django-oauth-toolkit":
        assert "Referrer-Policy: same-origin" in reason(report, "referrer_policy")
        assert "X-Frame-Options: DENY" in reason(report, "clickjacking")
        assert "no iss" in reason(report, "iss_in_response")
        assert "no lockout after 12 wrong passwords" in reason(report, "guessing_slowed")
        assert "Please enter a correct username and password" in reason(report, "guessing_slowed")
        assert "Code challenge required." in reason(report, "no_pkce_downgrade")
        assert "answered 200" in reason(report, "no_tokens_in_urls")
        # DOT checks the request after the sign-in: its error page is the refusal
        assert "Mismatching redirect URI" in reason(report, "exact_redirect_uri")
    else:
        assert "no Referrer-Policy" in reason(report, "referrer_policy")
        assert "/interaction/" in reason(report, "referrer_policy")
        assert "neither frame-ancestors nor X-Frame-Options" in reason(report, "clickjacking")
        assert f"iss={server.issuer}" in reason(report, "iss_in_response")
        # the first wrong password signed in: no lockout could count the others
        assert "signed in with the first wrong password" in reason(report, "guessing_slowed")
        assert "accepts any password" in reason(report, "guessing_slowed")
        assert "requires PKCE to be used" in reason(report, "no_pkce_downgrade")
        assert "answered 400" in reason(report, "no_tokens_in_urls")
        assert "did not match any of the client's registered" in reason(
            report, "exact_redirect_uri"
        )
    assert server.issuer in str(report)
