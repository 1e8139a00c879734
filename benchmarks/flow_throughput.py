"""Flows per second and flow latency at 1, 8 and 32 virtual users, against two baselines.

    .venv/bin/python benchmarks/flow_throughput.py [--rounds 3] [--seconds 4] [--refresh]
    .venv/bin/python benchmarks/flow_throughput.py --candidate /tmp/candidate   # + kit+diff

One flow: GET /authorize (login page), POST login (consent page), POST consent
(302 with the code), POST /token [, POST /token with the refresh token]. Three
servers run as subprocesses, each with its own CPU, under the same uvicorn
settings:

    kit      `codegrant-kit serve --password-hash fast` (the baseline compares plain passwords)
    authlib  baseline (a): benchmarks/authlib_server.py, Authlib's rfc6749 grants
    bare     baseline (b): one Starlette endpoint; its requests/s divided by the
             requests in one flow bound what any flow can reach here

With --candidate DIR, a fourth server, kit+diff, runs the same command with the
codegrant_kit of DIR (another working tree, e.g. from `git worktree add`) first
on PYTHONPATH: the way to measure a proposed change against the current kit.

The load generator (loadgen.py, raw asyncio streams, keep-alive) runs in its own
process; its CPU is reported. Every (users, server) cell is measured once per
round, the servers' order rotating between rounds, so the machine's noise falls
on all of them alike. Figures: median over rounds of flows/s; p50/p95 of all
flow latencies; ratios per round, then their median.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
from collections import defaultdict
from typing import Any

import _procs
from _lean import percentile, requests_per_flow


def run_load(
    server: _procs.Server, kind: str, users: int, args: argparse.Namespace
) -> dict[str, Any]:
    return _procs.run_loadgen(
        [
            "--url",
            server.url,
            "--kind",
            kind,
            "--users",
            str(users),
            "--seconds",
            str(args.seconds),
            "--warmup",
            str(args.warmup),
            "--server-pid",
            str(server.pid),
            *(["--refresh"] if args.refresh else []),
        ]
    )


def rate_limit_options() -> list[str]:
    """Options of `codegrant-kit serve` that look like rate limits."""
    options = re.findall(r"(--[\w-]*(?:rate|limit)[\w-]*)", _procs.serve_help())
    return sorted(set(options))


def candidate_labels(candidates: list[str]) -> dict[str, str]:
    """The label of each --candidate tree: kit+diff for one, kit+1, kit+2, ... for more."""
    if len(candidates) == 1:
        return {"kit+diff": candidates[0]}
    return {f"kit+{number}": tree for number, tree in enumerate(candidates, start=1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default="1,8,32", help="comma-separated (default 1,8,32)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0, help="measured seconds per cell")
    parser.add_argument("--warmup", type=float, default=0.5, help="unmeasured seconds per cell")
    parser.add_argument("--refresh", action="store_true", help="end each flow with a refresh")
    parser.add_argument(
        "--candidate",
        action="append",
        default=[],
        metavar="DIR",
        help="also run the kit from DIR, another working tree of the repository (its "
        "codegrant_kit comes first on PYTHONPATH), labelled kit+diff: the way to measure "
        "a proposed change; repeatable, then labelled kit+1, kit+2, ... in the order given",
    )
    parser.add_argument(
        "--shaped",
        action="store_true",
        help="also run shaped_server.py: the kit's responses with no OAuth work (the floor)",
    )
    parser.add_argument(
        "--stack",
        choices=("installed", "h11"),
        default="installed",
        help="installed: the .venv as it is (httptools and uvloop, the kit's dependencies); "
        "h11: every server on uvicorn's pure-Python h11 and asyncio",
    )
    parser.add_argument(
        "--keep-rate-limits",
        action="store_true",
        help="measure the kit with its default per-address rate limits (429s expected)",
    )
    parser.add_argument(
        "--serve-arg",
        action="append",
        default=[],
        help="extra argument for `codegrant-kit serve`, repeatable "
        "(e.g. --serve-arg=--lab --serve-arg=no_throttle)",
    )
    args = parser.parse_args()
    if not args.keep_rate_limits:
        args.serve_arg = _procs.load_test_args() + args.serve_arg
    users_list = [int(u) for u in args.users.split(",")]
    rpf = requests_per_flow(args.refresh)

    names = ["kit", "authlib", "bare"]
    commands = {name: _procs.command(name, serve_args=args.serve_arg) for name in names}
    trees = candidate_labels(args.candidate)
    for position, label in enumerate(trees, start=1):
        names.insert(position, label)
        commands[label] = commands["kit"]
    if args.shaped:
        names.insert(-1, "shaped")
        commands["shaped"] = _procs.command("shaped")
    servers = {
        name: _procs.start(name, cmd, stack=args.stack, tree=trees.get(name))
        for name, cmd in commands.items()
    }
    results: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    try:
        for round_no in range(args.rounds):
            for users in users_list:
                order = names[round_no % len(names) :] + names[: round_no % len(names)]
                for name in order:
                    kind = "bare" if name == "bare" else "flow"
                    result = run_load(servers[name], kind, users, args)
                    results[(name, users)].append(result)
                    print(
                        f"round {round_no + 1} users {users:3d} {name:8s} "
                        f"{result['completed'] / result['window']:8.1f}/s "
                        f"errors {sum(result['errors'].values())}",
                        file=sys.stderr,
                        flush=True,
                    )
    finally:
        for server in servers.values():
            server.stop()
    report(results, names, users_list, rpf, args)


def cpu_per_flow(runs: list[dict[str, Any]]) -> float:
    """Server CPU seconds per completed flow (per request for the bare endpoint)."""
    return sum(r["server_cpu"] for r in runs) / max(1, sum(r["completed"] for r in runs))


def report(
    results: dict[tuple[str, int], list[dict[str, Any]]],
    names: list[str],
    users_list: list[int],
    rpf: int,
    args: argparse.Namespace,
) -> None:
    flow = "authorize, login, consent (302), token" + (", refresh" if args.refresh else "")
    print(
        f"\nflow: {flow}; {rpf} requests per flow; "
        f"{args.rounds} rounds x {args.seconds:g} s per cell"
    )
    git = subprocess.run(
        ["git", "describe", "--always", "--dirty"], capture_output=True, text=True, cwd=_procs.ROOT
    ).stdout.strip()
    print(f"code: {git} (the kit runs from the working tree)")
    print(f"HTTP stack of every server: {_procs.stack_name(args.stack)}")
    print(
        "kit: codegrant-kit serve --password-hash fast"
        + (f" {' '.join(args.serve_arg)}" if args.serve_arg else "")
    )
    for label, tree in candidate_labels(args.candidate).items():
        print(f"{label}: the kit imported from {tree} (a proposed change)")
    header = (
        f"{'users':>5} {'server':8} {'flows/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} "
        f"{'errors':>6} "
        f"{'srv ms/flow':>11} {'gen ms/flow':>11} {'gen CPU':>7}  flows/s in each round"
    )
    print(header)
    errors_seen: dict[str, str] = {}
    for users in users_list:
        for name in names:
            runs = results[(name, users)]
            per = rpf if name == "bare" else 1  # bare: requests, shown as flows of the bound
            rates = [r["completed"] / r["window"] / per for r in runs]
            lat = [x * per for r in runs for x in r["latencies"]]  # bare: rpf sequential requests
            done = sum(r["completed"] for r in runs) / per
            errors = sum(sum(r["errors"].values()) for r in runs)
            for r in runs:
                for key, sample in r["error_samples"].items():
                    errors_seen.setdefault(f"{name}: {key}", sample)
            srv = 1000 * sum(r["server_cpu"] for r in runs) / max(done, 1)
            gen = 1000 * sum(r["loadgen_cpu"] for r in runs) / max(done, 1)
            gen_share = sum(r["loadgen_cpu"] for r in runs) / sum(r["window"] for r in runs)
            label = "bound" if name == "bare" else name
            print(
                f"{users:5d} {label:8s} {statistics.median(rates):8.1f} "
                f"{1000 * percentile(lat, 50):7.2f} {1000 * percentile(lat, 95):7.2f} "
                f"{1000 * max(lat, default=0):7.1f} {errors:6d} {srv:11.2f} {gen:11.2f} "
                f"{100 * gen_share:6.0f}%  " + " ".join(f"{rate:.0f}" for rate in rates)
            )
    print("(bound: bare requests/s divided by requests per flow; its latency: one request x that)")
    print(
        "(srv/gen ms/flow: CPU of the server / the load generator per flow; "
        "gen CPU: share of a core)"
    )

    print(
        "\nratios, median over rounds of the per-round ratio (targets: kit/authlib >= 1.5, "
        "kit/bound >= 0.80, p95 kit/authlib <= 0.70)"
    )
    kits = [n for n in names if n.startswith("kit") or n == "shaped"]
    for users in users_list:
        auth = results[("authlib", users)]
        bare = results[("bare", users)]
        auth_p95 = percentile([x for r in auth for x in r["latencies"]], 95)
        for kit in kits:
            runs = results[(kit, users)]
            vs_auth = [
                (k["completed"] / k["window"]) / (a["completed"] / a["window"])
                for k, a in zip(runs, auth, strict=True)
            ]
            vs_bound = [
                (k["completed"] / k["window"]) / (b["completed"] / b["window"] / rpf)
                for k, b in zip(runs, bare, strict=True)
            ]
            kit_p95 = percentile([x for r in runs for x in r["latencies"]], 95)
            ok = (
                statistics.median(vs_auth) >= 1.5,
                statistics.median(vs_bound) >= 0.8,
                kit_p95 / auth_p95 <= 0.7,
            )
            print(
                f"{users:5d} {kit:8s} flows/s vs authlib {statistics.median(vs_auth):5.2f}x "
                f"{'met' if ok[0] else 'UNMET':5s}  "
                f"vs bound {100 * statistics.median(vs_bound):5.1f}% "
                f"{'met' if ok[1] else 'UNMET':5s}  p95 vs authlib {kit_p95 / auth_p95:5.2f}x "
                f"{'met' if ok[2] else 'UNMET'}"
            )
    print(
        "\nserver CPU per flow (steadier than flows/s on a shared machine): authlib / kit, "
        "bound / kit (>= 1.5 and >= 0.8 mean the server could carry the targets' load)"
    )
    for users in users_list:
        auth_cpu = cpu_per_flow(results[("authlib", users)])
        bound_cpu = cpu_per_flow(results[("bare", users)]) * rpf
        for kit in kits:
            kit_cpu = cpu_per_flow(results[(kit, users)])
            print(
                f"{users:5d} {kit:8s} authlib/kit {auth_cpu / kit_cpu:5.2f}x   "
                f"bound/kit {bound_cpu / kit_cpu:5.2f}"
            )
    if errors_seen:
        print("\nERRORS (must be zero):")
        for key, sample in errors_seen.items():
            print(f"  {key}: {sample}")
        steps = sorted({key.split(":")[1] for key in errors_seen if "HTTP 429" in key})
        if steps:
            limits = sorted({"token" if "/token" in step else "authorize" for step in steps})
            options = rate_limit_options()
            print(
                f"  429 Too Many Requests on {', '.join(steps)}: the per-address rate limit(s) "
                f"{', '.join(limits)} refused the load generator (every virtual user is "
                "127.0.0.1)."
            )
            print(
                "  options of `codegrant-kit serve` about limits: "
                + (", ".join(options) if options else "none: an option to turn them off is needed")
            )


if __name__ == "__main__":
    main()
