"""Start/stop time of the background server and the latency of one whole flow.

Run by hand:  .venv/bin/python benchmarks/flow_latency.py [--flows 200]

Baseline, measured in the same run and interleaved: a bare Starlette endpoint
under the same uvicorn, hit with the same number of requests as one flow takes.
The ratio flow/baseline says how much the OAuth work costs over plain HTTP.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

import httpx
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from codegrant_kit.runner import BackgroundServer, bind_socket, start_server, stop_server
from codegrant_kit.server.passwords import SCHEMES

CALLBACK = "https://client.example.com/cb"
HIDDEN = re.compile(r'name="(sessionDataKey|csrf_token)" value="([^"]+)"')
REQUESTS_PER_FLOW = 5  # GET /authorize, POST login, POST consent, POST /token, GET /api/photos


def one_flow(http: httpx.Client, client_id: str, secret: str) -> None:
    page = http.get(
        "/authorize",
        params={
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": CALLBACK,
            "scope": "PRODUCTION",
            "state": "s",
        },
    )
    hidden = dict(HIDDEN.findall(page.text))
    http.post("/authorize", data={**hidden, "username": "admin", "password": "admin"})
    location = http.post("/authorize", data={**hidden, "consent": "approve"}).headers["location"]
    code = httpx.URL(location).params["code"]
    token = http.post(
        "/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK},
        auth=(client_id, secret),
    ).json()["access_token"]
    r = http.get("/api/photos", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text


def bare_server() -> BackgroundServer:
    async def hello(request: object) -> PlainTextResponse:
        return PlainTextResponse("hello")

    app = Starlette(routes=[Route("/", hello)])
    from codegrant_kit.server import ServerConfig, Store

    app.state.config = ServerConfig(issuer="http://127.0.0.1")
    app.state.store = Store(app.state.config)
    sock = bind_socket("127.0.0.1", 0)
    server = BackgroundServer(sock, app)
    server.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    return server.start()


def ms(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[int(0.95 * (len(values) - 1))]
    return f"median {statistics.median(values) * 1000:7.2f} ms  p95 {p95 * 1000:7.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--flows", type=int, default=200)
    parser.add_argument("--starts", type=int, default=20)
    parser.add_argument("--password-hash", default="argon2id", choices=SCHEMES)
    args = parser.parse_args()

    starts, stops = [], []
    for n in range(args.starts):
        t0 = time.perf_counter()
        server = start_server(
            users={"admin": "admin"}, password_hash=args.password_hash, code_lifetime=300 + n
        )
        t1 = time.perf_counter()
        stop_server()
        stops.append(time.perf_counter() - t1)
        starts.append(t1 - t0)
    print(f"background start   {ms(starts)}   (includes hashing one password)")
    print(f"background stop    {ms(stops)}")

    server = start_server(users={"admin": "admin"}, password_hash=args.password_hash)
    bare = bare_server()
    client = server.store.add_client(redirect_uris=[CALLBACK], client_name="bench")
    flows, bases = [], []
    with httpx.Client(base_url=server.url) as http, httpx.Client(base_url=bare.url) as plain:
        one_flow(http, client.client_id, client.client_secret)  # warm up
        plain.get("/")
        for _ in range(args.flows):  # interleaved, so noise hits both alike
            t0 = time.perf_counter()
            one_flow(http, client.client_id, client.client_secret)
            t1 = time.perf_counter()
            for _ in range(REQUESTS_PER_FLOW):
                plain.get("/")
            t2 = time.perf_counter()
            flows.append(t1 - t0)
            bases.append(t2 - t1)
    bare.stop()
    stop_server()
    print(
        f"one whole flow     {ms(flows)}   "
        f"({REQUESTS_PER_FLOW} requests, password hash {args.password_hash})"
    )
    print(
        f"baseline (bare)    {ms(bases)}   ({REQUESTS_PER_FLOW} GETs to a bare Starlette endpoint)"
    )
    print(
        f"ratio flow/bare    {statistics.median(flows) / statistics.median(bases):.2f}x (medians)"
    )


if __name__ == "__main__":
    main()
