"""A learner's flows while one address sends what the server's defaults allow.

    .venv/bin/python benchmarks/abuse.py [--seconds 90] [--rounds 2] [--json FILE] [--candidate DIR]

The server is `codegrant-kit serve` as a subprocess, with its defaults except:
`--port 0`; `--user admin:admin` and `--client` (the benchmark's preloaded
application, benchmarks/_lean.py); `--password-hash fast` unless `--argon2id`
(a 40 ms hash in every flow would hide any stall shorter than that: the 2x
target would be about 90 ms instead of a few); and its soft limit of open
files set to 1024 (`--server-nofile`, 0 leaves it), the usual default of a
login shell or a systemd service, where this machine gives 20,000.

Three processes besides the server, each with its own CPU:

    learner   from 127.0.0.2: whole flows (GET /authorize, sign-in POST, consent
              POST -> 302, POST /token, GET /api/photos), `--rate` flows a second
              at most, a new connection for each flow (its cookies kept, as a
              browser keeps them), every flow bounded by `--timeout`
    attacker  from 127.0.0.1, in the attack phases only, all at once:
              pending logins  GET /authorize in a loop with a large state and a
                              large browser cookie; a 429 is the cap (or the rate
                              limit) working: it waits Retry-After; a request
                              refused otherwise (400, 431, closed) steps down to
                              smaller values, down to the server's own cookie
              refresh loop    one grant, POST /token refresh_token again and again
              registrations   POST /register with the largest metadata allowed
              slow requests   up to `--slow` sockets that send a request line and a
                              header line every `--slow-interval` s, never the end;
                              one the server closes is reopened after a back-off
              a huge header   one request with a `--huge-header-mb` header
              X-Forwarded-For once registrations are refused (a cap per address),
                              one more naming another address: a 201 means the
                              header was believed
    this one  starts and stops them, samples the server (RSS, open files, its
              connections by address, CPU) twice a second, and reports

Phases, one run: warm-up (2 s, not counted), then `--rounds` times idle (the
learner alone) and attack (twice as long), then recovery (the attacker gone, the
learner alone again): idle and attack alternate, so the machine's noise falls on
both. Every 429, 431, 400, 503 or closed socket the attacker meets is the
defence working, counted, never a failure of the benchmark. Everything is on
loopback; it stops by itself.

Targets (issue 6): learner p95 under attack <= 2x idle, no learner errors,
server RSS growth over the run < 20 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import psutil
from _lean import (
    CALLBACK,
    CLIENT_ID,
    CLIENT_SECRET,
    HIDDEN,
    PASSWORD,
    SCOPE,
    TOKEN_HEADERS,
    USER,
    Connection,
    FlowError,
    Response,
    percentile,
    split_url,
)
from _procs import BIN, ROOT, Server, start

LEARNER_ADDRESS = "127.0.0.2"
ATTACKER_ADDRESS = "127.0.0.1"
ATTACKS = ("pending", "refresh", "register", "slow", "huge")
WARMUP = 2.0  # seconds of learner flows before the idle phase counts
BROWSER_COOKIE = "cgk_browser"
# what a refused socket, a cut response or a bad answer raises in the lean client
BROKEN = (OSError, EOFError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError)


def now() -> float:
    # CLOCK_MONOTONIC: the same clock in every process of the run
    return time.monotonic()


async def sleep_until(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - now()))


@dataclass
class From(Connection):
    """A lean keep-alive connection whose socket is bound to a source address."""

    source: str = LEARNER_ADDRESS

    async def _open(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(
            self.host, self.port, local_addr=(self.source, 0)
        )
        sock = self._writer.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def authorize_target(state: str) -> str:
    query = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": CALLBACK,
        "scope": SCOPE,
        "state": state,
    }
    return "/authorize?" + urlencode(query)


def expect(step: str, response: Response, status: int) -> None:
    if response.status != status:
        raise FlowError(step, response.status, response.body, response.headers)


async def get_tokens(conn: Connection) -> dict[str, str]:
    """Login page, sign-in, consent (302 with the code), code for tokens: the token JSON."""
    page = await conn.request("GET", authorize_target("xyz"))
    expect("GET /authorize", page, 200)
    hidden = {k.decode(): v.decode() for k, v in HIDDEN.findall(page.body)}
    if len(hidden) != 2:
        raise FlowError("login page fields", page.status, page.body, page.headers)
    login = urlencode({**hidden, "username": USER, "password": PASSWORD}).encode()
    consent = await conn.request("POST", "/authorize", login)
    expect("POST login", consent, 200)
    approve = urlencode({**hidden, "consent": "approve"}).encode()
    approved = await conn.request("POST", "/authorize", approve)
    expect("POST consent", approved, 302)
    code = parse_qs(urlsplit(approved.headers.get("location", "")).query).get("code")
    if not code:
        raise FlowError("302 Location", approved.status, approved.body, approved.headers)
    body = {"grant_type": "authorization_code", "code": code[0], "redirect_uri": CALLBACK}
    tokens = await conn.request("POST", "/token", urlencode(body).encode(), TOKEN_HEADERS)
    expect("POST /token", tokens, 200)
    result: dict[str, str] = json.loads(tokens.body)
    return result


async def learner_flow(conn: Connection) -> None:
    tokens = await get_tokens(conn)
    bearer = (("Authorization", f"Bearer {tokens['access_token']}"),)
    expect("GET /api/photos", await conn.request("GET", "/api/photos", headers=bearer), 200)


# -- the learner ------------------------------------------------------------------


async def learner(args: argparse.Namespace) -> dict[str, Any]:
    """Flows through its one window: [start time, seconds, error or ""] each."""
    ((start_at, end_at),) = json.loads(args.windows)
    host, port = split_url(args.url)
    interval = 1.0 / args.rate
    records: list[tuple[float, float, str]] = []
    samples: dict[str, str] = {}
    cookies: dict[str, str] = {}
    await sleep_until(start_at)
    while now() < end_at:
        t0 = now()
        conn = From(host, port, cookies=cookies, source=LEARNER_ADDRESS)
        error = ""
        try:
            await asyncio.wait_for(learner_flow(conn), args.timeout)
        except FlowError as exc:
            error = f"{exc.step}: HTTP {exc.status}"
            samples.setdefault(error, repr(exc.body[:200]))
        except asyncio.TimeoutError:
            error = f"no answer within {args.timeout:g} s"
        except BROKEN as exc:
            error = type(exc).__name__
            samples.setdefault(error, str(exc)[:200])
        t1 = now()
        records.append((t0, t1 - t0, error))
        cookies = conn.cookies
        with contextlib.suppress(*BROKEN, asyncio.TimeoutError):
            await asyncio.wait_for(conn.close(), 1.0)
        await asyncio.sleep(max(0.0, t0 + interval - now()))
    return {"records": records, "error_samples": samples}


# -- the attacker -----------------------------------------------------------------


def status_of(data: bytes) -> str:
    """'HTTP 431' from the first bytes of a response, else what they were."""
    match = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    return f"HTTP {match.group(1).decode()}" if match else f"bytes {data[:20]!r}"


def text_of(body: bytes) -> str:
    """The words of an error page or JSON error, for the report."""
    text = re.sub(rb"<(script|style)[^>]*>.*?</\1>", b" ", body, flags=re.S)
    text = re.sub(rb"<[^>]+>", b" ", text)
    return " ".join(text.decode("utf-8", "replace").split())[:240]


class Attacker:
    """One address, several loops at once, each counting what the server let through."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.host, self.port = split_url(args.url)
        self.stop = asyncio.Event()
        self.pending_paused = False
        self.events: list[tuple[float, str]] = []
        self.counts: dict[str, Counter[str]] = {
            name: Counter() for name in ("pending", "refresh", "register", "slow", "huge")
        }
        self.samples: dict[str, dict[str, str]] = {name: {} for name in self.counts}
        # pending logins: (cookie bytes or None for the server's own cookie, state bytes)
        self.levels: list[tuple[int | None, int]] = [
            (args.cookie_bytes, args.state_bytes),
            (2048, 1024),
            (None, 64),
        ]
        self.level = 0
        self.refused_in_a_row = 0
        self.accepted_before_429: int | None = None
        self.xff_probe = ""
        self.xff_tries = 0
        self.quitting = False
        self.slow_open = 0
        self.slow_peak = 0
        self.slow_lifetimes: list[float] = []
        self.register_level = 0
        self.huge_seconds = 0.0
        self.grant_ready = asyncio.Event()
        self.conns: list[From] = []
        self.writers: set[asyncio.StreamWriter] = set()

    def event(self, text: str) -> None:
        self.events.append((now(), text))

    def note(self, loop: str, key: str, sample: str = "") -> None:
        self.counts[loop][key] += 1
        if sample:
            self.samples[loop].setdefault(key, sample)

    def conn(self) -> From:
        conn = From(self.host, self.port, source=ATTACKER_ADDRESS)
        self.conns.append(conn)
        return conn

    async def open_raw(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(self.host, self.port, local_addr=(ATTACKER_ADDRESS, 0)), 5.0
        )
        self.writers.add(writer)
        return reader, writer

    async def wait(self, seconds: float) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.stop.wait(), seconds)

    async def request(
        self, conn: Connection, method: str, target: str, body: bytes = b"", headers: Any = ()
    ) -> Response:
        return await asyncio.wait_for(conn.request(method, target, body, headers), 15.0)

    # pending logins ----------------------------------------------------------------

    async def pending(self, worker: int) -> None:
        await self.grant_ready.wait()  # its own grant first: the same address, one bucket
        conn = self.conn()
        own_cookie: dict[str, str] = {}
        n = 0
        while not self.stop.is_set():
            if self.pending_paused:
                await self.wait(1.0)
                continue
            n += 1
            level = self.level
            cookie_bytes, state_bytes = self.levels[level]
            state = f"{worker}.{n}.".ljust(state_bytes, "s")
            headers: tuple[tuple[str, str], ...] = ()
            if cookie_bytes is None:
                conn.cookies = dict(own_cookie)
            else:
                conn.cookies = {}
                headers = (("Cookie", f"{BROWSER_COOKIE}={worker}x{n}x".ljust(cookie_bytes, "c")),)
            try:
                page = await self.request(conn, "GET", authorize_target(state), headers=headers)
            except (*BROKEN, asyncio.TimeoutError) as exc:
                if self.stop.is_set():  # cut by the end of the attack
                    break
                self.note("pending", f"level {level}: {type(exc).__name__}", str(exc)[:200])
                # a socket closed with no answer: a limit on the header, or no file left
                if not self.counts["pending"][f"accepted at level {level}"]:
                    self.refused(level, needed=5)
                await conn.close()
                conn = self.conn()
                await self.wait(0.2)
                continue
            if BROWSER_COOKIE in conn.cookies:
                own_cookie = {BROWSER_COOKIE: conn.cookies[BROWSER_COOKIE]}
            if page.status == 200 and b"sessionDataKey" in page.body:
                self.note("pending", "accepted")
                self.note("pending", f"accepted at level {level}")
                self.refused_in_a_row = 0
            elif page.status == 429:
                self.note("pending", "HTTP 429", text_of(page.body))
                if self.accepted_before_429 is None:
                    self.accepted_before_429 = self.counts["pending"]["accepted"]
                    self.event(f"first 429 on GET /authorize after {self.accepted_before_429}")
                await self.wait(min(2.0, float(page.headers.get("retry-after", "1"))))
            else:
                key = f"level {level}: HTTP {page.status}"
                self.note("pending", key, text_of(page.body))
                if 300 <= page.status < 500:  # 400, 413, 414, 431, an error redirect: too large
                    self.refused(level)
                await self.wait(0.05)

    def refused(self, level: int, needed: int = 3) -> None:
        """Refused `needed` times in a row at this level: try smaller values."""
        self.refused_in_a_row += 1
        if self.refused_in_a_row >= needed and level == self.level < len(self.levels) - 1:
            self.level += 1
            self.refused_in_a_row = 0
            cookie, state = self.levels[self.level]
            shown = "the server's own" if cookie is None else f"{cookie} bytes"
            self.event(f"pending logins step down: cookie {shown}, state {state} bytes")

    async def probe_forwarded_for(self, conn: Connection, n: int) -> None:
        """Registrations are refused now: does one that names another address pass?

        A cap on registrations per address does not refill as a rate limit does,
        so a 201 here means X-Forwarded-For was believed, the same 400 that it was
        not. Anything else tells nothing, and the probe is tried at the next 400."""
        if self.xff_tries >= 5 or self.xff_probe.endswith("believed"):
            return
        self.xff_tries += 1
        headers = (("Content-Type", "application/json"), ("X-Forwarded-For", "203.0.113.7"))
        try:
            answer = await self.request(
                conn, "POST", "/register", self.registration(n), headers=headers
            )
        except (*BROKEN, asyncio.TimeoutError) as exc:
            self.xff_probe = f"{type(exc).__name__}: tells nothing"
            await conn.close()
            return
        if answer.status == 201:
            self.xff_probe = "HTTP 201, registered: believed"
        elif answer.status == 400:
            self.xff_probe = "HTTP 400 as well: not believed"
        else:
            self.xff_probe = f"HTTP {answer.status}: tells nothing"

    # refresh loop ------------------------------------------------------------------

    async def new_grant(self, conn: Connection) -> str | None:
        while not self.stop.is_set():
            try:
                tokens = await asyncio.wait_for(get_tokens(conn), 15.0)
                self.note("refresh", "grants")
                return tokens["refresh_token"]
            except FlowError as exc:
                self.note("refresh", f"grant: {exc.step}: HTTP {exc.status}", text_of(exc.body))
                await self.wait(float(exc.headers.get("retry-after", "1")))
            except (*BROKEN, asyncio.TimeoutError, KeyError) as exc:
                if self.stop.is_set():  # cut by the end of the attack
                    break
                self.note("refresh", f"grant: {type(exc).__name__}", str(exc)[:200])
                await conn.close()
                await self.wait(1.0)
        return None

    async def refresh(self) -> None:
        conn = self.conn()
        token = await self.new_grant(conn)
        self.grant_ready.set()
        if "refresh" not in self.args.attacks.split(","):
            token = None
        while token is not None and not self.stop.is_set():
            body = urlencode({"grant_type": "refresh_token", "refresh_token": token}).encode()
            try:
                answer = await self.request(conn, "POST", "/token", body, TOKEN_HEADERS)
            except (*BROKEN, asyncio.TimeoutError) as exc:
                if self.stop.is_set():  # cut by the end of the attack
                    break
                self.note("refresh", type(exc).__name__, str(exc)[:200])
                await conn.close()
                await self.wait(0.5)
                continue
            if answer.status == 200:
                self.note("refresh", "done")
                token = json.loads(answer.body)["refresh_token"]
            elif answer.status == 429:
                self.note("refresh", "HTTP 429", text_of(answer.body))
                await self.wait(min(2.0, float(answer.headers.get("retry-after", "1"))))
            else:
                # the grant is spent (a cap on its history?): start another
                self.note("refresh", f"HTTP {answer.status}", text_of(answer.body))
                token = await self.new_grant(conn)
        await conn.close()

    # registrations -----------------------------------------------------------------

    def registration(self, n: int) -> bytes:
        if self.register_level == 0:  # the most the metadata rules allow: 20 URIs of 2,000
            uris = [f"https://a{n}-{i}.example.com/".ljust(2000, "p") for i in range(20)]
            name = f"app {n} ".ljust(200, "n")
        else:
            uris, name = [f"https://a{n}.example.com/cb"], f"app {n}"
        return json.dumps({"client_name": name, "redirect_uris": uris}).encode()

    async def register(self) -> None:
        conn = self.conn()
        headers = (("Content-Type", "application/json"),)
        n = refused = 0
        while not self.stop.is_set():
            n += 1
            try:
                answer = await self.request(
                    conn, "POST", "/register", self.registration(n), headers=headers
                )
            except (*BROKEN, asyncio.TimeoutError) as exc:
                if self.stop.is_set():  # cut by the end of the attack
                    break
                self.note("register", type(exc).__name__, str(exc)[:200])
                await conn.close()
                await self.wait(0.5)
                continue
            if answer.status == 201:
                self.note("register", "accepted")
                refused = 0
            elif answer.status == 429:
                self.note("register", "HTTP 429", text_of(answer.body))
                await self.wait(min(2.0, float(answer.headers.get("retry-after", "1"))))
            else:
                self.note("register", f"HTTP {answer.status}", text_of(answer.body))
                refused += 1
                if answer.status == 400 and self.counts["register"]["accepted"]:
                    await self.probe_forwarded_for(conn, n)
                if (
                    refused >= 3
                    and self.register_level == 0
                    and not self.counts["register"]["accepted"]
                ):
                    self.register_level = 1
                    self.event("registrations step down to one short redirect URI")
                await self.wait(0.5)  # refused: ask again twice a second
        await conn.close()

    # slow requests -----------------------------------------------------------------

    async def slow(self, slot: int) -> None:
        """One socket that never finishes its request; reopened when the server closes it."""
        await self.wait(slot / self.args.slow_ramp)
        backoff = 1.0
        while not self.stop.is_set():
            try:
                reader, writer = await self.open_raw()
            except (OSError, asyncio.TimeoutError) as exc:
                self.note("slow", f"connect: {type(exc).__name__}", str(exc)[:200])
                await self.wait(backoff)
                backoff = min(16.0, 2 * backoff)
                continue
            opened = now()
            self.note("slow", "opened")
            self.slow_open += 1
            self.slow_peak = max(self.slow_peak, self.slow_open)
            why = "held to the end"
            try:
                writer.write(
                    f"GET /authorize?client_id={CLIENT_ID} HTTP/1.1\r\n"
                    f"Host: {self.host}:{self.port}\r\n".encode()
                )
                line = 0
                while not self.stop.is_set():
                    try:
                        data = await asyncio.wait_for(reader.read(4096), self.args.slow_interval)
                    except asyncio.TimeoutError:
                        if self.stop.is_set():
                            break
                        line += 1
                        writer.write(f"X-Slow-{line}: {slot}\r\n".encode())
                        await asyncio.wait_for(writer.drain(), 5.0)
                        continue
                    why = f"answered {status_of(data)}" if data else "closed by the server"
                    break
            except (*BROKEN, asyncio.TimeoutError) as exc:
                why = f"cut: {type(exc).__name__}"
            finally:
                self.slow_open -= 1
                writer.close()
                self.writers.discard(writer)
            held = now() - opened
            if self.stop.is_set():
                why = "held to the end"  # closed by the attacker itself
            self.slow_lifetimes.append(held)
            self.note("slow", why)
            if why != "held to the end":
                backoff = 1.0 if held > 10 else min(16.0, 2 * backoff)
                await self.wait(backoff)

    # one huge header ---------------------------------------------------------------

    async def huge_header(self) -> None:
        await self.wait(self.args.huge_at)
        if self.stop.is_set() or self.args.huge_header_mb <= 0:
            return
        size = self.args.huge_header_mb * 2**20
        chunk = b"h" * 2**20
        self.event(f"huge header ({self.args.huge_header_mb} MiB) starts")
        t0, sent, result = now(), 0, ""
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        try:
            reader, writer = await self.open_raw()
            writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nX-Huge: ")
            while sent < size:
                writer.write(chunk)
                await asyncio.wait_for(writer.drain(), 30.0)
                sent += len(chunk)
            writer.write(b"\r\n\r\n")
            await asyncio.wait_for(writer.drain(), 30.0)
            data = await asyncio.wait_for(reader.read(4096), 30.0)
            result = status_of(data) if data else "closed without an answer"
        except (*BROKEN, asyncio.TimeoutError) as exc:
            result = f"{type(exc).__name__} after {sent // 2**20} MiB sent"
            if reader is not None:  # the server may have answered before it closed
                with contextlib.suppress(*BROKEN, asyncio.TimeoutError):
                    data = await asyncio.wait_for(reader.read(4096), 1.0)
                    if data:
                        result = f"{status_of(data)}, then {result}"
        finally:
            if writer is not None:
                writer.close()
                self.writers.discard(writer)
        self.note("huge", result)
        self.huge_seconds = now() - t0
        self.event(f"huge header: {result} in {self.huge_seconds:.2f} s")

    async def run(self) -> dict[str, Any]:
        """Every loop at once in each window of the attack; nothing in between."""
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, self.quit)
        loop.add_signal_handler(signal.SIGUSR1, self.pause_pending)
        for number, (start_at, end_at) in enumerate(json.loads(self.args.windows), 1):
            await sleep_until(start_at)
            if self.quitting:
                break
            self.stop, self.grant_ready = asyncio.Event(), asyncio.Event()
            self.conns, self.writers = [], set()
            self.event(f"attack {number} starts")
            loop.call_at(loop.time() + max(0.0, end_at - now()), self.finish)
            chosen = set(self.args.attacks.split(","))
            tasks = [self.refresh()]  # its grant opens the way for the pending logins
            if "register" in chosen:
                tasks.append(self.register())
            if "huge" in chosen:
                tasks.append(self.huge_header())
            if "pending" in chosen:
                tasks += [self.pending(w) for w in range(self.args.pending_workers)]
            if "slow" in chosen:
                tasks += [self.delayed_slow(s) for s in range(self.args.slow)]
            await asyncio.gather(*tasks)
            await self.stop.wait()  # when only short attacks were chosen
            self.event(f"attack {number} ends")
        lifetimes = sorted(self.slow_lifetimes)
        return {
            "counts": {name: dict(c) for name, c in self.counts.items()},
            "samples": self.samples,
            "events": self.events,
            "accepted_before_429": self.accepted_before_429,
            "xff_probe": self.xff_probe,
            "slow_peak_open": self.slow_peak,
            "slow_median_lifetime": percentile(lifetimes, 50) if lifetimes else None,
            "cpu": sum(os.times()[:2]),
        }

    async def delayed_slow(self, slot: int) -> None:
        await self.wait(self.args.slow_at)
        if not self.stop.is_set():
            await self.slow(slot)

    def quit(self) -> None:
        self.quitting = True
        self.finish()

    def finish(self) -> None:
        """The end of the attack: every socket closes now, not when its next wait ends."""
        self.stop.set()
        # abort, not close: a coroutine that writes to it next is then told the
        # connection is lost (close() leaves a window where asyncio's write fails)
        for writer in self.writers:
            writer.transport.abort()
        for conn in self.conns:
            if conn._writer is not None:
                conn._writer.transport.abort()
        self.grant_ready.set()  # a pending-login loop still waiting for it ends too

    def pause_pending(self) -> None:
        if not self.pending_paused:
            self.pending_paused = True
            self.event("pending logins paused: the server's RSS passed --max-rss-mb")


