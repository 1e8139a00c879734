"""The server panel shows what the background server remembers, through its snapshot."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from codegrant_kit.client import Flow
from codegrant_kit.panels import ServerPanel
from codegrant_kit.runner import BackgroundServer, build

from .conftest import CALLBACK, Panels


@pytest.fixture
def server() -> Iterator[BackgroundServer]:
    sock, app = build(host="127.0.0.1", port=0, users={"alice": "x"}, password_hash="fast")
    with BackgroundServer(sock, app).start() as running:
        yield running


def test_a_running_server_gives_its_memory_as_plain_data(server: BackgroundServer) -> None:
    snapshot = server.snapshot()
    assert set(snapshot) == {"users", "clients", "pending", "codes", "tokens", "consents"}
    assert snapshot["users"] == [{"username": "alice"}]
    assert json.loads(json.dumps(snapshot)) == snapshot  # plain data, nothing live
    server.stop()
    assert server.snapshot() == {}


def test_the_panel_shows_the_snapshot_and_nothing_once_stopped(server: BackgroundServer) -> None:
    panel = ServerPanel()
    panel.model.use(server)
    assert panel.model.error == "" and panel.model.snapshot == server.snapshot()
    assert "alice" in panel._users.value
    server.stop()
    panel._refresh.click()
    assert panel.model.snapshot == {} and not panel.model.running
    panel.shared.close()


def test_what_the_flow_leaves_behind_is_in_the_snapshot(panels: Panels) -> None:
    panels.to_code()
    server = panels.server.model.server
    assert server is not None
    snapshot = server.snapshot()
    assert [client["redirect_uris"] for client in snapshot["clients"]] == [[CALLBACK]]
    assert [code["used"] for code in snapshot["codes"]] == [False]
    panels.server._refresh.click()
    assert panels.server.model.snapshot == snapshot


def test_the_snapshot_follows_every_answer_without_refresh(server: BackgroundServer) -> None:
    """A cell's own Flow, not the panels, registers and gets tokens (as Start Here does
    after the wizard): step 1 shows it when the call returns, with no Refresh."""
    panel = ServerPanel()
    panel.model.use(server)
    assert "none yet" in panel._clients.value
    flow = Flow.discover(server.url, redirect_uri=CALLBACK, scope="PRODUCTION")
    flow.register("Playground")
    assert "Playground" in panel._clients.value
    flow.authorize()
    flow.open_authorization_page()
    flow.login("alice", "x")
    flow.consent("approve")
    flow.receive_redirect()
    flow.exchange_code()
    assert [token["kind"] for token in panel.model.snapshot["tokens"]] == [
        "access_token",
        "refresh_token",
    ]
    panel.close()
    flow.register("After close")
    assert "After close" not in panel._clients.value  # a closed panel no longer listens
    flow.close()
    panel.shared.close()
