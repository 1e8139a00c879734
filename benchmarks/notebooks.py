"""Wall time of the tutorials under nbval, against one trivial notebook under the same pytest.

    .venv/bin/python benchmarks/notebooks.py [--rounds 3]

The suite is what `make notebooks` runs: `pytest --nbval --nbval-sanitize-with
notebooks/sanitize.cfg notebooks/*.ipynb`. The baseline is a one-cell notebook
(`1 + 1`) under the same pytest, options and configuration: pytest's start and
one kernel's start, which no notebook suite can avoid. Rounds alternate the two.
A JUnit report of the last suite run gives each notebook's share.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from _lean import percentile

ROOT = Path(__file__).resolve().parent.parent
TRIVIAL = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": 1,
            "id": "trivial",
            "metadata": {},
            "outputs": [
                {
                    "data": {"text/plain": ["2"]},
                    "execution_count": 1,
                    "metadata": {},
                    "output_type": "execute_result",
                }
            ],
            "source": ["1 + 1"],
        }
    ],
    "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}


def nbval(paths: list[Path], junit: Path | None = None) -> tuple[float, int, str]:
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-c",
        str(ROOT / "pyproject.toml"),
        "--rootdir",
        str(ROOT),
        "--nbval",
        "--nbval-sanitize-with",
        str(ROOT / "notebooks" / "sanitize.cfg"),
        *(["--junitxml", str(junit)] if junit else []),
        *map(str, paths),
    ]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - t0
    summary = (done.stdout.strip().splitlines() or [""])[-1]
    return elapsed, done.returncode, summary


def per_notebook(junit: Path) -> dict[str, float]:
    seconds: dict[str, float] = defaultdict(float)
    for case in ET.parse(junit).getroot().iter("testcase"):
        # classname "notebooks.01-Start-Here.ipynb": the folder, a dot, the file
        name = case.get("classname", "?").removeprefix("notebooks.")
        seconds[name] += float(case.get("time", 0))
    return dict(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    work = Path(tempfile.mkdtemp(prefix="bench-nbval-"))
    trivial = work / "trivial.ipynb"
    trivial.write_text(json.dumps(TRIVIAL))
    junit = work / "suite.xml"
    times: dict[str, list[float]] = {"suite": [], "trivial": []}
    outcomes: dict[str, str] = {}
    for n in range(args.rounds):
        for name in ("suite", "trivial") if n % 2 == 0 else ("trivial", "suite"):
            paths = notebooks if name == "suite" else [trivial]
            elapsed, code, summary = nbval(paths, junit if name == "suite" else None)
            times[name].append(elapsed)
            outcomes[name] = f"exit {code}: {summary}"
            print(f"round {n + 1} {name:7s} {elapsed:6.1f} s  ({summary})", file=sys.stderr)

    print(f"pytest --nbval over {len(notebooks)} tutorials, {args.rounds} rounds, interleaved")
    for name, label in (("suite", "all tutorials"), ("trivial", "baseline: one 1 + 1 notebook")):
        values = times[name]
        print(
            f"  {label:30s} median {statistics.median(values):6.1f} s  "
            f"p95 {percentile(values, 95):6.1f} s   [{outcomes[name]}]"
        )
    suite, base = statistics.median(times["suite"]), statistics.median(times["trivial"])
    print(
        f"  ratio suite/baseline {suite / base:.1f}x; the tutorials' own work {suite - base:.1f} s"
    )
    verdict = "met" if percentile(times["suite"], 95) < 60 else "UNMET"
    print(f"  target: all tutorials under nbval < 60 s: {verdict} (p95)")
    print("\nlast suite run, seconds per notebook (sum of its cells, from JUnit)")
    for name, seconds in sorted(per_notebook(junit).items(), key=lambda kv: -kv[1]):
        print(f"  {seconds:6.1f} s  {name}")


if __name__ == "__main__":
    main()
