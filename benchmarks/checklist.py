"""The RFC 9700 checklist against the kit's own server: the whole run and each item.

    .venv/bin/python benchmarks/checklist.py [--rounds 5] [--candidate DIR ...]

Each round starts one `LabServer` (every defence on, fast password hashing, as the
tests run it) in a fresh interpreter, runs the first item once untimed (lazy
imports), times `run_check` for each item, then a whole `run_checklist` on a second
server. With `--candidate DIR`, DIR's `codegrant_kit` is timed in the
same rounds, interleaved with the kit here, so the machine's noise falls on both.
Reported: the median over the rounds of each item and of the whole run, in ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys, time
from dataclasses import replace
from codegrant_kit.lab import CHECKS, LabServer, run_checklist
from codegrant_kit.lab.checklist import run_check
from codegrant_kit.lab.scenario import as_target

server = LabServer(password_hash="fast")
target = replace(as_target(server), attacker=server.target.victim, weak_client_id=None)
run_check(CHECKS[0], target)  # warm: the first requests pay for lazy imports
items = {}
for check in CHECKS:
    start = time.perf_counter()
    item = run_check(check, target)
    items[check.key] = (time.perf_counter() - start) * 1000
    assert item.status == "pass", item
fresh = LabServer(password_hash="fast")
start = time.perf_counter()
report = run_checklist(fresh)
whole = (time.perf_counter() - start) * 1000
assert not report.failed and not report.skipped, report
server.stop()
fresh.stop()
print(json.dumps({"items": items, "whole": whole}))
"""


def one_round(tree: Path) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--candidate", action="append", type=Path, default=[])
    args = parser.parse_args()
    trees = {"kit": ROOT, **{f"kit+{n}": p for n, p in enumerate(args.candidate, 1)}}
    runs: dict[str, list[dict[str, object]]] = {name: [] for name in trees}
    for _ in range(args.rounds):
        for name, tree in trees.items():
            runs[name].append(one_round(tree))
    keys = list(runs["kit"][0]["items"])  # type: ignore[call-overload]
    print(f"{'item':22}" + "".join(f"{name:>12}" for name in trees))
    for key in [*keys, "whole run"]:
        cells = []
        for name in trees:
            values = [
                float(r["whole"]) if key == "whole run" else float(r["items"][key])  # type: ignore[arg-type,index]
                for r in runs[name]
            ]
            cells.append(f"{statistics.median(values):10.1f}ms")
        print(f"{key:22}" + "".join(f"{cell:>12}" for cell in cells))


if __name__ == "__main__":
    main()
