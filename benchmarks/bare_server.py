"""Baseline (b): one bare Starlette endpoint under the kit's uvicorn settings.

    .venv/bin/python benchmarks/bare_server.py --port 0

Its request rate, divided by the requests in one flow, bounds what any flow can
reach on this machine with this HTTP stack.
"""

from __future__ import annotations

from _serve import serve_main
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse("hello")


def make_app(url: str) -> Starlette:
    return Starlette(routes=[Route("/", hello)])


if __name__ == "__main__":
    serve_main(make_app, "bare Starlette endpoint")