# -- the orchestra: server, learner, attacker, samples ------------------------------


def server_command(args: argparse.Namespace) -> list[str]:
    return [
        str(BIN / "codegrant-kit"),
        "serve",
        "--port",
        "0",
        "--user",
        f"{USER}:{PASSWORD}",
        "--client",
        f"{CLIENT_ID}:{CLIENT_SECRET}:{CALLBACK}",
        *([] if args.argon2id else ["--password-hash", "fast"]),
    ]


def cpu_of(process: psutil.Process | None) -> float:
    if process is None:
        return sum(os.times()[:2])  # this process
    try:
        times = process.cpu_times()
    except psutil.Error:  # it has ended
        return float("nan")
    return float(times.user + times.system)


def sample(
    process: psutil.Process, port: int, others: dict[str, psutil.Process | None]
) -> dict[str, Any]:
    by_address: Counter[str] = Counter()
    with contextlib.suppress(psutil.Error):
        for c in process.net_connections(kind="tcp"):
            if c.raddr and c.laddr and c.laddr.port == port:
                by_address[c.raddr.ip] += 1
    times = process.cpu_times()
    return {
        "t": now(),
        "rss": process.memory_info().rss / 2**20,
        "fds": process.num_fds(),
        "attacker_conns": by_address[ATTACKER_ADDRESS],
        "learner_conns": by_address[LEARNER_ADDRESS],
        "cpu": times.user + times.system,
        **{f"{name}_cpu": cpu_of(other) for name, other in others.items()},
    }


