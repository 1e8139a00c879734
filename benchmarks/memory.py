"""RSS over 10,000 flows, once warm, against the in-process background server.

    .venv/bin/python benchmarks/memory.py [--flows 10000] [--every 1000] [--warm 2000]

Each mode runs in a fresh process: the server from `build()` +
`BackgroundServer` (as a notebook gets it, `password_hash="fast"`, the
per-address rate limits off since every request comes from 127.0.0.1), and a
lean client (benchmarks/_lean.py) in the same process doing flows one after
another. Every 1,000 flows: RSS (after gc.collect()), what the store holds, the
wall time of those 1,000 flows, and the time one `store.purge()` takes (the
server runs it every second, under its lock, on the event loop).

Modes:
  bare     baseline: 4 x flows requests to a bare Starlette endpoint, same runner
  short    lifetimes code 2 s, access 4 s, refresh 8 s: everything issued expires
           and is purged within the run, so RSS must level off. Warm once the
           longest lifetime has run out and a purge has followed (10 s): how many
           flows that takes depends on the speed of the kit, so the 10,000 flows
           are counted from there
  default  the kit's defaults, code 300 s, access 3600 s, refresh 86400 s: every
           token of the run is still valid at its end and must be remembered
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import json
import subprocess
import sys
import time
from typing import Any

import psutil
from _lean import CALLBACK, CLIENT_ID, CLIENT_SECRET, Connection, one_bare, one_flow, split_url

LIFETIMES = {
    "short": {"code_lifetime": 2, "access_token_lifetime": 4, "refresh_token_lifetime": 8},
    "default": {},
    "bare": {},
}
TABLES = ("_pending", "_codes", "_used_codes", "_tokens", "_rotated", "_grants")


def warm_seconds(mode: str) -> float:
    """Seconds before growth counts: a mode whose tokens expire must first fill up to
    its steady state, its longest lifetime and then a sweep or two."""
    if not LIFETIMES[mode]:
        return 0.0
    from codegrant_kit.server.expiry import PURGE_EVERY

    return max(LIFETIMES[mode].values()) + 2 * PURGE_EVERY


def start(mode: str) -> Any:
    from codegrant_kit.runner import BackgroundServer, build
    from codegrant_kit.server import ServerConfig

    options: dict[str, Any] = {"password_hash": "fast", **LIFETIMES[mode]}
    names = {f.name for f in dataclasses.fields(ServerConfig)}
    if "rate_limits" in names:  # every request comes from 127.0.0.1
        options["rate_limits"] = {"authorize": None, "token": None, "register": None}
    client = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [CALLBACK]}
    sock, app = build(
        host="127.0.0.1", port=0, users={"admin": "admin"}, clients=[client], **options
    )
    if mode == "bare":
        from starlette.applications import Starlette
        from starlette.responses import PlainTextResponse
        from starlette.routing import Route

        async def hello(request: object) -> PlainTextResponse:
            return PlainTextResponse("hello")

        bare = Starlette(routes=[Route("/", hello)])
        bare.state.config, bare.state.store = app.state.config, app.state.store
        app = bare
    return BackgroundServer(sock, app).start()


def sizes(store: Any) -> dict[str, int]:
    with store._lock:
        return {name.strip("_"): len(getattr(store, name, ())) for name in TABLES}


def purge_ms(store: Any) -> float:
    t0 = time.perf_counter()
    store.purge()
    return 1000 * (time.perf_counter() - t0)


def rss_mb() -> float:
    gc.collect()
    return psutil.Process().memory_info().rss / 2**20


async def child(
    mode: str, flows: int, every: int, warm_flows: int, max_seconds: float
) -> list[dict[str, Any]]:
    """Blocks of `every` flows until warm, then `flows` more; a sample after each block."""
    server = start(mode)
    conn = Connection(*split_url(server.url))
    samples = [
        {"flows": 0, "rss": rss_mb(), "seconds": 0.0, "purge_ms": 0.0, **sizes(server.store)}
    ]
    started = time.perf_counter()
    deadline = started + max_seconds
    done, target = 0, None
    while target is None or done < target:
        t0 = time.perf_counter()
        block = 0
        while block < every and time.perf_counter() < deadline:
            if mode == "bare":
                for _ in range(4):
                    await one_bare(conn)
            else:
                await one_flow(conn)
            block += 1
        done += block
        samples.append(
            {
                "flows": done,
                "rss": rss_mb(),
                "seconds": (time.perf_counter() - t0) * every / max(block, 1),
                "purge_ms": purge_ms(server.store),
                **sizes(server.store),
            }
        )
        if block < every:
            samples[-1]["stopped"] = True
            break
        warm = done >= warm_flows and time.perf_counter() - started >= warm_seconds(mode)
        if target is None and warm:
            samples[-1]["warm"] = True
            target = done + flows
    await conn.close()
    server.stop()
    return samples


def run_mode(mode: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    cmd = [sys.executable, __file__, "--child", mode, "--flows", str(args.flows)]
    cmd += ["--every", str(args.every), "--warm", str(args.warm)]
    cmd += ["--max-seconds", str(args.max_seconds)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{mode} failed:\n{done.stderr[-3000:]}")
    samples: list[dict[str, Any]] = json.loads(done.stdout.splitlines()[-1])
    return samples


def report(mode: str, samples: list[dict[str, Any]]) -> None:
    print(f"\n{mode}: {MODE_TEXT[mode]}")
    print(
        f"{'flows':>6} {'RSS MB':>7} {'s/1000':>7} {'purge ms':>8}  "
        "store: pending codes used_codes tokens rotated grants"
    )
    for s in samples:
        counts = " ".join(f"{s[name.strip('_')]:>5}" for name in TABLES)
        print(
            f"{s['flows']:6d} {s['rss']:7.1f} {s['seconds']:7.2f} {s['purge_ms']:8.1f}  {counts}"
            + ("  STOPPED: over --max-seconds" if s.get("stopped") else "")
            + ("  <- warm: growth counts from here" if s.get("warm") else "")
        )
    last = samples[-1]
    warm = next((s for s in samples if s.get("warm")), samples[0])
    growth = last["rss"] - warm["rss"]
    per_flow = 1024 * 1024 * growth / max(1, last["flows"] - warm["flows"])
    verdict = "met" if growth < 5 else "UNMET"
    print(
        f"growth from {warm['flows']} to {last['flows']} flows: {growth:+.1f} MB "
        f"({per_flow:+.0f} bytes a flow); target < 5 MB: {verdict}"
    )


MODE_TEXT = {
    "bare": "baseline, 4 GETs a 'flow' to a bare Starlette endpoint, same runner",
    "short": "lifetimes code 2 s, access 4 s, refresh 8 s (all expire within the run)",
    "default": "default lifetimes, code 300 s, access 3600 s, refresh 86400 s",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=10_000)
    parser.add_argument("--every", type=int, default=1_000)
    parser.add_argument("--modes", default="bare,short,default")
    parser.add_argument(
        "--warm", type=int, default=2_000, help="flows at least before growth counts"
    )
    parser.add_argument(
        "--max-seconds", type=float, default=300, help="stop a mode after this (slow purges)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        samples = asyncio.run(
            child(args.child, args.flows, args.every, args.warm, args.max_seconds)
        )
        print(json.dumps(samples))
        return
    print(f"{args.flows} flows once warm, one after another, RSS sampled every {args.every}")
    for mode in args.modes.split(","):
        report(mode, run_mode(mode, args))


if __name__ == "__main__":
    main()
