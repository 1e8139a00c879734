"""Wall time of the README's set-up in a fresh clone, against `python -m venv` alone.

    .venv/bin/python benchmarks/install.py [--rounds 3] [--cold]

Each run clones the repository (`git clone`, so only what is committed) into a
new temporary directory and times there:

    venv     baseline: `python3 -m venv .venv`, what any set-up starts with
    lab      `make .venv/.lab-installed`: what `make lab` does before it opens
             JupyterLab (venv, pip install uv, uv pip install -e '.[lab]')
    test     `make .venv/.test-installed`: the set-up of `make test`

Each is split into the venv-and-uv step (`make .venv/bin/python`) and the
install. By default uv's download cache is the user's (warm, as on a machine
that installed once); `--cold` gives every run an empty uv cache, as on a
fresh machine (everything is downloaded again).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _lean import percentile

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"lab": ".venv/.lab-installed", "test": ".venv/.test-installed"}


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return time.perf_counter() - t0


def one_run(name: str, cold: bool) -> tuple[float, float]:
    """(venv + uv, install) seconds of one set-up in a fresh clone."""
    work = Path(tempfile.mkdtemp(prefix=f"bench-install-{name}-"))
    try:
        clone = work / "codegrant-kit"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
        if cold:
            env["UV_CACHE_DIR"] = str(work / "uv-cache")
        if name == "venv":
            return timed(["python3", "-m", "venv", ".venv"], clone, env), 0.0
        first = timed(["make", "-s", ".venv/bin/python"], clone, env)
        second = timed(["make", "-s", TARGETS[name]], clone, env)
        return first, second
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cold", action="store_true", help="an empty uv cache for every run")
    parser.add_argument("--targets", default="venv,lab,test")
    args = parser.parse_args()
    names = args.targets.split(",")
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    for n in range(args.rounds):
        for name in names[n % len(names) :] + names[: n % len(names)]:
            first, second = one_run(name, args.cold)
            runs[name].append((first, second))
            print(f"round {n + 1} {name:5s} {first + second:6.1f} s", file=sys.stderr)

    cache = "empty uv cache each run (--cold)" if args.cold else "the user's uv cache (warm)"
    print(f"set-up in a fresh clone, {args.rounds} rounds interleaved, {cache}")
    base = statistics.median(first + second for first, second in runs.get("venv", [(1.0, 0)]))
    labels = {
        "venv": "baseline: python3 -m venv .venv",
        "lab": "make .venv/.lab-installed",
        "test": "make .venv/.test-installed",
    }
    for name in names:
        totals = [first + second for first, second in runs[name]]
        median = statistics.median(totals)
        split = ""
        if name != "venv":
            venv_uv = statistics.median(first for first, _ in runs[name])
            install = statistics.median(second for _, second in runs[name])
            split = f"  (venv + pip install uv {venv_uv:.1f} s, uv pip install {install:.1f} s)"
        print(
            f"  {labels[name]:32s} median {median:6.1f} s  p95 {percentile(totals, 95):6.1f} s"
            f"  {median / base:5.1f}x venv{split}"
        )


if __name__ == "__main__":
    main()
