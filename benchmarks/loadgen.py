"""Load generator: N virtual users, each a keep-alive connection doing flows back to back.

Run in its own process by flow_throughput.py (so its CPU is its own and is
reported), or by hand:

    .venv/bin/python benchmarks/loadgen.py --url http://127.0.0.1:8000 --users 8 --seconds 5

Prints one JSON object: completed flows in the measuring window, their latencies,
errors by kind, the CPU seconds this process and (given --server-pid) the server
process spent in that window.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psutil
from _lean import Connection, FlowError, now, one_bare, one_flow, split_url


def cpu_seconds(process: psutil.Process | None) -> float:
    if process is None:
        return 0.0
    times = process.cpu_times()
    return times.user + times.system


async def run(args: argparse.Namespace) -> dict[str, Any]:
    host, port = split_url(args.url)
    server = psutil.Process(args.server_pid) if args.server_pid else None
    start = now() + args.warmup
    end = start + args.seconds
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    samples: dict[str, str] = {}
    marks: dict[str, float] = {}

    async def user() -> None:
        conn = Connection(host, port)
        while now() < end:
            t0 = now()
            try:
                if args.kind == "bare":
                    await one_bare(conn)
                else:
                    await one_flow(conn, refresh=args.refresh)
            except FlowError as exc:
                key = f"{exc.step}: HTTP {exc.status}"
                errors[key] += 1
                if key not in samples:
                    retry = exc.headers.get("retry-after")
                    samples[key] = (f"Retry-After {retry}; " if retry else "") + repr(
                        exc.body[:300]
                    )
                await conn.close()
                conn = Connection(host, port)
                continue
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                errors[type(exc).__name__] += 1
                samples.setdefault(type(exc).__name__, str(exc)[:300])
                await conn.close()
                conn = Connection(host, port)
                continue
            t1 = now()
            if t0 >= start and t1 <= end:
                latencies.append(t1 - t0)
        await conn.close()

    async def meter() -> None:
        await asyncio.sleep(max(0.0, start - now()))
        marks["cpu0"], marks["server0"], marks["t0"] = (
            time.process_time(),
            cpu_seconds(server),
            now(),
        )
        await asyncio.sleep(max(0.0, end - now()))
        marks["cpu1"], marks["server1"], marks["t1"] = (
            time.process_time(),
            cpu_seconds(server),
            now(),
        )

    await asyncio.gather(meter(), *(user() for _ in range(args.users)))
    window = marks["t1"] - marks["t0"]
    return {
        "kind": args.kind,
        "users": args.users,
        "window": window,
        "completed": len(latencies),
        "latencies": latencies,
        "errors": dict(errors),
        "error_samples": samples,
        "loadgen_cpu": marks["cpu1"] - marks["cpu0"],
        "server_cpu": marks["server1"] - marks["server0"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--kind", choices=("flow", "bare"), default="flow")
    parser.add_argument("--users", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--warmup", type=float, default=0.5)
    parser.add_argument("--refresh", action="store_true", help="add a refresh_token grant")
    parser.add_argument("--server-pid", type=int, default=0)
    parser.add_argument("--out", type=Path, help="write the JSON result here, not to stdout")
    args = parser.parse_args()
    # the servers' loop when installed: less of the load generator's CPU in each flow
    try:
        from uvloop import run as run_loop
    except ImportError:
        run_loop = asyncio.run
    result = json.dumps(run_loop(run(args)))
    if args.out is not None:
        # a file, not a pipe: a pipe once cut a result of 128 KiB and more in two
        args.out.write_text(result)
    else:
        print(result)


if __name__ == "__main__":
    main()
