"""codegrant-kit: learn the OAuth 2.0 Authorization Code Grant in Jupyter.

codegrant_kit.server    the authorization server (Starlette), one module per RFC section
codegrant_kit.runner    start it in a background thread of a notebook, or in the foreground
codegrant_kit.client    the client's side, step by step, over httpx
codegrant_kit.panels    ipywidgets panels that drive the client, one per step

The names below are imported on first use (PEP 562), so that ``import
codegrant_kit.client`` against Keycloak or WSO2 loads neither the server nor uvicorn.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .runner import BackgroundServer, start_server, stop_server
    from .server import ServerConfig, create_app

# each lazy name, and the module it comes from
_LAZY = {
    "BackgroundServer": ".runner",
    "ServerConfig": ".server",
    "create_app": ".server",
    "start_server": ".runner",
    "stop_server": ".runner",
}

__all__ = ["BackgroundServer", "ServerConfig", "create_app", "start_server", "stop_server"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # the next look-up is an ordinary one
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
