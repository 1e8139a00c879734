"""CPU time of the application alone: one flow through the ASGI app, no socket, no HTTP parser.

    .venv/bin/python benchmarks/app_cost.py [--rounds 5] [--flows 1000]

flow_throughput.py measures what a user sees; this isolates what the
application adds on top of uvicorn, so that a proposed fix shows its effect
without the noise of sockets and scheduling. The same flow (benchmarks/_lean.py)
is driven through `app(scope, receive, send)` directly:

    kit      the kit's Starlette app from `runner.build()`, password_hash="fast"
    authlib  baseline (a), authlib_server.make_app
    shaped   the kit's responses, prepared once (shaped_server.make_app): the
             Starlette floor under any app that sends these responses
    bare     baseline (b): 4 GETs to one bare endpoint

Each (round, app) runs in a fresh process, the apps' order rotating; every app
is warmed up with 200 flows first. Figures: CPU microseconds per flow
(process_time), median over rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import statistics
import subprocess
import sys
import time
from typing import Any

from _lean import CALLBACK, CLIENT_ID, CLIENT_SECRET, Response, one_bare, one_flow


class AsgiConnection:
    """`_lean.Connection`'s interface, calling the ASGI app instead of a socket."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.cookies: dict[str, str] = {}
        self.requests = 0

    async def close(self) -> None:
        pass

    async def request(
        self,
        method: str,
        target: str,
        body: bytes = b"",
        headers: tuple[tuple[str, str], ...] = (),
    ) -> Response:
        path, _, query = target.partition("?")
        raw = [(b"host", b"127.0.0.1:8000")]
        if self.cookies:
            cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            raw.append((b"cookie", cookie.encode()))
        raw += [(k.lower().encode(), v.encode()) for k, v in headers]
        if body or method == "POST":
            raw.append((b"content-type", b"application/x-www-form-urlencoded"))
            raw.append((b"content-length", str(len(body)).encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": raw,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }
        messages = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> dict[str, Any]:
            if messages:
                return messages.pop()
            await asyncio.Event().wait()  # never disconnects
            raise AssertionError

        status, parsed, chunks = 0, {}, []

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", []):
                    key, text = name.decode("latin-1").lower(), value.decode("latin-1")
                    parsed[key] = f"{parsed[key]}\n{text}" if key in parsed else text
                    if key == "set-cookie":
                        cookie_name, _, rest = text.partition("=")
                        self.cookies[cookie_name] = rest.split(";", 1)[0]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        self.requests += 1
        await self.app(scope, receive, send)
        return Response(status, parsed, b"".join(chunks))


def make(name: str) -> Any:
    if name == "kit":
        from codegrant_kit.runner import build
        from codegrant_kit.server import ServerConfig

        options: dict[str, Any] = {"password_hash": "fast"}
        if "rate_limits" in {f.name for f in dataclasses.fields(ServerConfig)}:
            options["rate_limits"] = {"authorize": None, "token": None, "register": None}
        client = {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": [CALLBACK],
        }
        sock, app = build(
            host="127.0.0.1", port=0, users={"admin": "admin"}, clients=[client], **options
        )
        sock.close()
        return app
    if name in ("authlib", "shaped", "bare"):
        module = __import__(f"{name}_server")
        return module.make_app("http://127.0.0.1:8000")
    raise ValueError(name)


async def measure(name: str, flows: int) -> float:
    conn: Any = AsgiConnection(make(name))

    async def one() -> None:
        if name == "bare":
            for _ in range(4):
                await one_bare(conn)
        else:
            await one_flow(conn)

    for _ in range(200):
        await one()
    t0 = time.process_time()
    for _ in range(flows):
        await one()
    return 1e6 * (time.process_time() - t0) / flows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--flows", type=int, default=1000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(measure(args.child, args.flows))))
        return
    names = ["kit", "authlib", "shaped", "bare"]
    results: dict[str, list[float]] = {name: [] for name in names}
    for n in range(args.rounds):
        for name in names[n % len(names) :] + names[: n % len(names)]:
            cmd = [sys.executable, __file__, "--child", name, "--flows", str(args.flows)]
            done = subprocess.run(cmd, capture_output=True, text=True, check=True)
            results[name].append(json.loads(done.stdout.splitlines()[-1]))
    print(f"CPU per flow through the ASGI app alone ({args.rounds} rounds x {args.flows} flows)")
    auth = statistics.median(results["authlib"])
    shaped = statistics.median(results["shaped"])
    for name, values in results.items():
        median = statistics.median(values)
        print(
            f"  {name:8s} {median:7.0f} us/flow  (rounds: {' '.join(f'{v:.0f}' for v in values)})"
            f"  vs authlib {median / auth:4.2f}x  above shaped {median - shaped:+6.0f} us"
        )


if __name__ == "__main__":
    main()
