"""The wizard stacks the seven panels in order on one state; every view has a short repr."""

from __future__ import annotations

import socket

import ipywidgets as widgets

import codegrant_kit.panels as panels_module
from codegrant_kit.client import discover
from codegrant_kit.panels import (
    ApiPanel,
    AuthorizePanel,
    FlowState,
    JwtPanel,
    LoginPanel,
    PortalPanel,
    RedirectPanel,
    ServerPanel,
    TokenPanel,
    TranscriptPanel,
    Wizard,
    wizard,
)
from codegrant_kit.runner import start_server

SEVEN = (
    ServerPanel,
    PortalPanel,
    AuthorizePanel,
    LoginPanel,
    RedirectPanel,
    TokenPanel,
    ApiPanel,
)


def test_the_wizard_holds_the_seven_panels_in_order_on_one_state() -> None:
    made = wizard(password_hash="fast")
    try:
        assert isinstance(made, Wizard)
        assert [type(panel) for panel in made.panels] == list(SEVEN)
        assert all(panel.shared is made.shared for panel in made.panels)
        stack = made._stack
        assert isinstance(stack, widgets.Stack)
        assert list(stack.children) == list(made.panels)
        assert isinstance(made._transcript, TranscriptPanel) and isinstance(made._jwt, JwtPanel)
        assert made._transcript.shared is made.shared and made._jwt.shared is made.shared
    finally:
        made.close()


def test_next_and_back_move_through_the_steps_and_stop_at_the_ends() -> None:
    made = Wizard()
    try:
        assert made._stack.selected_index == 0 and made._back.disabled
        assert "Step 1 of 7: Server" in made._where.value
        for _ in range(10):
            made._next.click()
        assert made.model.step == 6 and made._stack.selected_index == 6 and made._next.disabled
        assert "Step 7 of 7: Using the token" in made._where.value
        made._back.click()
        assert made._stack.selected_index == 5 and not made._next.disabled
    finally:
        made.close()


def test_a_flow_started_in_the_wizard_reaches_every_panel() -> None:
    made = wizard(password_hash="fast")
    server, portal, authorize = made.panels[:3]
    try:
        server._start.click()
        assert made.shared.connected
        portal._callback.value = "https://client.example.com/cb"
        portal._code.value = True
        portal._generate.click()
        assert authorize.model.client_id == portal.model.consumer_key
        assert authorize.model.url.startswith(server.model.url + "/authorize?")
        assert made._transcript.model.exchanges == 2  # discovery and registration
    finally:
        server._stop.click()
        made.close()


def test_every_view_has_a_short_fixed_repr() -> None:
    state = FlowState()
    views = [cls(state) for cls in (*SEVEN, JwtPanel, TranscriptPanel)] + [Wizard(state)]
    try:
        for view in views:
            name = type(view).__name__
            assert repr(view) == f"<{name}>"
            assert view._repr_mimebundle_()["text/plain"] == f"<{name}>"
    finally:
        for view in views:
            view.close()
        state.close()


def test_the_package_exports_what_it_lists() -> None:
    assert sorted(panels_module.__all__) == panels_module.__all__
    for name in panels_module.__all__:
        assert hasattr(panels_module, name)


def test_the_wizard_takes_a_server_an_issuer_or_endpoints() -> None:
    server = start_server(password_hash="fast")
    try:
        for target in (server, server.url, discover(server.url)):
            made = wizard(target)
            panel = made.panels[0]
            assert panel.model.error == "", target
            assert made.shared.connected and made.shared.issuer == server.url
            assert panel.model.url == server.url
            assert made.panels[2].model.authorization_endpoint == server.url + "/authorize"
            made.shared.close()
            made.close()
    finally:
        server.stop()


def test_an_unreachable_issuer_is_an_error_in_the_server_panel_not_a_traceback() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    made = wizard(f"http://127.0.0.1:{port}")
    assert "Could not reach" in made.panels[0].model.error
    assert not made.shared.connected
    made.close()
