"""One record per lab switch: the attacks, the checklist and the README are read from it."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import httpx
import pytest

import codegrant_kit.lab
from codegrant_kit.lab import (
    ATTACKS,
    BY_SWITCH,
    CHECKS,
    attack_on,
    guess_client_secret,
)
from codegrant_kit.lab.attacks import FAMILIES, readme_section, rewrite_readme
from codegrant_kit.lab.checklist import check_for
from codegrant_kit.server.switches import SWITCHES

from .conftest import LabFactory

README = Path(__file__).parents[2] / "README.md"

# RFC 9700's numbering, for the sections the records may cite.
RFC_9700 = {
    "2.1": "Protecting Redirect-Based Flows",
    "2.1.1": "Authorization Code Grant",
    "2.3": "Access Token Privilege Restriction",
    "2.5": "Client Authentication",
    "4.1": "Insufficient Redirect URI Validation",
    "4.2.4": "Credential Leakage via Referer Headers: Countermeasures",
    "4.3.2": "Credential Leakage via Browser History: Access Token in Browser History",
    "4.4": "Mix-Up Attacks",
    "4.5": "Authorization Code Injection",
    "4.7": "Cross-Site Request Forgery",
    "4.8.2": "PKCE Downgrade Attack: Countermeasures",
    "4.10.1": "Misuse of Stolen Access Tokens: Sender-Constrained Access Tokens",
    "4.11.2": "Open Redirection: Authorization Server as Open Redirector",
    "4.14": "Refresh Token Protection",
    "4.16": "Clickjacking",
}


def test_every_rfc_9700_section_cited_exists() -> None:
    cited = {
        section.removeprefix("RFC 9700 "): name
        for name, switch in SWITCHES.items()
        for section in switch.sections
        if section.startswith("RFC 9700 ")
    }
    assert {number: name for number, name in cited.items() if number not in RFC_9700} == {}


def test_sections_are_single_citations() -> None:
    for switch in SWITCHES.values():
        for section in switch.sections:
            assert re.fullmatch(r"RFC \d{4}( \d+(\.\d+)*)?", section), (switch.name, section)


def test_each_checklist_item_is_its_switchs_record() -> None:
    by_switch = {check.switch: check for check in CHECKS if check.switch is not None}
    assert set(by_switch) == set(SWITCHES)
    for name, switch in SWITCHES.items():
        check = by_switch[name]
        assert (check.key, check.title, check.section) == (
            switch.check,
            switch.check_title,
            switch.source,
        )
    keys = [check.key for check in CHECKS]
    assert len(keys) == len(set(keys))


def test_every_exported_attack_is_registered() -> None:
    exported = [getattr(codegrant_kit.lab, name) for name in codegrant_kit.lab.__all__]
    attacks = {
        thing
        for thing in exported
        if inspect.isfunction(thing) and thing.__annotations__.get("return") == "AttackResult"
    }
    assert attacks == {attack.run for attack in ATTACKS}
    assert {attack.family for attack in ATTACKS} == set(FAMILIES)
    assert sum(len(attacks) for attacks in BY_SWITCH.values()) == sum(
        1 for attack in ATTACKS if attack.switch is not None
    )


def test_an_unknown_switch_is_refused_where_it_is_named() -> None:
    with pytest.raises(ValueError, match="Unknown lab switch 'no_such_switch'"):
        attack_on("no_such_switch")
    with pytest.raises(ValueError, match="Unknown lab switch 'no_such_switch'"):
        check_for("no_such_switch")(lambda target: ("pass", ""))
    with pytest.raises(ValueError, match="defence="):
        attack_on(None)
    with pytest.raises(ValueError, match="declared with the switch"):
        attack_on("framing", defence="frame-ancestors")


def test_readme_lists_the_switches_as_recorded(tmp_path: Path) -> None:
    section = readme_section()
    assert section in README.read_text(encoding="utf-8"), (
        "The README's list of lab switches is out of date: "
        "run `python -m codegrant_kit.lab README.md`."
    )
    for name, switch in SWITCHES.items():
        assert f"| `{name}` | {switch.defence} |" in section
    assert f"{len(ATTACKS)} attack functions in {len(FAMILIES)} families" in section
    # the command rewrites only what stands between the markers
    stale = tmp_path / "README.md"
    start, end = section.splitlines()[0], section.splitlines()[-1]
    stale.write_text(f"before\n{start}\nold list\n{end}\nafter\n", encoding="utf-8")
    rewrite_readme(stale)
    assert stale.read_text(encoding="utf-8") == f"before\n{section}\nafter\n"
    plain = tmp_path / "plain.md"
    plain.write_text("no markers\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no <!-- lab switches"):
        rewrite_readme(plain)
    assert plain.read_text(encoding="utf-8") == "no markers\n"


def test_token_in_url_error_cites_its_switchs_section(lab: LabFactory) -> None:
    body = httpx.get(lab().url + "/api/photos?access_token=x").json()
    assert any(s in body["error_description"] for s in SWITCHES["token_in_query"].sections)


def test_client_lockout_message_cites_its_switchs_section(lab: LabFactory) -> None:
    said = str(guess_client_secret(lab()).evidence["server said"])
    assert any(s in said for s in SWITCHES["no_throttle"].sections)


def test_a_lab_server_prints_its_switches_into_the_cell(lab: LabFactory, capsys) -> None:
    # a notebook shows no log line: the lab server says so where the learner looks
    capsys.readouterr()
    lab("code_replay", password_hash="argon2id")
    assert capsys.readouterr().err.splitlines() == [
        f"codegrant-kit: LAB SWITCH code_replay is ON: it turns off "
        f"{SWITCHES['code_replay'].defence} ({SWITCHES['code_replay'].source}). "
        f"This server allows {SWITCHES['code_replay'].attack}."
    ]
    lab(password_hash="argon2id")  # every defence on: nothing to say
    assert capsys.readouterr().err == ""
