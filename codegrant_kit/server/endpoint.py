"""One way to write an endpoint: settings, store and services in, one method per HTTP verb.

    class PingEndpoint(Endpoint):
        methods = ("GET",)

        async def get(self, request: Request) -> Response:
            return json_response({"pong": True})

`handle` is what the route calls: another method gets 405 Method Not Allowed
with an Allow header (RFC 9110 15.5.6), any listed one its `get` or `post`.
"""

from __future__ import annotations

from typing import ClassVar

from starlette.requests import Request
from starlette.responses import Response

from .config import ServerConfig
from .httpio import method_not_allowed
from .services import Services
from .store import Store


class Endpoint:
    methods: ClassVar[tuple[str, ...]] = ("GET",)

    def __init__(
        self, config: ServerConfig, store: Store, services: Services | None = None
    ) -> None:
        self.config = config
        self.store = store
        self.services = services or store.services

    async def handle(self, request: Request) -> Response:
        # RFC 9110 9.3.2: HEAD is GET without the body (Starlette drops the body)
        method = "GET" if request.method == "HEAD" else request.method
        if method not in self.methods:
            return self.method_not_allowed(request)
        if method == "GET":
            return await self.get(request)
        return await self.post(request)

    def method_not_allowed(self, request: Request) -> Response:
        return method_not_allowed(" or ".join(self.methods), ", ".join(self.methods))

    async def get(self, request: Request) -> Response:
        return self.method_not_allowed(request)

    async def post(self, request: Request) -> Response:
        return self.method_not_allowed(request)
