"""codegrant-kit: learn the OAuth 2.0 Authorization Code Grant in Jupyter.

codegrant_kit.server    the authorization server (Starlette), one module per RFC section
codegrant_kit.runner    start it in a background thread of a notebook, or in the foreground
codegrant_kit.client    the client's side, step by step, over httpx
codegrant_kit.panels    ipywidgets panels that drive the client, one per step
"""

from __future__ import annotations

from .runner import BackgroundServer, start_server, stop_server
from .server import ServerConfig, create_app

__all__ = ["BackgroundServer", "ServerConfig", "create_app", "start_server", "stop_server"]
__version__ = "0.1.0"
