"""Each attack fails against the default server and succeeds with its defence off."""

from __future__ import annotations

import pytest

from codegrant_kit.lab import (
    BY_SWITCH,
    AttackResult,
    MaliciousServer,
    Unsupported,
    callback_csrf,
    intercept_code,
    late_code,
    mix_up,
)
from codegrant_kit.server.switches import SWITCHES

from .conftest import LabFactory

CASES = [(switch, attack) for switch, attacks in BY_SWITCH.items() for attack in attacks]
IDS = [f"{switch}-{attack.__name__}" for switch, attack in CASES]


def test_every_switch_has_an_attack() -> None:
    assert set(BY_SWITCH) == set(SWITCHES)
    assert [name for name, attacks in BY_SWITCH.items() if not attacks] == []


@pytest.mark.parametrize(("switch", "attack"), CASES, ids=IDS)
def test_attack_fails_with_every_defence_on(lab: LabFactory, switch: str, attack) -> None:
    result = attack(lab())
    assert isinstance(result, AttackResult)
    assert result.succeeded is False, str(result)
    assert "FAILED" in str(result)


@pytest.mark.parametrize(("switch", "attack"), CASES, ids=IDS)
def test_attack_succeeds_with_its_switch_on(lab: LabFactory, switch: str, attack) -> None:
    result = attack(lab(switch))
    assert result.succeeded is True, str(result)
    assert "SUCCEEDED" in str(result)
    assert result.steps and result.evidence
    assert result.section == SWITCHES[switch].source  # cited as the switch's record cites it


def test_callback_csrf_stopped_by_the_state_check_and_not_without(lab: LabFactory) -> None:
    server = lab()
    checked = callback_csrf(server)
    naive = callback_csrf(server, check_state=False)
    assert not checked.succeeded
    assert checked.evidence["state sent"] != checked.evidence["state received"]
    assert naive.succeeded
    # the victim's session ends up on the attacker's account
    assert naive.evidence["the session's account"] == "mallory"


def test_intercepted_code_stopped_by_pkce_and_not_without(lab: LabFactory) -> None:
    server = lab()
    with_pkce = intercept_code(server)
    without = intercept_code(server, pkce=False)
    assert not with_pkce.succeeded
    assert "code_verifier does not match" in str(with_pkce.evidence["token endpoint answered"])
    assert without.succeeded
    assert without.evidence["account it opens"] == "alice"


def test_late_code_refused_after_the_code_lifetime(lab: LabFactory) -> None:
    assert not late_code(lab()).succeeded  # codes live 300 s, the attacker comes after 600
    assert late_code(lab(), delay=60).succeeded  # within the lifetime the code still works
    assert late_code(lab(code_lifetime=3600)).succeeded  # a server whose codes live an hour


def test_late_code_needs_a_movable_clock(lab: LabFactory) -> None:
    with pytest.raises(Unsupported, match="clock"):
        late_code(lab().url)


def test_mix_up_with_a_given_malicious_server(lab: LabFactory) -> None:
    with MaliciousServer() as evil:
        blocked = mix_up(lab(), evil)
        stolen = mix_up(lab("no_iss"), evil)
    assert not blocked.succeeded
    assert blocked.evidence["server the session chose"] == evil.url
    assert stolen.succeeded
    # the attacker's server saw the honest server's code, and it opened alice's account
    assert stolen.evidence["captured code"] in [form.get("code") for form in evil.captured]
    assert stolen.evidence["account"] == "alice"


def test_an_issuer_url_is_a_target_too(lab: LabFactory) -> None:
    from codegrant_kit.lab import replay_code

    server = lab("code_replay")
    assert replay_code(server.url).succeeded
