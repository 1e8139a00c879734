"""A classroom server killed mid-flow comes back on the same file with nothing lost."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest

from codegrant_kit.client import Flow, OAuthResponseError, exchange_code, refresh

from .helpers import (
    INSTRUCTOR,
    REDIRECT_URI,
    USERS,
    dashboard_rows,
    failed_start,
    serve,
    to_code,
    to_consent,
)

FAST = ("--password-hash", "fast")


def learners() -> list[str]:
    return [arg for name, password in USERS.items() for arg in ("--user", f"{name}:{password}")]


@pytest.fixture
def flows() -> Iterator[ExitStack]:
    """Flows closed at the end, whatever happens."""
    with ExitStack() as stack:
        yield stack


def test_a_killed_server_finishes_its_flows_after_a_restart(tmp_path, flows):
    db = str(tmp_path / "class.db")
    teacher = f"{INSTRUCTOR[0]}:{INSTRUCTOR[1]}"
    with serve("--port", "0", "--db", db, *learners(), *FAST, "--instructor", teacher) as first:
        issuer = first.issuer
        api = f"{issuer}/api/photos"
        ada = flows.enter_context(Flow.discover(issuer, api_url=api, scope="photos:read"))
        app = ada.register("Ada's photo importer", redirect_uri=REDIRECT_URI)
        # grace approves always, gets tokens, and refreshes them once
        grace = flows.enter_context(
            Flow(ada.endpoints, application=app, api_url=api, scope="photos:read")
        )
        grace_code = to_code(grace, "grace", consent="approveAlways")
        grace.exchange_code()
        stolen_refresh = grace.tokens.refresh_token
        grace.refresh()
        # ada: one flow up to the code, one up to the consent page
        ada_code = to_code(ada, "ada")
        waiting = flows.enter_context(
            Flow(ada.endpoints, application=app, api_url=api, scope="photos:read")
        )
        assert to_consent(waiting, "ada").kind == "consent"

        first.process.send_signal(signal.SIGKILL)
        assert first.process.wait(timeout=10) == -signal.SIGKILL

    # the same port and file; no --user: the learners come from the file
    with serve("--port", str(first.port), "--db", db, *FAST, "--instructor", teacher) as again:
        assert again.issuer == issuer
        # ada's code, issued before the kill, is redeemed after it
        assert ada.authorization_response.code == ada_code
        assert ada.exchange_code().scope == "photos:read"
        assert ada.call_api().json()["user"] == "ada"
        # the consent page opened before the kill is answered after it
        assert waiting.consent("approve").kind == "redirect"
        waiting.receive_redirect()
        waiting.exchange_code()
        assert waiting.call_api().json()["user"] == "ada"
        # grace's tokens still work; her Approve Always skips the consent page
        assert grace.call_api().json()["user"] == "grace"
        assert to_consent(grace, "grace").kind == "redirect"
        # the exchanged refresh token and the redeemed code are still known as used
        with pytest.raises(OAuthResponseError) as stolen:
            refresh(ada.endpoints, app, stolen_refresh)
        assert "already exchanged" in (stolen.value.error_description or "")
        with pytest.raises(OAuthResponseError) as replayed:
            exchange_code(ada.endpoints, app, code=grace_code, redirect_uri=REDIRECT_URI)
        assert "used already" in (replayed.value.error_description or "")
        # and the dashboard kept its counts
        with httpx.Client(auth=INSTRUCTOR) as http:
            page = http.get(f"{issuer}/dashboard").text
        rows = dashboard_rows(page)
        assert rows["ada"]["Code redeemed"] == "2" and rows["ada"]["API called"] == "2"
        assert rows["grace"]["Consented"] == "2" and rows["grace"]["Furthest step"] == "API called"


def test_a_file_that_is_not_a_database_stops_the_start_and_is_left_alone(tmp_path):
    path = tmp_path / "class.db"
    path.write_text("name,password\nada,lovelace\n")
    before = path.read_bytes(), path.stat().st_mtime_ns
    done = failed_start("--port", "0", "--db", str(path), *FAST)
    assert done.returncode == 1
    assert done.stdout == ""
    assert "class.db is not a codegrant-kit database" in done.stderr
    assert "Traceback" not in done.stderr
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert [p.name for p in tmp_path.iterdir()] == ["class.db"]


def test_a_second_server_on_the_same_file_is_refused(tmp_path):
    db = str(tmp_path / "class.db")
    with serve("--port", "0", "--db", db, *FAST):
        done = failed_start("--port", "0", "--db", db, *FAST)
    assert done.returncode == 1
    assert "in use by another codegrant-kit server" in done.stderr


def test_users_dropped_from_the_command_line_are_no_longer_admitted(tmp_path, flows):
    db = str(tmp_path / "class.db")
    with serve("--port", "0", "--db", db, *learners(), *FAST) as first:
        issuer = first.issuer
        api = f"{issuer}/api/photos"
        linus = flows.enter_context(Flow.discover(issuer, api_url=api, scope="photos:read"))
        linus.register("Linus's importer", redirect_uri=REDIRECT_URI)
        to_code(linus, "linus")
        linus.exchange_code()
        assert linus.call_api().status_code == 200
    only_ada = ("--user", f"ada:{USERS['ada']}")
    with serve("--port", "0", "--db", db, *only_ada, *FAST) as second:
        said = [second.next_line(), second.next_line()]
        assert (
            "The database's users grace and linus are no longer admitted: they were not "
            "given with --user or --users-file.\n"
        ) in said
        bearer = {"Authorization": f"Bearer {linus.tokens.access_token}"}
        assert httpx.get(f"{second.issuer}/api/photos", headers=bearer).status_code == 401
        again = flows.enter_context(Flow.discover(second.issuer, scope="photos:read"))
        again.register("Linus again", redirect_uri=REDIRECT_URI)
        again.authorize()
        again.open_authorization_page()
        assert again.login("linus", USERS["linus"]).kind == "retry"  # refused, as a wrong password
