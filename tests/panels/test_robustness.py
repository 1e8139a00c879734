"""Errors in plain words, never a traceback; actions bounded by a timeout; live refresh."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from codegrant_kit.panels import FlowState, ServerModel
from codegrant_kit.panels._actions import ActionTimeout, plain_error, run_bounded
from codegrant_kit.panels._base import StepModel

from .conftest import Panels


def test_every_step_without_a_server_says_what_to_do_first(panels: Panels) -> None:
    assert "Start the server" in panels.authorize.model.status
    assert panels.authorize.model.url == ""
    panels.portal._callback.value = "https://client.example.com/cb"
    panels.portal._code.value = True
    panels.portal._generate.click()
    panels.login._sign_in.click()
    assert "start it in the Server panel" in panels.login.model.error
    assert panels.login.buttons == {}  # no consent page: no button to press
    panels.login.model.choose("Approve Once")
    panels.redirect._check.click()
    panels.token._send.click()
    panels.api._call.click()
    panels.api._refresh.click()
    panels.jwt._verify.click()
    panels.server._refresh.click()
    models = (panels.portal, panels.login, panels.redirect, panels.api, panels.server)
    for model in (panel.model for panel in models):
        assert model.error, type(model).__name__
        assert "Traceback" not in model.error
    assert "start it in the Server panel" in panels.login.model.error
    assert "No code yet" in panels.token.model.error
    assert "No server yet" in panels.server.model.error
    assert "No token yet" in panels.jwt.model.error


def test_steps_out_of_order_are_explained(panels: Panels) -> None:
    panels.start()
    panels.api._call.click()
    assert "No tokens yet" in panels.api.model.error
    panels.login.model.choose("Approve Once")
    assert panels.login.model.error.startswith("No page is open yet: press Sign In first")
    panels.redirect._check.click()
    assert "not at a redirect yet" in panels.redirect.model.error


def test_an_unknown_client_id_is_the_servers_error_page_in_words(panels: Panels) -> None:
    panels.start()
    panels.register()
    panels.authorize._client_id.value = "no-such-app"
    panels.sign_in()
    assert panels.login.model.page_kind == "error page"
    assert "no-such-app" in panels.login.model.error


def test_run_bounded_returns_raises_and_times_out() -> None:
    assert run_bounded(lambda: "done", 1.0) == "done"
    with pytest.raises(KeyError):
        run_bounded(lambda: {}["missing"], 1.0)
    started = time.monotonic()
    with pytest.raises(ActionTimeout, match=r"No answer within 0\.2 s"):
        run_bounded(lambda: time.sleep(2), 0.2)
    assert time.monotonic() - started < 1.0


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A port that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def test_a_server_that_never_answers_cannot_hang_the_kernel(silent_server: str) -> None:
    state = FlowState(timeout=0.3)
    model = StepModel(state)
    started = time.monotonic()
    model.attempt(lambda: state.connect(silent_server))
    assert time.monotonic() - started < 2.0
    assert model.error.startswith("No answer within 0.3 s")
    assert not state.connected
    state.close()


def test_plain_error_never_shows_a_traceback() -> None:
    assert plain_error(ConnectionRefusedError(111, "Connection refused")).startswith(
        "Could not talk to the server"
    )
    assert plain_error(RuntimeError("boom")) == (
        "Something unexpected went wrong (RuntimeError): boom"
    )


def test_live_refresh_follows_the_server_and_stops_with_it(panels: Panels) -> None:
    server = panels.server
    assert server.model.live is False  # off by default
    server._live.value = True
    assert "Start the server" in server.model.error and server.model.live is False
    panels.start()
    server._live.value = True
    assert server.model.live and server.model._timer is not None
    timer = server.model._timer
    assert server.model.snapshot["clients"] == []
    panels.register()  # no Refresh pressed: the timer sees the new application
    deadline = time.monotonic() + 3
    while not server.model.snapshot["clients"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(server.model.snapshot["clients"]) == 1
    assert panels.portal.model.consumer_key in server._clients.value
    # the server stops behind the panel's back: the timer notices and ends
    assert panels.state.server is not None
    panels.state.server.stop()
    timer.join(timeout=3)
    assert not timer.is_alive()
    assert server.model.live is False and server._live.value is False
    assert server.model.running is False


def test_closing_the_panel_stops_live_refresh(panels: Panels) -> None:
    panels.start()
    panels.server._live.value = True
    timer = panels.server.model._timer
    assert timer is not None and timer.is_alive()
    panels.server.close()
    assert not timer.is_alive() and panels.server.model.live is False


def test_interval_is_at_least_a_second() -> None:
    model = ServerModel(FlowState())
    model.interval = 0.01
    assert model.interval == 1.0
