"""The client's redirection endpoint (RFC 6749 3.1.2), served beside the server for the tutorials.

This page plays the *client's* part, not the authorization server's: it is where
the server sends the browser back with `code`, `state` and `iss` (RFC 6749 4.1.2,
RFC 9207). A real client is a separate application on its own origin, and it
would check state and iss and redeem the code itself. Here the learner's kernel
is the client, so the page only shows what arrived, says to go back to the
notebook, and keeps the query of the last few redirects per state in memory, so
that the redirect panel can fetch its own with `GET /client/callback/received?state=...`
(the query only: behind jupyter-server-proxy the browser's URL is not the one this
server sees, and the panel knows the redirect URI it registered).

    GET /client/callback?code=...&state=...&iss=...    the page the browser lands on
    GET /client/callback/received?state=...            JSON: the queries for that state

The state is the secret that ties the browser to this learner (RFC 6749 10.12):
without it the JSON endpoint answers nothing, and it never lists other states.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from .config import ServerConfig
from .endpoint import Endpoint
from .errors import InvalidRequest
from .httpio import json_error, json_response
from .pages import ENV
from .services import Services
from .store import Store

PATH = "/client/callback"
RECEIVED_PATH = PATH + "/received"
PER_STATE = 5  # the last redirects kept for one state
STATES = 200  # the states remembered at once; the oldest is forgotten first
MAX_QUERY = 8192  # a longer query is shown but not kept
# so the page holds at most PER_STATE * STATES * MAX_QUERY bytes (8 MB), whatever arrives
SHOWN = ("code", "state", "iss", "error", "error_description", "error_uri")

# RFC 9700 4.2.4: a code in this page's URL must not leak through Referer
HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    ),
}


class ReceivedRedirects:
    """The queries of the last `per_state` redirects of each of the last `states` states."""

    def __init__(self, per_state: int = PER_STATE, states: int = STATES) -> None:
        self.per_state = per_state
        self.states = states
        self._by_state: OrderedDict[str, deque[str]] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, state: str, query: str) -> None:
        with self._lock:
            kept = self._by_state.pop(state, None) or deque(maxlen=self.per_state)
            kept.append(query)
            self._by_state[state] = kept
            while len(self._by_state) > self.states:
                self._by_state.popitem(last=False)

    def for_state(self, state: str) -> list[str]:
        with self._lock:
            return list(self._by_state.get(state, ()))

    def __len__(self) -> int:
        with self._lock:
            return sum(len(kept) for kept in self._by_state.values())


class ClientCallbackEndpoint(Endpoint):
    """The page the browser lands on: what arrived, escaped, and "go back to the notebook"."""

    def __init__(
        self,
        config: ServerConfig,
        store: Store,
        services: Services | None = None,
        *,
        received: ReceivedRedirects,
    ) -> None:
        super().__init__(config, store, services)
        self.received = received

    async def get(self, request: Request) -> Response:
        query = request.url.query
        params = request.query_params
        state = params.get("state", "")
        if state and len(query) <= MAX_QUERY:
            self.received.add(state, query)
        shown = [(name, params[name]) for name in SHOWN if name in params]
        html = ENV.get_template("client_callback.html").render(shown=shown, has_state=bool(state))
        return HTMLResponse(html, headers=HEADERS)


class ReceivedEndpoint(ClientCallbackEndpoint):
    """JSON for the redirect panel: the queries of the redirects that carried this state."""

    async def get(self, request: Request) -> Response:
        state = request.query_params.get("state", "")
        if not state:
            return json_error(
                InvalidRequest(
                    "Ask with ?state=...: the state of your authorization request. "
                    "Without it nothing is shown."
                )
            )
        data: dict[str, Any] = {"state": state, "queries": self.received.for_state(state)}
        return json_response(data)
