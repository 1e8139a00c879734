"""The authorization server: start it, stop it, and look at what it remembers.

The server runs in a background thread of this kernel (``codegrant_kit.runner``).
Its store holds the users, the applications (clients), the pending logins, the
authorization codes, the tokens and the consents; ``BackgroundServer.snapshot()``
gives them as plain data, shown here, read again as each answer of the server goes
out (``BackgroundServer.on_answer``): whatever changed it, a panel, a cell's own
``Flow`` or a browser tab. Live refresh also re-reads them at most once a second
from a timer thread (codes and tokens expire without a request), and stops with
the server or the panel.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets
from traitlets import Bool, Dict, Float, Unicode, observe, validate

from ..client import Endpoints
from ..runner import BackgroundServer, start_server
from . import _html
from ._actions import plain_error, run_bounded
from ._base import StepModel, StepPanel, button, guarded_link, heading, html_of, message_box
from .state import FlowState
from .steps import Step

MIN_INTERVAL = 1.0  # seconds: live refresh never redraws faster than this


class ServerModel(StepModel):
    """Start and stop the server; ``snapshot`` is what it remembers right now."""

    url = Unicode("")
    running = Bool(False)
    snapshot: Dict[str, Any] = Dict()
    live = Bool(False)
    interval = Float(MIN_INTERVAL)

    def __init__(
        self,
        shared: FlowState | None = None,
        *,
        users: Mapping[str, str] | None = None,
        **server_options: Any,
    ) -> None:
        """``users`` and ``server_options`` go to ``start_server`` (ServerConfig fields)."""
        self._timer: threading.Thread | None = None
        self._stop_timer = threading.Event()
        self._stop_listening: Callable[[], None] = lambda: None
        super().__init__(shared)
        self.users = dict(users) if users is not None else None
        self.server_options = server_options
        self.shared.observe(self._on_server, names="server")
        self._on_server()

    @validate("interval")
    def _at_most_once_a_second(self, proposal: Any) -> float:
        return max(MIN_INTERVAL, float(proposal["value"]))

    @property
    def server(self) -> BackgroundServer | None:
        server = self.shared.server
        return server if isinstance(server, BackgroundServer) else None

    def start(self) -> None:
        """Start the server (or keep the one running) and connect the flow to it."""

        def start() -> None:
            # start_server has its own start timeout (10 s), inside ours
            server = run_bounded(
                lambda: start_server(users=self.users, **self.server_options),
                self.shared.timeout,
            )
            self.shared.use_server(server)
            self.status = f"The authorization server listens on {server.url}."

        self.attempt(start)

    def use(self, server: BackgroundServer) -> None:
        """Work with a server started in a cell (``start_server()``)."""
        if self.attempt(lambda: self.shared.use_server(server)) is not None:
            self.status = f"Using the authorization server on {server.url}."

    def connect(self, target: str | Endpoints) -> None:
        """Work with another server: an issuer URL (RFC 8414) or endpoints by hand."""

        def connect() -> None:
            if isinstance(target, str):
                self.shared.connect(target)
            else:
                self.shared.use_endpoints(target)
            self.url = self.shared.issuer
            self.status = f"Connected to {self.shared.issuer}; its memory is not ours to show."

        self.attempt(connect)

    def stop(self) -> None:
        """Stop live refresh, close the flow, stop the server and free its port."""
        self.live = False
        server = self.server

        def stop() -> None:
            self.shared.disconnect()
            if server is not None:
                run_bounded(server.stop, self.shared.timeout)
            self.shared.server = None
            self.status = "The server is stopped." if server else "Disconnected."

        self.attempt(stop)

    def refresh(self) -> None:
        """Read what the server remembers right now."""
        server = self.server
        if server is None:
            self.error = "No server yet: press Start."
            return
        self.attempt(lambda: self._show(server))

    def _on_server(self, _change: object = None) -> None:
        self._stop_listening()
        server = self.server
        if server is not None:
            self._show(server)
            self._stop_listening = server.on_answer(lambda: self._on_answer(server))
        else:
            self._stop_listening = lambda: None
            self.running, self.snapshot = False, {}

    def _on_answer(self, server: BackgroundServer) -> None:
        try:
            self._show(server)
        except Exception as exc:  # shown in the panel; the server's answer goes out anyway
            self.error = plain_error(exc)

    def close(self) -> None:
        """Stop listening to the server and stop live refresh."""
        self._stop_listening()
        self.live = False

    def _show(self, server: BackgroundServer) -> None:
        self.url = server.url
        self.running = server.running
        self.snapshot = server.snapshot()

    @observe("live")
    def _on_live(self, change: dict[str, Any]) -> None:
        if change["new"]:
            if self.server is None or not self.server.running:
                self.live = False
                self.error = "Start the server before turning on live refresh."
                return
            self._stop_timer = threading.Event()
            self._timer = threading.Thread(
                target=self._tick, args=(self._stop_timer,), name="server panel", daemon=True
            )
            self._timer.start()
        else:
            self._stop_timer.set()
            timer, self._timer = self._timer, None
            if timer is not None and timer is not threading.current_thread():
                timer.join(timeout=2 * self.interval)

    def _tick(self, stop: threading.Event) -> None:
        while not stop.wait(self.interval):
            server = self.server
            if server is None or not server.running:
                self.running = False
                self.live = False  # the timer stops with the server
                return
            try:
                self._show(server)
            except Exception as exc:  # shown in the panel; the next tick tries again
                self.error = plain_error(exc)


def _users_html(snapshot: Mapping[str, Any]) -> str:
    users = [user["username"] for user in snapshot.get("users", [])]
    return "<b>Users:</b> " + _html.esc(", ".join(users) or "none") if snapshot else ""


def _clients_html(snapshot: Mapping[str, Any]) -> str:
    rows = [
        (
            client["client_name"],
            client["client_id"],
            " ".join(client["redirect_uris"]),
            " ".join(client["grant_types"]),
        )
        for client in snapshot.get("clients", [])
    ]
    return (
        "<b>Applications</b>"
        + (
            _html.table(
                ("name", "consumer key", "callback URL", "grant types"), rows, (18, 27, 35, 20)
            )
            or f" none yet: create one in the Developer Portal ({Step.PORTAL})."
        )
        if snapshot
        else ""
    )


def _memory_html(snapshot: Mapping[str, Any]) -> str:
    if not snapshot:
        return ""
    codes = [
        (code["code"], code["client_id"], code["username"], "used" if code["used"] else "unused")
        for code in snapshot.get("codes", [])
    ]
    tokens = [
        (token["value"], token["kind"], token["client_id"], token["username"])
        for token in snapshot.get("tokens", [])
    ]
    consents = [
        (consent["username"], consent["client_id"], " ".join(consent["scope"]))
        for consent in snapshot.get("consents", [])
    ]
    pending = len(snapshot.get("pending", []))
    parts = [
        f"<b>Logins in progress:</b> {pending}",
        "<b>Authorization codes</b>"
        + (_html.table(("code", "client", "user", "state"), codes, (40, 30, 15, 15)) or " none"),
        "<b>Tokens</b>"
        + (_html.table(("token", "kind", "client", "user"), tokens, (37, 20, 28, 15)) or " none"),
        "<b>Consents remembered (Approve Always)</b>"
        + (_html.table(("user", "client", "scope"), consents, (20, 40, 40)) or " none"),
    ]
    return "<br>".join(parts)


class ServerPanel(StepPanel):
    """Start/Stop, the URL, users, applications, and the server's memory."""

    step = Step.SERVER

    def __init__(
        self,
        state: FlowState | None = None,
        *,
        model: ServerModel | None = None,
        users: Mapping[str, str] | None = None,
        **server_options: Any,
    ) -> None:
        self.model = model or ServerModel(state, users=users, **server_options)
        self.shared = self.model.shared
        self._start = button("Start", self.model.start, button_style="success", icon="play")
        self._stop = button("Stop", self.model.stop, icon="stop")
        self._refresh = button("Refresh", self.model.refresh, icon="refresh")
        self._live = widgets.Checkbox(description="Live refresh (every second)", indent=False)
        # guarded: the model refuses live refresh while no server runs
        self._links = [guarded_link(self.model, "live", self._live)]
        self._url = html_of(
            self.model,
            "url",
            lambda url: f"<b>URL:</b> {_html.link(url, url)}" if url else "<b>URL:</b> not started",
        )
        self._users = html_of(self.model, "snapshot", _users_html)
        self._clients = html_of(self.model, "snapshot", _clients_html)
        self._memory = html_of(self.model, "snapshot", _memory_html)
        self._message = message_box(self.model)
        self.model.observe(self._show_running, names="running")
        super().__init__(
            children=[
                heading(
                    self.step.heading,
                    "It runs inside this notebook's kernel. Start it, then watch what it "
                    "remembers as the flow goes on.",
                ),
                widgets.HBox([self._start, self._stop, self._refresh, self._live]),
                self._url,
                self._message,
                self._users,
                self._clients,
                self._memory,
            ]
        )
        self._show_running()

    def _show_running(self, _change: object = None) -> None:
        self._start.disabled = self.model.running
        self._stop.disabled = not self.model.running

    def close(self) -> None:
        self.model.close()  # the timer and the listener live only while the panel is open
        super().close()
