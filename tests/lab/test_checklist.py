"""The checklist: all pass on a default server, exactly one fail per lab switch, each
reason holding what its run saw."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from codegrant_kit.client import DiscoveryError
from codegrant_kit.lab import CHECKS, run_checklist
from codegrant_kit.lab.scenario import VICTIM
from codegrant_kit.server.switches import SWITCHES

from .conftest import LabFactory

# Our server, every defence on and each switch off: what each reason must hold of its run.
# {url} is the server's issuer.
OURS_HELD = {
    "pushed_requests": ["ignored (RFC 9126 4)", "still takes requests that were not pushed"],
    "assertion_audience_is_issuer": ["was answered 401 invalid_client", "must be the issuer"],
    "single_use_codes": ["was answered 400 invalid_grant", "now inactive: the theft shows"],
    "exact_redirect_uri": ["redirect_uri=https://client.example.com.evil.test/cb", "400"],
    "no_open_redirect": ["redirect_uri=https://attacker.example/phish", "400 Bad Request"],
    "login_csrf": ["403 Forbidden"],
    "no_pkce_downgrade": ["issued for a request without code_challenge", "400 invalid_grant"],
    "iss_in_response": ["The callback carried iss={url}"],
    "referrer_policy": ["{url}/authorize sent Referrer-Policy: no-referrer", "no Referer"],
    "no_tokens_in_urls": ["{url}/api/photos answered 400", "200 to the same token"],
    "guessing_slowed": ["locked after 10 wrong passwords", "locked after 20 wrong secrets"],
    "consent_per_scope": ["After Approve Always for 'photos:read'", "the consent page again"],
    "clickjacking": ["{url}/authorize sent Content-Security-Policy: frame-ancestors 'none'"],
    "pkce_enforced": ["code_verifier does not match", "code_challenge_methods_supported: S256"],
    "sender_constrained_tokens": ["Both replays were refused", "not the token's cnf.jkt"],
    "oidc_nonce": ["the ID token carries the same"],
    "oidc_signed": ["Signed RS256 with kid=", "a key of {url}/jwks"],
    "oidc_aud": ["aud is '", "azp: one audience"],
    "oidc_at_hash": ["the left half of the access token's hash"],
    "oidc_iss": ["iss '{url}' is the issuer {url}/.well-known/openid-configuration names"],
    "oidc_userinfo_sub": ["{url}/userinfo answered sub"],
    "oidc_prompt_none": ["error=login_required"],
    "audience_restricted": [
        "{url}/api/photos answered 401",
        "issued for {url}/api/calendar",
        "which its own API took (200)",
    ],
    "public_client_pkce": ["error=invalid_request", "a public client, which must use PKCE"],
    "cors_registered_origins": ["https://evil.example without Access-Control-Allow-Origin"],
}
OURS_SWITCHED = {
    "legacy_assertion_audience": ["made for another server, authenticated the attacker"],
    "code_replay": ["got an access token of its own (200)"],
    "regexp_redirect_uris": ["was accepted", "to the attacker's host: https://client.example.com"],
    "open_redirect": ["a redirect to the attacker's site: https://attacker.example/phish?"],
    "login_csrf": ["got: Consent page (200 OK)"],
    "pkce_downgrade": ["gave tokens for it", "the account they open: alice"],
    "no_iss": ["The callback carried no iss", "the account it opens: alice"],
    "referrer_leak": ["{url}/authorize sent no Referrer-Policy", "&state="],
    "token_in_query": ["{url}/api/photos answered 200 to the access token in the URL"],
    "no_throttle": ["no lockout after 12 wrong passwords", "Login failed", "401 invalid_client"],
    "consent_any_scope": ["came straight back with a code", "'photos:read profile'"],
    "framing": ["frame-ancestors *, so a browser shows it in a frame"],
    "no_dpop": ["the stolen token alone", "the server issued a bearer token"],
    "audience_unchecked": ["{url}/api/photos answered 200 to a token for {url}/api/calendar"],
    "public_client_no_pkce": ["gave its tokens to whoever sent the code with the client_id"],
    "cors_any_origin": ["Access-Control-Allow-Origin: https://evil.example"],
}


def test_default_server_passes_every_check(lab: LabFactory) -> None:
    server = lab()
    report = run_checklist(server)
    assert report.passed == tuple(check.key for check in CHECKS), str(report)
    assert report.failed == report.skipped == ()
    assert report.summary == f"{len(CHECKS)} passed, 0 failed, 0 skipped"
    # each reason says what this run saw
    assert set(OURS_HELD) == set(report.passed)
    for item in report.items:
        for evidence in OURS_HELD[item.key]:
            assert evidence.format(url=server.url) in item.reason, (item.key, item.reason)


def test_every_switch_has_exactly_one_check() -> None:
    switches = [check.switch for check in CHECKS if check.switch is not None]
    assert sorted(switches) == sorted(SWITCHES)


@pytest.mark.parametrize("switch", sorted(SWITCHES))
def test_each_switch_fails_exactly_its_check(lab: LabFactory, switch: str) -> None:
    server = lab(switch)
    report = run_checklist(server)
    expected = tuple(check.key for check in CHECKS if check.switch == switch)
    assert report.failed == expected, str(report)
    assert report.skipped == ()
    (failed,) = [item for item in report.items if item.status == "fail"]
    for evidence in OURS_SWITCHED[switch]:
        assert evidence.format(url=server.url) in failed.reason, (switch, failed.reason)


def test_plain_url_and_credentials(lab: LabFactory) -> None:
    server = lab()
    report = run_checklist(
        server.url,
        username=VICTIM.username,
        password=VICTIM.password,
        only=["single_use_codes", "no_tokens_in_urls"],
    )
    assert [item.key for item in report.items] == ["single_use_codes", "no_tokens_in_urls"]
    assert report.passed == ("single_use_codes",)
    # without an API URL there is nothing to send a token to: skipped, with the reason
    assert report.skipped == ("no_tokens_in_urls",)
    assert "API URL" in report.items[1].reason


def test_given_keys_instead_of_registration(lab: LabFactory) -> None:
    server = lab()
    report = run_checklist(
        server.url,
        username=VICTIM.username,
        password=VICTIM.password,
        client_id="weak-app",
        client_secret="secret",
        only=["single_use_codes", "login_csrf"],
    )
    assert report.passed == ("single_use_codes", "login_csrf"), str(report)
    assert any(c["client_id"] == "weak-app" for c in server.store.snapshot()["clients"])


def test_wrong_password_skips_with_the_reason(lab: LabFactory) -> None:
    report = run_checklist(lab(), username="alice", password="wrong", only=["single_use_codes"])
    assert report.skipped == ("single_use_codes",)
    assert "Login failed" in report.items[0].reason


def test_no_server_and_unknown_check(lab: LabFactory) -> None:
    server = lab()
    with pytest.raises(KeyError, match="no_such_check"):
        run_checklist(server, only=["no_such_check"])
    with pytest.raises(DiscoveryError):
        run_checklist("http://127.0.0.1:9/", username="a", password="b")


def test_report_text_and_html(lab: LabFactory) -> None:
    report = run_checklist(lab("framing"), only=["clickjacking", "referrer_policy"])
    text = str(report)
    framing = SWITCHES["framing"]  # the item is cited as the switch's record cites it
    assert f"FAIL  {framing.check_title} ({framing.source})" in text
    assert "PASS  Referrer-Policy" in text
    html = report._repr_html_()
    assert "✘ fail" in html and "✔ pass" in html and "<table" in html


def test_another_servers_issuer() -> None:
    """An RFC 8414 issuer that owes nothing to this kit (Authlib, Keycloak-like)."""
    pytest.importorskip("authlib")
    sys.path.insert(0, str(Path(__file__).parents[1] / "client"))
    from independent_server import IndependentServer

    with IndependentServer(users={"alice": "wonderland"}) as server:
        report = run_checklist(
            server.issuer, username="alice", password="wonderland", api_url=server.api_url
        )
    statuses = {item.key: item.status for item in report.items}
    assert len(statuses) == len(CHECKS)
    # Authlib does these right...
    for key in ("exact_redirect_uri", "no_open_redirect", "pkce_enforced", "iss_in_response"):
        assert statuses[key] == "pass", str(report)
    # ...and the small server around it sends no framing headers, never locks out, and
    # drops a used code without revoking what it gave (delete_authorization_code only)
    assert statuses["clickjacking"] == "fail"
    assert statuses["guessing_slowed"] == "fail"
    assert statuses["single_use_codes"] == "fail"
    # ...and knows no DPoP: its bearer token works from the thief's machine too
    assert statuses["sender_constrained_tokens"] == "fail"
    reasons = {item.key: item.reason for item in report.items}
    assert "400 invalid_grant" in reasons["single_use_codes"]
    assert "still active: the replay revoked nothing" in reasons["single_use_codes"]
