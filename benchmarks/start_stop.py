"""Background start and stop inside a real Jupyter kernel; import time of the package.

    .venv/bin/python benchmarks/start_stop.py [--cycles 20] [--imports 7]

Start/stop: a kernel is started with jupyter_client's KernelManager, and in it
(where an asyncio loop already runs) `start_server()` and `stop_server()` are
timed, interleaved with a baseline: a bare Starlette app started and stopped by
the same runner (`BackgroundServer`), so the difference is the kit's own work
(building the store, hashing the default user's password). The first start in a
fresh kernel is reported apart (lazy imports inside uvicorn land there).

Imports: each `import X` runs in a fresh interpreter, the modules interleaved,
against the interpreter's own start (`pass`) and the frameworks they stand on
(starlette + uvicorn, ipywidgets). `-X importtime` names the slowest modules.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _lean import percentile
from jupyter_client.manager import KernelManager

ROOT = Path(__file__).resolve().parent.parent

KERNEL_CODE = r"""
import json, time
t0 = time.perf_counter()
import codegrant_kit
from codegrant_kit import start_server, stop_server
from codegrant_kit.runner import BackgroundServer, bind_socket
t_import = time.perf_counter() - t0
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from codegrant_kit.server import ServerConfig, Store

async def hello(request):
    return PlainTextResponse("hello")

def bare():
    app = Starlette(routes=[Route("/", hello)])
    app.state.config = ServerConfig(issuer="http://127.0.0.1")
    app.state.store = Store(app.state.config)
    return BackgroundServer(bind_socket("127.0.0.1", 0), app)

def timed(start, stop):
    t0 = time.perf_counter(); server = start(); t1 = time.perf_counter()
    stop(server); t2 = time.perf_counter()
    return t1 - t0, t2 - t1

out = {"import": t_import, "kit": [], "kit_fast": [], "bare": []}
# the first start in this kernel, before anything else started a server
out["first"] = timed(lambda: start_server(), lambda s: stop_server())
for n in range(CYCLES):
    order = ["kit", "kit_fast", "bare"]
    for name in order[n % 3:] + order[:n % 3]:
        if name == "kit":  # the default: Argon2id for the default user admin:admin
            out[name].append(timed(lambda: start_server(code_lifetime=300 + n % 2),
                                   lambda s: stop_server()))
        elif name == "kit_fast":
            out[name].append(timed(lambda: start_server(password_hash="fast",
                                                        code_lifetime=300 + n % 2),
                                   lambda s: stop_server()))
        else:
            out[name].append(timed(lambda: bare().start(), lambda s: s.stop()))
print("RESULT" + json.dumps(out))
"""


def run_in_kernel(code: str, timeout: float = 300) -> dict[str, Any]:
    km = KernelManager(kernel_name="python3")
    km.start_kernel(cwd=str(ROOT), env={**os.environ, "PYTHONPATH": str(ROOT)})
    client = km.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        outputs: list[str] = []

        def hook(msg: dict[str, Any]) -> None:
            content = msg["content"]
            if msg["msg_type"] == "stream":
                outputs.append(content["text"])
            elif msg["msg_type"] == "error":
                outputs.append("\n".join(content["traceback"]))

        check = "import sys; print('KERNEL', sys.executable)"
        client.execute_interactive(check, output_hook=hook, timeout=60)
        reply = client.execute_interactive(code, output_hook=hook, timeout=timeout)
        text = "".join(outputs)
        if reply["content"]["status"] != "ok" or "RESULT" not in text:
            raise RuntimeError(f"kernel code failed:\n{text}")
        kernel_python = text.split("KERNEL ", 1)[1].split("\n", 1)[0]
        result: dict[str, Any] = json.loads(text.split("RESULT", 1)[1].strip().splitlines()[0])
        result["kernel_python"] = kernel_python
        return result
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)


def ms(values: list[float]) -> str:
    return (
        f"median {1000 * statistics.median(values):7.1f} ms  "
        f"p95 {1000 * percentile(values, 95):7.1f} ms"
    )


IMPORTS = {
    "python -c pass (interpreter start)": "pass",
    "import starlette.applications, uvicorn": "import starlette.applications, uvicorn",
    "import ipywidgets": "import ipywidgets",
    "import codegrant_kit": "import codegrant_kit",
    "import codegrant_kit.client": "import codegrant_kit.client",
    "import codegrant_kit.panels": "import codegrant_kit.panels",
}


def import_times(repeats: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in IMPORTS}
    names = list(IMPORTS)
    for n in range(repeats + 1):
        for name in names[n % len(names) :] + names[: n % len(names)]:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", IMPORTS[name]], check=True, cwd=ROOT)
            if n:  # the first pass warms the disk cache
                times[name].append(time.perf_counter() - t0)
    return times


def slowest_imports(module: str, top: int) -> list[tuple[int, int, str]]:
    """(self us, cumulative us, module) of the slowest modules `-X importtime` reports."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|")
        rows.append((int(own), int(cumulative), name.rstrip()))
    rows.sort(key=lambda r: -r[1])
    return rows[:top]


