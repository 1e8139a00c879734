"""probe_requirements tells each profile's requirements from a server without one."""

from __future__ import annotations

import pytest

from codegrant_kit.lab import LabServer, probe_requirements, run_checklist

REQUIRED = {
    None: {},
    "oauth2.1": {"PKCE for a confidential client", "no client_secret_post"},
    "fapi2": {
        "PKCE for a confidential client",
        "pushed authorization requests (PAR)",
        "sender-constrained tokens (DPoP)",
        "no client_secret_post",
    },
}


@pytest.mark.parametrize("profile", list(REQUIRED))
def test_each_requirement_is_found_where_the_profile_sets_it(profile):
    with LabServer(profile=profile) as lab:
        probes = probe_requirements(lab)
    assert len(probes) == 4
    assert {p.requirement for p in probes if p.refused} == set(REQUIRED[profile]), probes
    for probe in probes:
        assert str(probe).startswith("REQUIRED" if probe.refused else "not required")


def test_the_answers_say_why():
    with LabServer(profile="fapi2") as lab:
        answers = {p.requirement: p.answer for p in probe_requirements(lab)}
    assert "invalid_dpop_proof" in answers["sender-constrained tokens (DPoP)"]
    assert "Pushed authorization request required" in answers["pushed authorization requests (PAR)"]
    assert "invalid_client_metadata" in answers["no client_secret_post"]


def test_the_checklist_says_which_profile_the_server_runs():
    with LabServer(profile="oauth2.1") as lab:
        report = run_checklist(lab, only=["pkce_enforced"])
    assert report.profile == "oauth2.1"
    assert str(report).startswith(f"RFC 9700 checklist for {lab.url} (profile oauth2.1): ")
    assert "(profile oauth2.1)" in report._repr_html_()
    with LabServer() as lab:
        assert run_checklist(lab, only=["pkce_enforced"]).profile is None
