"""Serve a baseline app exactly as `codegrant-kit serve` serves the kit.

Same socket (TCP_NODELAY, from `codegrant_kit.runner.bind_socket`), same uvicorn
settings (`uvicorn_config`: quiet, no access log, same HTTP parser and loop),
same "listening" line on stdout. Only the application differs, so a ratio
between the kit and a baseline measures the applications, not their serving.
"""

from __future__ import annotations

import argparse
import signal
from collections.abc import Callable

from starlette.applications import Starlette

from codegrant_kit.runner import _Server, bind_socket, issuer_for, uvicorn_config


def serve_main(make_app: Callable[[str], Starlette], description: str) -> None:
    """`--host`, `--port` (0: a free one); print the URL once serving; SIGINT/SIGTERM stop."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    sock = bind_socket(args.host, args.port)
    url = issuer_for(args.host, sock.getsockname()[1])
    app = make_app(url)

    def ready() -> None:
        print(f"{description} listening on {url}", flush=True)

    server = _Server(uvicorn_config(app), ready)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    try:
        server.run(sockets=[sock])  # on uvloop when installed (the config's loop)
    finally:
        sock.close()