def child(
    role: str,
    args: argparse.Namespace,
    url: str,
    windows: list[tuple[float, float]],
    out: Path,
    log: Any,
) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, __file__, "--role", role, "--url", url, "--out", str(out)]
    cmd += ["--windows", json.dumps(windows)]
    for name in (
        "rate",
        "timeout",
        "slow",
        "slow_interval",
        "slow_ramp",
        "slow_at",
        "cookie_bytes",
        "state_bytes",
        "huge_header_mb",
        "huge_at",
        "pending_workers",
        "attacks",
    ):
        cmd += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
    return subprocess.Popen(cmd, stdout=log, stderr=log)


def plan(t0: float, seconds: float, rounds: int) -> list[tuple[str, str, float, float]]:
    """(name, kind, start, end) of each phase: warm-up, then `rounds` times idle and
    attack, then recovery; an attack lasts twice an idle phase or the recovery."""
    unit = seconds / (3 * rounds + 1)
    phases = [("warm-up", "warm-up", t0, t0 + WARMUP)]
    t = t0 + WARMUP
    for n in range(1, rounds + 1):
        suffix = f" {n}" if rounds > 1 else ""
        phases.append((f"idle{suffix}", "idle", t, t + unit))
        phases.append((f"attack{suffix}", "attack", t + unit, t + 3 * unit))
        t += 3 * unit
    phases.append(("recovery", "recovery", t, t + unit))
    return phases


