"""HTTP Strict Transport Security (RFC 6797): once on https, a browser stays on https.

A server reached over https adds to every response

    Strict-Transport-Security: max-age=86400

and the browser then refuses plain http to that host for a day, so that nobody on
the classroom network can strip TLS from a later visit. Never over plain http
(RFC 6797 7.2): there the header could come from anyone.

One day, not the year a production site sends: a classroom's host may serve plain
http again next week. No includeSubDomains: the other names under it are not ours.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_AGE = 86400  # seconds: one day
HEADER = (b"strict-transport-security", f"max-age={MAX_AGE}".encode("ascii"))


class StrictTransportSecurity:
    """ASGI middleware: the HSTS header on each response sent over https."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # RFC 6797 7.2: an HSTS Host MUST NOT include the STS header field in HTTP
        # responses conveyed over non-secure transport.
        if scope["type"] != "http" or scope.get("scheme") != "https":
            await self.app(scope, receive, send)
            return

        async def send_with_hsts(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), HEADER]
            await send(message)

        await self.app(scope, receive, send_with_hsts)
