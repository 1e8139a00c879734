from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from codegrant_kit.runner import BackgroundServer, start_server, stop_server

from .helpers import REDIRECT_URI, InProcess
from .oidc_helpers import serving

# The server of the integration tests: always these arguments, so that
# `start_server` hands back the running server instead of starting another.
LIVE = {
    "users": {"alice": "wonderland"},
    "clients": [
        {
            "client_id": "live-app",
            "client_secret": "live-secret",
            "client_name": "Import Photos",
            "redirect_uris": [REDIRECT_URI],
        },
        {
            "client_id": "live-post-app",
            "client_secret": "live-post-secret",
            "client_name": "Import Photos (client_secret_post)",
            "redirect_uris": [REDIRECT_URI],
            "token_endpoint_auth_method": "client_secret_post",
        },
    ],
    "password_hash": "fast",
}


@pytest.fixture
def server() -> Iterator[InProcess]:
    """A fresh in-process server: fast hashing, a hand-moved clock, alice and bob."""
    kit = InProcess.create()
    yield kit
    kit.close()


@pytest.fixture
def browser(server: InProcess) -> httpx.Client:
    return server.browser()


@pytest.fixture(scope="module")
def _live_module() -> Iterator[None]:
    yield
    stop_server()


@pytest.fixture
def live(_live_module: None) -> BackgroundServer:
    """The module's server on a real socket (started again if a test replaced it)."""
    return start_server(**LIVE)


# The OpenID Connect tests (test_oidc_*.py): one OpenID Provider a module, and a
# client of it; a module that needs another server (a lab clock) defines its own op.
@pytest.fixture(scope="module")
def op() -> Iterator[BackgroundServer]:
    with serving() as server:
        yield server


@pytest.fixture
def http(op: BackgroundServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=op.url, timeout=10) as client:
        yield client
