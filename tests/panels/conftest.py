from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

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
)

CALLBACK = "https://client.example.com/cb"


@dataclass
class Panels:
    """Every panel, on one shared state, as a notebook would lay them out."""

    state: FlowState
    server: ServerPanel
    portal: PortalPanel
    authorize: AuthorizePanel
    login: LoginPanel
    redirect: RedirectPanel
    token: TokenPanel
    api: ApiPanel
    jwt: JwtPanel
    transcript: TranscriptPanel

    def start(self) -> None:
        self.server._start.click()
        assert self.server.model.error == ""
        assert self.server.model.running

    def register(self) -> None:
        self.portal._callback.value = CALLBACK
        self.portal._code.value = True
        self.portal._generate.click()
        assert self.portal.model.error == ""

    def sign_in(self, password: str = "admin") -> None:
        self.login._username.value = "admin"
        self.login._password.value = password
        self.login._sign_in.click()

    def to_code(self) -> None:
        """Start, register, sign in, Approve Once, check the redirect."""
        self.start()
        self.register()
        self.sign_in()
        self.login.buttons["Approve Once"].click()
        self.redirect._check.click()
        assert self.redirect.model.error == ""
        assert self.redirect.model.code


def make_panels(**server_options: object) -> Panels:
    state = FlowState()
    return Panels(
        state=state,
        server=ServerPanel(state, password_hash="fast", **server_options),
        portal=PortalPanel(state),
        authorize=AuthorizePanel(state),
        login=LoginPanel(state),
        redirect=RedirectPanel(state),
        token=TokenPanel(state),
        api=ApiPanel(state),
        jwt=JwtPanel(state),
        transcript=TranscriptPanel(state),
    )


def close(panels: Panels) -> None:
    panels.server._stop.click()
    panels.state.close()


@pytest.fixture
def panels() -> Iterator[Panels]:
    made = make_panels()
    yield made
    close(made)


@pytest.fixture
def jwt_panels() -> Iterator[Panels]:
    made = make_panels(access_token_format="jwt")
    yield made
    close(made)