def run(args: argparse.Namespace) -> dict[str, Any]:
    tree = str(Path(args.candidate).resolve()) if args.candidate else str(ROOT)
    server: Server | None = None
    children: list[subprocess.Popen[bytes]] = []
    folder = Path(tempfile.mkdtemp(prefix="bench-abuse-"))
    log = (folder / "children.log").open("wb")
    try:
        server = start("kit", server_command(args), tree=tree)
        process = psutil.Process(server.pid)
        if args.server_nofile:
            hard = process.rlimit(psutil.RLIMIT_NOFILE)[1]
            process.rlimit(psutil.RLIMIT_NOFILE, (args.server_nofile, hard))
        nofile = process.rlimit(psutil.RLIMIT_NOFILE)[0]
        port = split_url(server.url)[1]
        t0 = now() + 1.5  # the children's start-up
        phases = plan(t0, args.seconds, args.rounds)
        end = phases[-1][3]
        others: dict[str, psutil.Process | None] = {"this": None}
        samples = [sample(process, port, others)]
        learner_out, attacker_out = folder / "learner.json", folder / "attacker.json"
        learner_proc = child("learner", args, server.url, [(t0, end)], learner_out, log)
        children.append(learner_proc)
        attacks = [(lo, hi) for _, kind, lo, hi in phases if kind == "attack"]
        attacker_proc = child("attacker", args, server.url, attacks, attacker_out, log)
        children.append(attacker_proc)
        others["learner"] = psutil.Process(learner_proc.pid)
        others["attacker"] = psutil.Process(attacker_proc.pid)
        paused, exited = False, None
        while learner_proc.poll() is None or attacker_proc.poll() is None:
            if now() > end + 60:
                raise RuntimeError("the learner or the attacker did not stop; see " + log.name)
            if exited is None:
                try:
                    samples.append(sample(process, port, others))
                except psutil.NoSuchProcess:
                    exited = now()  # the learner's errors will show what that did
            rss = samples[-1]["rss"]
            if not paused and rss > args.max_rss_mb and attacker_proc.poll() is None:
                attacker_proc.send_signal(signal.SIGUSR1)
                paused = True
            time.sleep(0.5)
        time.sleep(0.5)  # the last sockets' close reaches the server
        with contextlib.suppress(psutil.NoSuchProcess):
            samples.append(sample(process, port, others))
        for name, proc in (("learner", learner_proc), ("attacker", attacker_proc)):
            if proc.returncode:
                log.flush()
                tail = (folder / "children.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"the {name} failed ({proc.returncode}):\n{tail}")
        result = {
            "server": {
                "code": tree,
                "command": server.process.args,
                "nofile": nofile,
                "log": server.log,
                "exited_at": exited,
            },
            "settings": {k: v for k, v in vars(args).items() if k not in ("json",)},
            "phases": phases,
            "samples": samples,
            "learner": json.loads(learner_out.read_text()),
            "attacker": json.loads(attacker_out.read_text()),
            "load": os.getloadavg(),
        }
        shutil.rmtree(folder)  # kept, with the children's log, when something failed
        return result
    finally:
        for proc in children:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if server is not None:
            server.stop()
        log.close()


# -- the report -------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def flow_ms(records: list[list[Any]], timeout: float) -> list[float]:
    """Each flow's milliseconds; one that failed counts as the timeout at least: the
    learner did not get its photos, however fast the refusal came."""
    return [1000 * (max(r[1], timeout) if r[2] else r[1]) for r in records]


CPU_KEYS = {
    "server": "cpu",
    "learner": "learner_cpu",
    "attacker": "attacker_cpu",
    "this": "this_cpu",
}


def cpu_percent(inside: list[dict[str, Any]], key: str) -> float:
    """Percent of one core between the first and last sample that have `key`."""
    have = [s for s in inside if key in s and not math.isnan(s[key])]
    if len(have) < 2 or have[-1]["t"] <= have[0]["t"]:
        return float("nan")
    return float(100 * (have[-1][key] - have[0][key]) / (have[-1]["t"] - have[0]["t"]))


def figures(result: dict[str, Any], windows: list[tuple[float, float]]) -> dict[str, Any]:
    """The learner's flows that started in these windows, and the CPU spent there."""
    records = [
        r for r in result["learner"]["records"] if any(lo <= r[0] < hi for lo, hi in windows)
    ]
    seconds = flow_ms(records, result["settings"]["timeout"])
    errors = Counter(r[2] for r in records if r[2])
    length = sum(hi - lo for lo, hi in windows)
    cpu: dict[str, float] = {}
    for name, key in CPU_KEYS.items():
        spent = [
            cpu_percent([s for s in result["samples"] if lo <= s["t"] <= hi], key)
            for lo, hi in windows
        ]
        cpu[name] = sum(spent) / len(spent)
    return {
        "seconds": length,
        "flows": len(records),
        "flows_per_s": len(records) / length,
        "p50": percentile(seconds, 50),
        "p95": percentile(seconds, 95),
        "max": max(seconds, default=float("nan")),
        "errors": dict(errors),
        "cpu": cpu,
    }


def summarize(result: dict[str, Any]) -> dict[str, Any]:
    real = [p for p in result["phases"] if p[1] != "warm-up"]
    each = {name: figures(result, [(lo, hi)]) for name, _, lo, hi in real}
    phases = {
        kind: figures(result, [(lo, hi) for _, k, lo, hi in real if k == kind])
        for kind in ("idle", "attack", "recovery")
    }
    samples = result["samples"]
    attacks = [(lo, hi) for _, kind, lo, hi in real if kind == "attack"]
    during = [s for s in samples if any(lo <= s["t"] <= hi + 1 for lo, hi in attacks)]
    before_attack = [s for s in samples if s["t"] <= attacks[0][0]]
    rss_start, rss_end = samples[0]["rss"], samples[-1]["rss"]
    errors = sum(sum(p["errors"].values()) for p in phases.values())
    ratio = phases["attack"]["p95"] / phases["idle"]["p95"]
    return {
        "each_phase": each,
        "phases": phases,
        "p95_ratio": ratio,
        "learner_errors": errors,
        "rss": {
            "start": rss_start,
            "before_attack": before_attack[-1]["rss"],
            "peak": max(s["rss"] for s in samples),
            "end": rss_end,
            "growth": rss_end - rss_start,
        },
        "fds": {
            "start": samples[0]["fds"],
            "peak": max(s["fds"] for s in samples),
            "end": samples[-1]["fds"],
        },
        "attacker_conns_peak": max((s["attacker_conns"] for s in during), default=0),
        "targets": {
            "p95 under attack <= 2x idle": ratio <= 2,
            "no learner errors": errors == 0,
            "RSS growth < 20 MB": rss_end - rss_start < 20,
        },
    }


def report(result: dict[str, Any], summary: dict[str, Any]) -> None:
    server, settings = result["server"], result["settings"]
    print(f"server: codegrant-kit serve, its defaults, from {server['code']}")
    print(f"  {' '.join(server['command'][1:])}")
    print(
        f"  soft limit of open files {server['nofile']}; learner from {LEARNER_ADDRESS}, "
        f"attacker from {ATTACKER_ADDRESS}; load average at the end "
        + " ".join(f"{x:.2f}" for x in result["load"])
    )
    print(
        f"learner: at most {settings['rate']:g} flows/s, a new connection a flow, "
        f"timeout {settings['timeout']:g} s; attacks: {settings['attacks']}\n"
    )
    print(
        f"{'phase':<10} {'s':>4} {'flows':>6} {'flows/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'max ms':>9} {'errors':>7}   CPU % server learner attacker this"
    )
    rows = list(summary["each_phase"].items())
    if settings["rounds"] > 1:
        rows += [(f"all {kind}", p) for kind, p in summary["phases"].items() if kind != "recovery"]
    for name, p in rows:
        print(
            f"{name:<10} {p['seconds']:4.0f} {p['flows']:6d} {p['flows_per_s']:8.1f} "
            f"{p['p50']:8.2f} {p['p95']:8.2f} {p['max']:9.1f} "
            f"{sum(p['errors'].values()):7d}   "
            + " ".join(f"{p['cpu'][k]:{len(k)}.0f}" for k in ("server", "learner", "attacker"))
            + f" {p['cpu']['this']:4.0f}"
        )
    for name, p in summary["each_phase"].items():
        for kind, count in sorted(p["errors"].items()):
            sample = result["learner"]["error_samples"].get(kind, "")
            print(f"  {name} error x{count}: {kind} {sample[:120]}")
    attack, idle = summary["phases"]["attack"], summary["phases"]["idle"]
    rss, fds = summary["rss"], summary["fds"]
    print()
    print(
        f"learner p95 under attack / idle: {attack['p95']:.2f} / {idle['p95']:.2f} ms = "
        f"{summary['p95_ratio']:.2f}x (a failed flow counts as the timeout); target <= 2x: "
        f"{verdict(summary['targets']['p95 under attack <= 2x idle'])}"
    )
    recovery = summary["phases"]["recovery"]
    print(
        f"  recovery / idle: {recovery['p95'] / idle['p95']:.2f}x (near 1: the server "
        "recovered and the machine was as busy as in the idle phase)"
    )
    print(
        f"learner errors, whole run: {summary['learner_errors']}; target 0: "
        f"{verdict(summary['targets']['no learner errors'])}"
    )
    print(
        f"server RSS: {rss['start']:.1f} MB at the start, {rss['before_attack']:.1f} before "
        f"the attack, peak {rss['peak']:.1f}, {rss['end']:.1f} at the end: growth "
        f"{rss['growth']:+.1f} MB; target < 20 MB: "
        f"{verdict(summary['targets']['RSS growth < 20 MB'])}"
    )
    print(
        f"server open files: {fds['start']} at the start, peak {fds['peak']}, {fds['end']} "
        f"at the end; connections from the attacker's address: peak "
        f"{summary['attacker_conns_peak']}"
    )
    a = result["attacker"]
    c = a["counts"]
    print("\nwhat the attacker achieved, from one address:")
    pending = c["pending"]
    print(
        f"  pending logins accepted: {pending.get('accepted', 0)} (before the first 429: "
        f"{a['accepted_before_429']}); 429s: {pending.get('HTTP 429', 0)}"
    )
    levels = settings_levels(settings)
    for key, count in sorted(pending.items()):
        if key.startswith("accepted at level"):
            print(f"    accepted with {levels[int(key.rsplit(' ', 1)[1])]}: {count}")
    print_rest("pending", a, skip=("accepted", "HTTP 429"), prefix="accepted at")
    r = c["refresh"]
    print(
        f"  refreshes done: {r.get('done', 0)} on {r.get('grants', 0)} grant(s); "
        f"429s: {r.get('HTTP 429', 0)}"
    )
    print_rest("refresh", a, skip=("done", "grants", "HTTP 429"))
    g = c["register"]
    print(f"  registrations accepted: {g.get('accepted', 0)}; 429s: {g.get('HTTP 429', 0)}")
    print_rest("register", a, skip=("accepted", "HTTP 429"))
    xff = a["xff_probe"] or "no registration refused, not tried"
    print(f"  X-Forwarded-For: 203.0.113.7 on a registration once they are refused: {xff}")
    s = c["slow"]
    life = a["slow_median_lifetime"]
    print(
        f"  slow requests: {s.get('opened', 0)} sockets opened, at most {a['slow_peak_open']} "
        f"open at once (the attacker's count), {summary['attacker_conns_peak']} held by the "
        f"server at once; median life " + (f"{life:.1f} s" if life is not None else "-")
    )
    print_rest("slow", a, skip=("opened",))
    for key, count in c["huge"].items():
        print(f"  huge header ({settings['huge_header_mb']} MiB): {key} (x{count})")
    print("\nevents (seconds from the start of the idle phase):")
    t0 = result["phases"][1][2]
    for t, text in a["events"]:
        print(f"  {t - t0:7.2f}  {text}")
    timeline(result)


def settings_levels(settings: dict[str, Any]) -> list[str]:
    return [
        f"cookie {settings['cookie_bytes']} B, state {settings['state_bytes']} B",
        "cookie 2048 B, state 1024 B",
        "the server's own cookie, state 64 B",
    ]


def print_rest(loop: str, a: dict[str, Any], skip: tuple[str, ...], prefix: str = "~") -> None:
    for key, count in sorted(a["counts"][loop].items()):
        if key in skip or key.startswith(prefix):
            continue
        text = a["samples"][loop].get(key, "")
        print(f"    {key}: {count}" + (f"  ({text[:150]})" if text else ""))


def timeline(result: dict[str, Any], step: float = 5.0) -> None:
    """Each phase in slices of at most `step` seconds: which attack hurt, and when."""
    print(f"\ntimeline (the learner's flows and the server, in slices of {step:g} s at most):")
    print(
        f"{'t s':>6} {'phase':<10} {'flows':>5} {'p95 ms':>8} {'max ms':>8} {'errors':>6} "
        f"{'RSS MB':>7} {'files':>6} {'attacker conns':>14}"
    )
    start = result["phases"][1][2]
    for name, _, lo, hi in result["phases"][1:]:
        pieces = max(1, round((hi - lo) / step))
        for i in range(pieces):
            t, t1 = lo + (hi - lo) * i / pieces, lo + (hi - lo) * (i + 1) / pieces
            records = [r for r in result["learner"]["records"] if t <= r[0] < t1]
            inside = [s for s in result["samples"] if t <= s["t"] < t1] or [{}]
            ms = flow_ms(records, result["settings"]["timeout"])
            last = inside[-1]
            print(
                f"{t - start:6.0f} {name:<10} {len(ms):5d} {percentile(ms, 95):8.2f} "
                f"{max(ms, default=float('nan')):8.1f} {sum(1 for r in records if r[2]):6d} "
                f"{last.get('rss', float('nan')):7.1f} {last.get('fds', 0):6d} "
                f"{max(s.get('attacker_conns', 0) for s in inside):14d}"
            )


# -- the command line -------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds",
        type=float,
        default=90.0,
        help="the whole run but a 2 s warm-up; an attack phase lasts twice an idle one "
        "or the recovery",
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="idle and attack phases, alternating, before recovery"
    )
    parser.add_argument(
        "--attacks",
        default=",".join(ATTACKS),
        help=f"which to run, comma-separated (default all: {','.join(ATTACKS)})",
    )
    parser.add_argument("--rate", type=float, default=20.0, help="the learner's flows/s at most")
    parser.add_argument("--timeout", type=float, default=5.0, help="the longest a flow may take")
    parser.add_argument("--slow", type=int, default=1100, help="slow sockets to try to hold")
    parser.add_argument(
        "--slow-interval",
        type=float,
        default=5.0,
        help="seconds between the header lines of a slow request",
    )
    parser.add_argument(
        "--slow-ramp",
        type=float,
        default=500.0,
        help="slow sockets opened a second while ramping up",
    )
    parser.add_argument(
        "--slow-at",
        type=float,
        default=4.0,
        help="seconds into the attack when the slow sockets start",
    )
    parser.add_argument(
        "--cookie-bytes",
        type=int,
        default=32 * 1024,
        help="the browser cookie sent with each pending login",
    )
    parser.add_argument(
        "--state-bytes", type=int, default=8 * 1024, help="the state of each pending login"
    )
    parser.add_argument("--pending-workers", type=int, default=2)
    parser.add_argument("--huge-header-mb", type=int, default=64, help="0: none")
    parser.add_argument(
        "--huge-at",
        type=float,
        default=2.0,
        help="seconds into the attack when the huge header is sent",
    )
    parser.add_argument(
        "--server-nofile",
        type=int,
        default=1024,
        help="the server's soft limit of open files (0: as inherited)",
    )
    parser.add_argument(
        "--max-rss-mb",
        type=float,
        default=1500.0,
        help="pause the pending logins when the server's RSS passes this",
    )
    parser.add_argument(
        "--argon2id",
        action="store_true",
        help="the default password hash, not --password-hash fast",
    )
    parser.add_argument(
        "--candidate",
        metavar="DIR",
        help="run the server from DIR's codegrant_kit (another working tree)",
    )
    parser.add_argument("--json", type=Path, help="write the figures and samples here")
    parser.add_argument("--role", choices=("learner", "attacker"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--windows", help=argparse.SUPPRESS)  # JSON [[start, end], ...]
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    unknown = set(args.attacks.split(",")) - set(ATTACKS)
    if unknown:
        parser.error(f"unknown attacks {', '.join(sorted(unknown))}; choose from {ATTACKS}")
    if args.role:
        if args.role == "attacker":  # a socket a slow request, and a few more
            hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            outcome = asyncio.run(Attacker(args).run())
        else:
            outcome = asyncio.run(learner(args))
        args.out.write_text(json.dumps(outcome))
        return
    result = run(args)
    summary = summarize(result)
    report(result, summary)
    if args.json is not None:
        args.json.write_text(json.dumps({"summary": summary, **result}, indent=1))


if __name__ == "__main__":
    main()
