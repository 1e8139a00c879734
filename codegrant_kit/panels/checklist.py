"""The compliance checklist panel: any server's URL, credentials, Run, a table of results.

Each row is one RFC 9700 item, checked live by running its attack against the
server (``codegrant_kit.lab.checklist``): pass when the attack fails, fail when
it gets through, skip (with the reason) when the server lacks what the check
needs. Without a client id the checks register their own clients (RFC 7591);
every probe asks for the scope typed in, or else one the server's metadata lists.

    panel = ChecklistPanel(lab_server)     # or ChecklistPanel(), then fill in the URL
    panel.run_button.click()               # or panel.model.run()
    panel.model.report.failed              # the keys of the items that failed
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
from traitlets import Bool, HasTraits, Instance, Unicode

from ..client import TokenFactory
from ..lab.checklist import ChecklistReport, report_table, run_checklist
from ..lab.scenario import API_PATH, CALLBACK, LabServer
from ..runner import BackgroundServer
from . import _html
from ._actions import plain_error, run_bounded
from ._base import PanelView, button, heading, html_of, text

TIMEOUT = 180.0  # seconds for the whole checklist; each request has its own timeout


class ChecklistModel(HasTraits):
    """Where and as whom to run the checklist, and its report."""

    server_url = Unicode("")
    username = Unicode("")
    password = Unicode("")
    client_id = Unicode("")  # empty: register clients through the registration endpoint
    client_secret = Unicode("")
    redirect_uri = Unicode(CALLBACK)
    scope = Unicode("")  # empty: every probe asks for one of the server's scopes_supported
    api_url = Unicode("")  # empty: the check of tokens in URLs is skipped
    report = Instance(ChecklistReport, allow_none=True)
    summary = Unicode("")
    error = Unicode("")  # plain words, never a traceback
    running = Bool(False)

    def __init__(self, server: LabServer | BackgroundServer | None = None, **kwargs: Any) -> None:
        # a lab server's seeded token factory makes the probes' names repeat run after run
        self._lab: LabServer | None = server if isinstance(server, LabServer) else None
        if isinstance(server, LabServer):
            victim = server.target.victim
            kwargs.setdefault("username", victim.username)
            kwargs.setdefault("password", victim.password)
        if server is not None:
            kwargs.setdefault("server_url", server.url)
            kwargs.setdefault("api_url", server.url + API_PATH)
        super().__init__(**kwargs)

    def _factory_for(self, url: str) -> TokenFactory | None:
        """The lab server's token factory while the panel still points at it."""
        if self._lab is not None and url == self._lab.url:
            return self._lab.target.token_factory
        return None

    def run(self) -> None:
        """Run every check against the server; the report replaces the last one."""
        self.error = ""
        url = self.server_url.strip()
        if not url:
            self.error = "Enter the server's issuer URL first, e.g. http://127.0.0.1:8000."
            return
        if not self.username.strip():
            self.error = "Enter a username and password: the checks sign in as that user."
            return
        self.running = True
        self.summary = "running…"
        try:
            report = run_bounded(
                lambda: run_checklist(
                    url,
                    username=self.username.strip(),
                    password=self.password,
                    client_id=self.client_id.strip() or None,
                    client_secret=self.client_secret or None,
                    redirect_uri=self.redirect_uri.strip() or None,
                    scope=" ".join(self.scope.split()) or None,
                    api_url=self.api_url.strip() or None,
                    token_factory=self._factory_for(url),
                ),
                timeout=TIMEOUT,
            )
        except Exception as exc:  # shown in the panel, in words
            self.error = plain_error(exc)
            self.summary = ""
            return
        finally:
            self.running = False
        self.report = report
        self.summary = report.summary

    def __repr__(self) -> str:
        return f"<ChecklistModel {self.server_url or '(no server)'}: {self.summary or 'not run'}>"


class ChecklistPanel(PanelView):
    """Server URL, credentials, Run, and one row per RFC 9700 item."""

    def __init__(
        self,
        server: LabServer | BackgroundServer | None = None,
        *,
        model: ChecklistModel | None = None,
    ) -> None:
        self.model = model or ChecklistModel(server)
        self._url = text("Server (issuer)", placeholder="http://127.0.0.1:8000")
        self._username = text("Username")
        self._password = widgets.Password(
            description="Password", style={"description_width": "10em"}
        )
        self._client_id = text("Client id", placeholder="empty: register one (RFC 7591)")
        self._client_secret = widgets.Password(
            description="Client secret", style={"description_width": "10em"}
        )
        self._redirect_uri = text("Redirect URI")
        self._scope = text("Scope", placeholder="empty: one from the server's scopes_supported")
        self._api_url = text("API URL", placeholder="empty: skip the token-in-URL check")
        self._run = button("Run checklist", self.model.run, button_style="primary")
        self._summary = html_of(self.model, "summary", lambda s: f"<b>{_html.esc(s)}</b>")
        self._error = html_of(self.model, "error", lambda e: _html.message("error", e))
        self._table = html_of(
            self.model, "report", lambda r: report_table(r.items) if r is not None else ""
        )
        pairs = (
            ("server_url", self._url),
            ("username", self._username),
            ("password", self._password),
            ("client_id", self._client_id),
            ("client_secret", self._client_secret),
            ("redirect_uri", self._redirect_uri),
            ("scope", self._scope),
            ("api_url", self._api_url),
        )
        self._links = [widgets.link((self.model, name), (w, "value")) for name, w in pairs]
        self._links.append(widgets.dlink((self.model, "running"), (self._run, "disabled")))
        super().__init__(
            children=[
                heading(
                    "RFC 9700 compliance checklist",
                    "Each row runs its attack live against the server: pass when the attack "
                    "fails. Use a lab or test server: the checks register clients and "
                    "make failed sign-ins on purpose.",
                ),
                self._url,
                self._username,
                self._password,
                self._client_id,
                self._client_secret,
                self._redirect_uri,
                self._scope,
                self._api_url,
                widgets.HBox([self._run, self._summary]),
                self._error,
                self._table,
            ]
        )

    @property
    def run_button(self) -> Any:
        """The Run button, for driving the panel from code: ``run_button.click()``."""
        return self._run