def kernel_report(args: argparse.Namespace) -> None:
    result = run_in_kernel(KERNEL_CODE.replace("CYCLES", str(args.cycles)))
    print(f"inside a Jupyter kernel ({result['kernel_python']}), {args.cycles} cycles each")
    print(f"  import codegrant_kit in the kernel: {1000 * result['import']:.1f} ms")
    first_start, first_stop = result["first"]
    print(
        f"  first start in a fresh kernel: {1000 * first_start:.1f} ms, "
        f"its stop {1000 * first_stop:.1f} ms"
    )
    labels = {
        "kit": "start_server() (default, Argon2id)",
        "kit_fast": "start_server(password_hash='fast')",
        "bare": "baseline: bare Starlette, same runner",
    }
    for name, label in labels.items():
        starts = [s for s, _ in result[name]]
        stops = [t for _, t in result[name]]
        print(f"  {label:38s} start {ms(starts)}   stop {ms(stops)}")
    bare_start = statistics.median(s for s, _ in result["bare"])
    bare_stop = statistics.median(t for _, t in result["bare"])
    kit_start = statistics.median(s for s, _ in result["kit"])
    kit_stop = statistics.median(t for _, t in result["kit"])
    print(
        f"  ratio kit/bare (medians): start {kit_start / bare_start:.2f}x "
        f"(+{1000 * (kit_start - bare_start):.1f} ms), stop {kit_stop / bare_stop:.2f}x"
    )
    kit_p95 = percentile([s for s, _ in result["kit"]], 95)
    kit_stop_p95 = percentile([t for _, t in result["kit"]], 95)
    print(
        f"  targets: start < 100 ms: {'met' if kit_p95 < 0.1 else 'UNMET'} (p95), "
        f"first start {'met' if first_start < 0.1 else 'UNMET'}; "
        f"stop < 300 ms: {'met' if kit_stop_p95 < 0.3 else 'UNMET'} (p95)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=20, help="start/stop cycles per server")
    parser.add_argument("--imports", type=int, default=7, help="fresh interpreters per import")
    parser.add_argument("--top", type=int, default=12, help="slowest modules to list")
    args = parser.parse_args()
    kernel_report(args)

    print(f"\nimport time, fresh interpreter each ({args.imports} each, interleaved)")
    times = import_times(args.imports)
    base = statistics.median(times["python -c pass (interpreter start)"])
    for name, values in times.items():
        extra = (
            ""
            if name.startswith("python")
            else f"  (+{1000 * (statistics.median(values) - base):.0f} ms over the interpreter)"
        )
        print(f"  {name:40s} {ms(values)}{extra}")
    for module in ("codegrant_kit", "codegrant_kit.panels"):
        print(f"\nslowest modules under `import {module}` (-X importtime, cumulative)")
        for own, cumulative, name in slowest_imports(module, args.top):
            print(f"  {cumulative / 1000:7.1f} ms cumulative {own / 1000:6.1f} ms self  {name}")


if __name__ == "__main__":
    main()
