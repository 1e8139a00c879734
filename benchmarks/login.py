"""One sign-in (POST login) with the default Argon2id hashing, against the fast hash.

    .venv/bin/python benchmarks/login.py [--logins 40] [--users 8]

Two background servers in this process, the same code but for the hash: the
kit's default (Argon2id) and `password_hash="fast"` (one SHA-256), the baseline:
the difference between their POST login latencies is the cost of the slow hash.
Timed one at a time, interleaved, then with --users sign-ins at once (a class
logging in together: the hash runs in the thread pool, two cores). Also: the
Argon2id hash alone, with the kit's parameters.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import statistics
import time
from typing import Any
from urllib.parse import urlencode

from _lean import (
    AUTHORIZE,
    CALLBACK,
    CLIENT_ID,
    CLIENT_SECRET,
    HIDDEN,
    PASSWORD,
    USER,
    Connection,
    percentile,
    split_url,
)


def start(password_hash: str) -> Any:
    from codegrant_kit.runner import BackgroundServer, build
    from codegrant_kit.server import ServerConfig

    options: dict[str, Any] = {"password_hash": password_hash}
    if "rate_limits" in {f.name for f in dataclasses.fields(ServerConfig)}:
        options["rate_limits"] = {"authorize": None, "token": None, "register": None}
    client = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [CALLBACK]}
    sock, app = build(host="127.0.0.1", port=0, users={USER: PASSWORD}, clients=[client], **options)
    return BackgroundServer(sock, app).start()


async def login(conn: Connection) -> float:
    """Open the login page (untimed), then time the POST with the right password."""
    page = await conn.request("GET", AUTHORIZE)
    hidden = {k.decode(): v.decode() for k, v in HIDDEN.findall(page.body)}
    body = urlencode({**hidden, "username": USER, "password": PASSWORD}).encode()
    t0 = time.perf_counter()
    response = await conn.request("POST", "/authorize", body)
    elapsed = time.perf_counter() - t0
    if response.status != 200 or b'name="consent"' not in response.body:
        raise RuntimeError(f"login failed: HTTP {response.status} {response.body[:200]!r}")
    return elapsed


def ms(values: list[float]) -> str:
    return (
        f"median {1000 * statistics.median(values):6.1f} ms  "
        f"p95 {1000 * percentile(values, 95):6.1f} ms"
    )


SCHEMES = ("argon2id", "fast")  # the default, the baseline
LABELS = {
    "argon2id": "default: Argon2id m=19 MiB t=2 p=1",
    "fast": "baseline: password_hash='fast'",
}


async def run(args: argparse.Namespace) -> None:
    servers = {scheme: start(scheme) for scheme in SCHEMES}
    conns = {scheme: Connection(*split_url(s.url)) for scheme, s in servers.items()}
    times: dict[str, list[float]] = {scheme: [] for scheme in SCHEMES}
    for scheme in SCHEMES:  # warm up
        await login(conns[scheme])
    for n in range(args.logins):
        for scheme in SCHEMES[n % 2 :] + SCHEMES[: n % 2]:  # the order rotates
            times[scheme].append(await login(conns[scheme]))
    together: dict[str, list[float]] = {scheme: [] for scheme in SCHEMES}
    for _ in range(args.rounds):
        for scheme in SCHEMES:
            users = [Connection(*split_url(servers[scheme].url)) for _ in range(args.users)]
            together[scheme] += await asyncio.gather(*(login(c) for c in users))
            for c in users:
                await c.close()
    for conn in conns.values():
        await conn.close()
    for server in servers.values():
        server.stop()

    from codegrant_kit.server import passwords

    alone: dict[str, list[float]] = {"argon2id": []}
    for _ in range(10):
        for scheme in alone:
            t0 = time.perf_counter()
            passwords.hash_password(PASSWORD, scheme)
            alone[scheme].append(time.perf_counter() - t0)

    print(f"POST login, one at a time ({args.logins} each, interleaved)")
    for scheme in SCHEMES:
        print(f"  {LABELS[scheme]:40s} {ms(times[scheme])}")
    for scheme in alone:
        extra = statistics.median(times[scheme]) - statistics.median(times["fast"])
        print(
            f"  {scheme}: the hash adds {1000 * extra:.1f} ms (medians); "
            f"the hash alone: {ms(alone[scheme])}"
        )
    verdict = "met" if percentile(times["argon2id"], 95) < 0.060 else "UNMET"
    print(f"  target: default login < 60 ms: {verdict} (p95)")
    print(f"\n{args.users} sign-ins at once ({args.rounds} rounds)")
    for scheme in SCHEMES:
        print(f"  {LABELS[scheme]:40s} {ms(together[scheme])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=40)
    parser.add_argument("--users", type=int, default=8, help="sign-ins at once")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of sign-ins at once")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
