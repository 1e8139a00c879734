"""Serve under a path prefix that a reverse proxy strips: jupyter-server-proxy.

In hosted Jupyter (JupyterHub, Binder) the learner's browser reaches a kernel's
server only through the Jupyter server, at `/proxy/PORT/` or
`/user/NAME/proxy/PORT/`. The proxy strips that prefix and sends it in
`X-Forwarded-Prefix`. Set as the ASGI `root_path` (and put back in front of
`path`, as the ASGI spec has it), it keeps the prefix in the login form's action
and the cookie's path.

Only when told to trust it: anyone can send the header, and a forged prefix must
not change a single URL of a server that is not behind such a proxy.

    X-Forwarded-Prefix: /user/ada/proxy/41234   ->   root_path "/user/ada/proxy/41234"
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

HEADER = b"x-forwarded-prefix"
# a plain absolute path: no "..", and nothing (quotes, ';', ',', spaces, controls)
# that could break out of an HTML attribute or a Set-Cookie header
SAFE_PREFIX = re.compile(r"(/[A-Za-z0-9._~!$&+=:@%-]+)+")
MAX_PREFIX = 512


def parse_prefix(value: bytes) -> str | None:
    """The prefix to serve under, or None if the header is absent or not a plain path.

    >>> parse_prefix(b"/user/ada/proxy/41234/"), parse_prefix(b"/a/../b")
    ('/user/ada/proxy/41234', None)
    """
    try:
        prefix = value.decode("ascii").strip().rstrip("/")
    except UnicodeDecodeError:
        return None
    if len(prefix) > MAX_PREFIX or not SAFE_PREFIX.fullmatch(prefix):
        return None
    if any(part in (".", "..") for part in prefix.split("/")):
        return None
    return prefix


class ForwardedPrefix:
    """ASGI middleware: root_path from X-Forwarded-Prefix, for a trusted proxy only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            values = [value for name, value in scope["headers"] if name == HEADER]
            prefix = parse_prefix(values[0]) if len(values) == 1 else None
            if prefix:
                scope = dict(scope)
                root = scope.get("root_path", "") + prefix
                path = scope["path"]
                scope["root_path"] = root
                if not path.startswith(root + "/"):
                    scope["path"] = root + path
        await self.app(scope, receive, send)
