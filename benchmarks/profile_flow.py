"""Profile a server under the flow load: py-spy (sampling, default) or cProfile.

    .venv/bin/python benchmarks/profile_flow.py                    # the kit, py-spy
    .venv/bin/python benchmarks/profile_flow.py --server authlib   # the Authlib baseline
    .venv/bin/python benchmarks/profile_flow.py --cprofile         # deterministic, per flow

The server runs as a subprocess (py-spy or cProfile wrapped around it), the load
generator as another; the profile covers the server process only. The py-spy
summary splits the event-loop thread's samples into layers (idle, socket send,
HTTP parsing, the application...) and lists the hottest functions.
"""

from __future__ import annotations

import argparse
import pstats
import re
import signal
import sys
import tempfile
from collections import Counter
from pathlib import Path

import _procs

FRAME = re.compile(r"^(?P<func>.*) \((?P<path>.*?)(?::\d+)?\)$")

# (label, a frame whose presence in a stack puts the sample in that layer), checked in order
LAYERS = [
    ("idle: waiting in epoll", "EpollSelector.select"),
    ("start-up: imports", "_find_and_load"),
    ("socket send() of responses", "_SelectorSocketTransport.write"),
    ("request parsing (h11, uvicorn)", "H11Protocol.data_received"),
    ("request parsing (httptools, uvicorn)", "HttpToolsProtocol.data_received"),
    ("response headers/body (uvicorn, h11)", "RequestResponseCycle.send"),
    ("application: kit endpoints", "codegrant_kit/server/"),
    ("application: Authlib + its glue", "authlib/"),
    ("application: Authlib + its glue", "authlib_server.py"),
    ("Starlette routing, request, response", "starlette/"),
    ("uvicorn ASGI cycle", "uvicorn/"),
]


def short(frame: str) -> str:
    match = FRAME.match(frame)
    if not match:
        return frame
    path = match["path"].split("site-packages/")[-1].split("/lib/python3.11/")[-1]
    return f"{match['func']} ({path.removeprefix(str(_procs.ROOT) + '/')})"


def summarize_pyspy(raw: Path, flows: int, top: int) -> None:
    main_thread: Counter[str] = Counter()
    selfs: Counter[str] = Counter()
    app: Counter[str] = Counter()
    total = 0
    stacks = []
    for line in raw.read_text().splitlines():
        if not line.strip():
            continue
        stack, count = line.rsplit(" ", 1)
        frames = stack.split(";")
        stacks.append((frames, int(count)))
    # the event loop's thread: its stacks run BaseEventLoop.run_forever, or Runner.run
    # on uvloop (whose loop is C code that py-spy does not see)
    loop_threads = {
        f[0] for f, _ in stacks if any("run_forever" in x or "Runner.run" in x for x in f)
    }
    for frames, count in stacks:
        if frames[0] not in loop_threads:
            continue
        total += count
        # the benchmark's own servers run as __main__: their <module> frame is in every stack
        joined = ";".join(f for f in frames if not f.startswith("<module>"))
        layer = next((label for label, key in LAYERS if key in joined), "event loop, other")
        main_thread[layer] += count
        if layer.startswith(("idle", "start-up")):
            continue
        selfs[short(frames[-1])] += count
        for name in {short(f) for f in frames if not f.startswith("<module>")}:
            if "codegrant_kit/server/" in name or "authlib" in name:
                app[name] += count
    busy = total - main_thread["idle: waiting in epoll"] - main_thread["start-up: imports"]
    print(f"\nevent-loop thread: {total} samples, {busy} busy ({100 * busy / max(total, 1):.0f}%)")
    print(f"{'share of busy':>14}  layer (first match from the top)")
    for label, count in main_thread.most_common():
        if not label.startswith(("idle", "start-up")):
            print(f"{100 * count / max(busy, 1):13.1f}%  {label}")
    print(f"\ntop {top} functions by own time (share of busy samples)")
    for name, count in selfs.most_common(top):
        print(f"{100 * count / max(busy, 1):6.1f}%  {name}")
    print(f"\ntop {top} application functions, inclusive (share of busy samples)")
    for name, count in app.most_common(top):
        print(f"{100 * count / max(busy, 1):6.1f}%  {name}")
    print(f"\n({flows} flows completed while sampling)")


def summarize_cprofile(path: Path, flows: int, top: int) -> None:
    stats = pstats.Stats(str(path))
    print(f"\ncProfile of the server process, {flows} flows; per-flow times in microseconds")
    rows = []
    for (file, line, func), (_cc, ncalls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append((tottime, cumtime, ncalls, f"{func} ({short(f'x ({file})')[3:-1]}:{line})"))
    print(f"\n{'own us/flow':>12} {'cum us/flow':>12} {'calls/flow':>10}  function (by own time)")
    for tottime, cumtime, ncalls, name in sorted(rows, reverse=True)[:top]:
        print(
            f"{1e6 * tottime / flows:12.1f} {1e6 * cumtime / flows:12.1f} "
            f"{ncalls / flows:10.1f}  {name}"
        )
    print(f"\n{'cum us/flow':>12} {'calls/flow':>10}  application function (by cumulative time)")
    app = [r for r in rows if "codegrant_kit/server" in r[3] or "authlib" in r[3]]
    for _tottime, cumtime, ncalls, name in sorted(app, key=lambda r: -r[1])[:top]:
        print(f"{1e6 * cumtime / flows:12.1f} {ncalls / flows:10.1f}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", choices=("kit", "authlib", "bare"), default="kit")
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    parser.add_argument("--cprofile", action="store_true", help="cProfile instead of py-spy")
    parser.add_argument("--refresh", action="store_true")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    out = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    cmd = _procs.command(args.server, _procs.load_test_args())
    if args.cprofile:
        target = out / "server.prof"
        script = cmd[1:] if cmd[0] == sys.executable else cmd
        wrapper = [sys.executable, "-m", "cProfile", "-o", str(target)]
        server = _procs.start(args.server, script, wrapper)
        server.pid = server.process.pid
    else:
        target = out / "server.raw"
        spy = str(_procs.BIN / "py-spy")
        wrapper = [
            spy,
            "record",
            "--format",
            "raw",
            "--threads",
            "-r",
            str(args.rate),
            "-o",
            str(target),
            "--",
        ]
        server = _procs.start(args.server, cmd, wrapper)
    result = _procs.run_loadgen(
        [
            "--url",
            server.url,
            "--kind",
            "bare" if args.server == "bare" else "flow",
            "--users",
            str(args.users),
            "--seconds",
            str(args.seconds),
            "--warmup",
            "0",
            *(["--refresh"] if args.refresh else []),
        ]
    )
    # stop the server itself; its wrapper then writes the profile and exits
    import os

    os.kill(server.pid, signal.SIGINT)
    server.process.wait(60)
    flows = result["completed"]
    print(
        f"{args.server}: {flows} {'requests' if args.server == 'bare' else 'flows'} "
        f"by {args.users} users in {result['window']:.1f} s under the profiler "
        f"(errors: {result['errors'] or 'none'}); profile in {target}"
    )
    if args.cprofile:
        summarize_cprofile(target, flows, args.top)
    else:
        summarize_pyspy(target, flows, args.top)


if __name__ == "__main__":
    main()
