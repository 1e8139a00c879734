"""The checklist panel, driven from code: values set, Run clicked, the model read."""

from __future__ import annotations

import re

from codegrant_kit.lab import CHECKS
from codegrant_kit.panels.checklist import ChecklistModel, ChecklistPanel

from .conftest import LabFactory


def test_run_from_the_button_on_a_default_server(lab: LabFactory) -> None:
    server = lab()
    panel = ChecklistPanel(server)
    assert panel.model.server_url == server.url
    assert panel.model.username == "alice" and panel.model.password
    assert panel.model.api_url == server.url + "/api/photos"
    panel.run_button.click()
    model = panel.model
    assert model.error == ""
    assert model.report is not None
    assert model.report.passed == tuple(check.key for check in CHECKS)
    assert model.summary == f"{len(CHECKS)} passed, 0 failed, 0 skipped"
    assert not model.running and not panel.run_button.disabled
    table = panel._table.get_state()["value"]
    assert table.count("✔ pass") == len(CHECKS) and "✘ fail" not in table


def test_values_typed_into_the_widgets_reach_the_model(lab: LabFactory) -> None:
    server = lab("framing")
    panel = ChecklistPanel()
    assert panel.model.server_url == ""
    panel._url.value = server.url
    panel._username.value = "alice"
    panel._password.value = "sunshine"
    panel.model.run()
    assert panel.model.report is not None
    assert panel.model.report.failed == ("clickjacking",)
    # no API URL given: the checks of tokens in URLs and of stolen tokens are skipped
    assert panel.model.report.skipped == ("no_tokens_in_urls", "sender_constrained_tokens")
    assert "1 failed" in panel._summary.value and "✘ fail" in panel._table.value


def test_errors_in_plain_words() -> None:
    model = ChecklistModel()
    model.run()
    assert "issuer URL" in model.error and model.report is None
    model.server_url = "http://127.0.0.1:9"
    model.run()
    assert "username" in model.error
    model.username = "alice"
    model.run()
    assert model.error and "Traceback" not in model.error
    assert model.report is None and model.summary == ""


def test_short_fixed_reprs(lab: LabFactory) -> None:
    panel = ChecklistPanel(lab())
    assert repr(panel) == "<ChecklistPanel>"
    assert repr(panel.model).endswith(": not run>")


def test_the_scope_typed_in_reaches_every_probe() -> None:
    """A server that lists no scopes and grants nothing without one."""
    from .small_servers import SmallServer

    with SmallServer(grant_without_scope=False, scopes=()) as server:
        panel = ChecklistPanel()
        panel._url.value = server.url
        panel._username.value = "alice"
        panel._password.value = "sunshine"
        panel.model.run()
        report = panel.model.report
        assert report is not None
        skipped = {item.key: item.reason for item in report.items if item.status == "skip"}
        assert "asked for no scope" in skipped["single_use_codes"]
        panel._scope.value = "photos"
        panel.run_button.click()
        report = panel.model.report
        assert report is not None and "single_use_codes" in report.passed, str(report)
        asked = {r.get("scope") for r in server.seen.authorizations[-10:]}
    assert asked == {"photos"}


def test_a_seeded_lab_servers_report_repeats_word_for_word(lab: LabFactory) -> None:
    # the probes' names (a made-up account, nonces) come from the lab's seeded token
    # factory, so a tutorial's committed output holds on every run (nbval)
    tables = []
    for _ in range(2):
        panel = ChecklistPanel(lab(seed="panel"))
        panel.run_button.click()
        assert panel.model.report is not None
        tables.append(panel.model.report.summary)
        # the ports and the RSA key's id are new with each server, the rest is seeded
        text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", str(panel.model.report))
        tables.append(re.sub(r"kid='[\w-]+'", "kid=KID", text))
    assert tables[1] == tables[3] and "cgk-probe-" in tables[1]
