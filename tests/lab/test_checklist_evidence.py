"""Checklist verdicts against servers whose truth is known both ways, each reason holding
the evidence of its run. The small servers of `small_servers` show what ours cannot:
a login page moved to another URL, a login that takes any password, a server that
requires PKCE and grants nothing without scope."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from codegrant_kit.client import Flow, OAuthResponseError
from codegrant_kit.lab import ChecklistItem, run_checklist
from codegrant_kit.lab.scenario import CALLBACK

from .conftest import LabFactory
from .small_servers import SmallServer

SmallFactory = Callable[..., SmallServer]


@pytest.fixture
def small() -> Iterator[SmallFactory]:
    servers: list[SmallServer] = []

    def start(**options: Any) -> SmallServer:
        server = SmallServer(**options)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def only(server: SmallServer | str, key: str, **options: Any) -> ChecklistItem:
    url = server if isinstance(server, str) else server.url
    report = run_checklist(url, username="alice", password="sunshine", only=[key], **options)
    (item,) = report.items
    return item


# referrer_policy


def test_no_referrer_policy_but_a_moved_request_passes_and_says_so(small: SmallFactory) -> None:
    server = small(login_elsewhere=True)
    item = only(server, "referrer_policy")
    assert item.status == "pass", item.reason
    assert "No page sent a Referrer-Policy" in item.reason
    assert f"GET {server.url}/authorize (303): no Referrer-Policy" in item.reason
    assert f"GET {server.url}/login (200): no Referrer-Policy" in item.reason
    assert f"only because the server moved the request to {server.url}/login?sid=" in item.reason
    assert "keeps its URL" not in item.reason


def test_no_referrer_policy_on_the_authorize_page_fails_with_the_referer(
    small: SmallFactory,
) -> None:
    server = small()
    item = only(server, "referrer_policy")
    assert item.status == "fail", item.reason
    assert f"The login page {server.url}/authorize sent no Referrer-Policy" in item.reason
    assert f"Referer: {server.url}/authorize?" in item.reason and "&state=" in item.reason


def test_the_referrer_policy_seen_is_named(small: SmallFactory) -> None:
    server = small(referrer_policy="strict-origin-when-cross-origin")
    item = only(server, "referrer_policy")
    assert item.status == "pass", item.reason
    assert "sent Referrer-Policy: strict-origin-when-cross-origin" in item.reason
    # that policy still sends the origin to a third party, only the origin
    assert f"Referer: {server.url}/ to https://tracker.example/pixel.gif" in item.reason


# guessing_slowed


def test_a_login_that_takes_any_password_fails_guessing_and_says_so(small: SmallFactory) -> None:
    item = only(small(any_password=True), "guessing_slowed")
    assert item.status == "fail", item.reason
    assert "signed in with the first wrong password tried ('wrong-0-" in item.reason
    assert "The made-up user 'cgk-probe-" in item.reason
    assert "accepts any password" in item.reason
    assert "no lockout after" not in item.reason


def test_a_login_without_lockout_fails_guessing_with_its_answers(small: SmallFactory) -> None:
    item = only(small(), "guessing_slowed")
    assert item.status == "fail", item.reason
    assert "no lockout after 12 wrong passwords for 'cgk-probe-" in item.reason
    assert "Invalid username or password." in item.reason  # the server's own words
    assert "no lockout after 21 wrong client secrets" in item.reason
    assert "401 invalid_client: Client authentication failed." in item.reason


# consent_per_scope


@pytest.mark.parametrize(
    ("consent", "status", "evidence"),
    [
        ("ask", "pass", "a request for 'read' and 'write' got the consent page again"),
        ("drop", "pass", "no consent page; the token's scope is 'read', without 'write'."),
        ("widen", "fail", "no consent page; the token's scope is 'read write'."),
        (None, "skip", "The server asked no consent for scope 'read'"),
    ],
)
def test_remembered_consent_against_a_wider_scope(
    small: SmallFactory, consent: str | None, status: str, evidence: str
) -> None:
    item = only(small(scopes=("read", "write"), consent=consent), "consent_per_scope")
    assert item.status == status, item.reason
    assert evidence in item.reason
    if consent is not None:
        # no Approve Always on its page: approved once, which the server remembers
        assert "After approve (no Approve Always) for 'read'" in item.reason


# no_pkce_downgrade, scope


def test_a_server_that_requires_pkce_passes_the_downgrade_item(small: SmallFactory) -> None:
    server = small(require_pkce=True)
    item = only(server, "no_pkce_downgrade")
    assert item.status == "pass", item.reason
    assert "The server requires PKCE" in item.reason
    assert "error=invalid_request (PKCE is required: send a code_challenge.)" in item.reason
    assert "with a code_challenge got a code" in item.reason
    without, with_pkce = server.seen.authorizations[-2:]
    assert "code_challenge" not in without and with_pkce["code_challenge_method"] == "S256"


def test_every_probe_sends_pkce_and_a_scope(small: SmallFactory) -> None:
    """A server that refuses a request without PKCE and grants nothing without scope."""
    server = small(require_pkce=True, grant_without_scope=False, scopes=("read", "write"))
    report = run_checklist(server.url, username="alice", password="sunshine")
    assert report.items
    for item in report.items:
        if item.key != "no_pkce_downgrade":
            assert "no scope" not in item.reason, str(report)
            assert "PKCE is required" not in item.reason, str(report)
    for key in ("single_use_codes", "no_pkce_downgrade", "pkce_enforced", "exact_redirect_uri"):
        assert key in report.passed, str(report)
    requests = server.seen.authorizations
    # every scope listed; the consent probe asks for the first alone, then for both
    assert requests and {r.get("scope") for r in requests} == {"read write", "read"}
    # only the downgrade probe leaves PKCE out, once, then checks the same with it
    assert sum("code_challenge" not in r for r in requests) == 1


def test_the_scope_the_learner_names_is_sent(small: SmallFactory) -> None:
    server = small(grant_without_scope=False, scopes=())
    item = only(server, "single_use_codes", scope="photos")
    assert item.status == "pass", item.reason
    assert {r.get("scope") for r in server.seen.authorizations} == {"photos"}


def test_no_scope_to_send_skips_with_the_reason_not_a_deny(small: SmallFactory) -> None:
    item = only(small(grant_without_scope=False, scopes=()), "single_use_codes")
    assert item.status == "skip"
    assert "error=access_denied" in item.reason
    assert "nobody clicked Deny" in item.reason and "asked for no scope" in item.reason
    assert "The user clicked Deny" not in item.reason


def test_access_denied_after_no_scope_is_not_explained_as_a_deny(small: SmallFactory) -> None:
    server = small(grant_without_scope=False, scopes=())
    with Flow.discover(server.url) as flow:
        flow.register("No scope", redirect_uri=CALLBACK)
        flow.authorize()
        flow.open_authorization_page()
        flow.login("alice", "sunshine")
        response = flow.receive_redirect()
        assert response.error == "access_denied"
        assert response.explanation is not None
        cause = response.explanation.likely_cause
        assert cause.startswith("Nobody clicked Deny in this flow (no consent page was answered)")
        assert "asked for no scope" in cause
        with pytest.raises(OAuthResponseError) as caught:
            flow.token_request()
    assert caught.value.explanation is not None
    assert "asked for no scope" in caught.value.explanation.likely_cause
    assert "scopes_supported" in caught.value.explanation.fix


def test_a_deny_click_is_still_explained_as_one(lab: LabFactory) -> None:
    server = lab()
    with Flow.discover(server.url) as flow:
        flow.register("Denied", redirect_uri=CALLBACK)
        flow.authorize()
        flow.open_authorization_page()
        flow.login("alice", "sunshine")
        flow.consent("deny")
        response = flow.receive_redirect()
    assert response.explanation is not None
    assert response.explanation.likely_cause == "The user clicked Deny on the consent page."
