"""The checklist's OpenID Connect items, against servers whose truth is known both ways.

The kit's server gets each right (pass); `BrokenProvider(defect)` is the same server
with one known defect, and exactly the item about it fails; a plain OAuth server
(the mix-up lab's) does no OpenID Connect, and every item is skipped, saying so.
"""

from __future__ import annotations

import pytest

from codegrant_kit.lab import CHECKS, MaliciousServer, run_checklist

from .broken_provider import DEFECTS, BrokenProvider
from .conftest import LabFactory

OIDC = tuple(check.key for check in CHECKS if check.key.startswith("oidc_"))
# the item each defect must fail
FAILS = {
    "nonce": "oidc_nonce",
    "alg_none": "oidc_signed",
    "aud": "oidc_aud",
    "at_hash": "oidc_at_hash",
    "iss": "oidc_iss",
    "userinfo_sub": "oidc_userinfo_sub",
    "prompt_none": "oidc_prompt_none",
}


def test_the_items_are_listed_after_rfc_9700s() -> None:
    assert tuple(FAILS.values()) == OIDC
    assert [check.key for check in CHECKS][-len(OIDC) :] == list(OIDC)
    assert set(FAILS) == set(DEFECTS)


def test_the_kits_server_passes_each_with_this_runs_evidence(lab: LabFactory) -> None:
    server = lab()
    report = run_checklist(server, only=OIDC)
    assert report.passed == OIDC, str(report)
    reasons = {item.key: item.reason for item in report.items}
    assert "the ID token carries the same" in reasons["oidc_nonce"]
    assert f"a key of {server.url}/jwks" in reasons["oidc_signed"]
    assert "Signed RS256" in reasons["oidc_signed"]
    assert "aud is '" in reasons["oidc_aud"]
    assert f"iss {server.url!r}" in reasons["oidc_iss"]
    assert f"{server.url}/userinfo answered sub" in reasons["oidc_userinfo_sub"]
    assert "error=login_required" in reasons["oidc_prompt_none"]
    # each reason is this run's: the nonce it sent is in it, and differs between runs
    again = run_checklist(server, only=["oidc_nonce"]).items[0].reason
    assert again != reasons["oidc_nonce"]


@pytest.mark.parametrize("defect", DEFECTS)
def test_each_defect_fails_exactly_its_item(defect: str) -> None:
    with BrokenProvider(defect) as broken:
        report = run_checklist(broken.target, only=OIDC)
    failed = FAILS[defect]
    assert report.failed == (failed,), str(report)
    if defect == "alg_none":
        # an unsigned token's claims prove nothing: the items that read them cannot know
        assert report.skipped == tuple(k for k in OIDC if k not in (failed, "oidc_prompt_none"))
        assert "alg is 'none'" in report.items[1].reason
    else:
        assert report.skipped == ()


def test_the_reasons_of_failures_quote_what_was_wrong() -> None:
    with BrokenProvider("aud") as broken:
        item = run_checklist(broken.target, only=["oidc_aud"]).items[0]
    assert "'another-client'" in item.reason
    with BrokenProvider("prompt_none") as broken:
        item = run_checklist(broken.target, only=["oidc_prompt_none"]).items[0]
    assert "MUST NOT display any authentication" in item.reason
    assert "login page" in item.reason.lower()


def test_a_provider_without_openid_connect_is_skipped_saying_so() -> None:
    with MaliciousServer() as plain:
        report = run_checklist(plain.url, username="alice", password="x", only=OIDC)
    assert report.skipped == OIDC, str(report)
    assert all("does not do OpenID Connect" in item.reason for item in report.items)
