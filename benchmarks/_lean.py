"""A lean HTTP/1.1 client on asyncio streams, and the code flow it drives.

Stock httpx spends more CPU per flow than the server does, so a load generator
built on it measures itself. This client writes each request in one `write`,
keeps the connection alive, reads `Content-Length` or chunked bodies and keeps
one cookie jar per virtual user: nothing more.

The same flow drives the kit and the Authlib baseline: both serve
`GET /authorize` (login page with `sessionDataKey` and `csrf_token`),
`POST /authorize` (login, then consent) and `POST /token`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, urlencode, urlsplit

CALLBACK = "https://client.example.com/cb"
CLIENT_ID = "benchClientKey0000000000000A"  # 28 characters, like WSO2's consumer keys
CLIENT_SECRET = "benchClientSecret00000000000"
USER, PASSWORD = "admin", "admin"
SCOPE = "PRODUCTION"

HIDDEN = re.compile(rb'name="(sessionDataKey|csrf_token)" value="([^"]+)"')


class FlowError(Exception):
    """A response the flow did not expect: wrong status or missing field."""

    def __init__(self, step: str, status: int, body: bytes, headers: dict[str, str]) -> None:
        super().__init__(f"{step}: HTTP {status} {body[:200]!r}")
        self.step, self.status, self.body, self.headers = step, status, body, headers


@dataclass
class Response:
    status: int
    headers: dict[str, str]  # lower-case names; repeated ones joined by "\n"
    body: bytes


@dataclass
class Connection:
    """One keep-alive connection and one cookie jar: one virtual user's browser."""

    host: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    requests: int = 0
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        sock = self._writer.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
            self._writer = self._reader = None

    async def request(
        self,
        method: str,
        target: str,
        body: bytes = b"",
        headers: tuple[tuple[str, str], ...] = (),
    ) -> Response:
        if self._writer is None:
            await self._open()
        assert self._reader is not None and self._writer is not None
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        lines.extend(f"{k}: {v}" for k, v in headers)
        if body or method == "POST":
            lines.append("Content-Type: application/x-www-form-urlencoded")
            lines.append(f"Content-Length: {len(body)}")
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        self.requests += 1
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        parsed: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            parsed[name] = f"{parsed[name]}\n{value}" if name in parsed else value
            if name == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        if "content-length" in parsed:
            data = await self._reader.readexactly(int(parsed["content-length"]))
        elif parsed.get("transfer-encoding", "").lower() == "chunked":
            data = await self._read_chunked()
        else:
            data = b""
        if parsed.get("connection", "").lower() == "close":
            await self.close()
        return Response(status, parsed, data)

    async def _read_chunked(self) -> bytes:
        assert self._reader is not None
        parts = []
        while True:
            size = int((await self._reader.readline()).split(b";")[0], 16)
            if size == 0:
                await self._reader.readline()
                return b"".join(parts)
            parts.append(await self._reader.readexactly(size))
            await self._reader.readline()


def basic_auth(client_id: str, secret: str) -> str:
    # RFC 6749 2.3.1: form-encode each part before base64
    raw = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


AUTHORIZE = "/authorize?" + urlencode(
    {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": CALLBACK,
        "scope": SCOPE,
        "state": "xyz",
    }
)
TOKEN_HEADERS = (("Authorization", basic_auth(CLIENT_ID, CLIENT_SECRET)),)


def _expect(step: str, response: Response, status: int) -> None:
    if response.status != status:
        raise FlowError(step, response.status, response.body, response.headers)


async def one_flow(conn: Connection, refresh: bool = False) -> None:
    """GET /authorize, POST login, POST consent (302 with the code), POST /token [, refresh]."""
    page = await conn.request("GET", AUTHORIZE)
    _expect("GET /authorize", page, 200)
    hidden = {k.decode(): v.decode() for k, v in HIDDEN.findall(page.body)}
    if len(hidden) != 2:
        raise FlowError("login page fields", page.status, page.body, page.headers)
    login = urlencode({**hidden, "username": USER, "password": PASSWORD}).encode()
    consent_page = await conn.request("POST", "/authorize", login)
    _expect("POST login", consent_page, 200)
    if b'name="consent"' not in consent_page.body:
        raise FlowError("consent page", consent_page.status, consent_page.body, {})
    approved = await conn.request(
        "POST", "/authorize", urlencode({**hidden, "consent": "approve"}).encode()
    )
    _expect("POST consent", approved, 302)
    query = parse_qs(urlsplit(approved.headers["location"]).query)
    if "code" not in query:
        raise FlowError("302 Location", approved.status, approved.body, approved.headers)
    body = urlencode(
        {"grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": CALLBACK}
    ).encode()
    tokens = await conn.request("POST", "/token", body, TOKEN_HEADERS)
    _expect("POST /token", tokens, 200)
    if refresh:
        match = re.search(rb'"refresh_token":\s*"([^"]+)"', tokens.body)
        if match is None:
            raise FlowError("refresh_token in JSON", tokens.status, tokens.body, {})
        body = urlencode(
            {"grant_type": "refresh_token", "refresh_token": match.group(1).decode()}
        ).encode()
        _expect(
            "POST /token refresh", await conn.request("POST", "/token", body, TOKEN_HEADERS), 200
        )


def requests_per_flow(refresh: bool) -> int:
    return 5 if refresh else 4


async def one_bare(conn: Connection) -> None:
    response = await conn.request("GET", "/")
    _expect("GET /", response, 200)


def split_url(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    return parts.hostname, parts.port


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of unsorted values (q in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def now() -> float:
    return time.perf_counter()
