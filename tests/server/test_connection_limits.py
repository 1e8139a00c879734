"""One address cannot stall the server: huge heads, slow requests, too many connections.

Over real sockets, on both of uvicorn's HTTP protocols. Linux lets a client bind any
source address in 127.0.0.0/8: the attacker is 127.0.0.1, another learner 127.0.0.2.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from codegrant_kit.runner import BackgroundServer, build, uvicorn_config

ATTACKER, LEARNER = "127.0.0.1", "127.0.0.2"
CAP = 8
TIMEOUT = 1.0  # request_read_timeout of these servers, in seconds
HEAD_LIMIT = 4096
PROTOCOLS = {"httptools": HttpToolsProtocol, "h11": H11Protocol}


@pytest.fixture(params=sorted(PROTOCOLS))
def limited(request: pytest.FixtureRequest) -> Iterator[BackgroundServer]:
    sock, app = build(
        host=ATTACKER,
        port=0,
        users={"alice": "wonderland"},
        password_hash="fast",
        max_connections_per_address=CAP,
        request_read_timeout=TIMEOUT,
        max_header_bytes=HEAD_LIMIT,
    )
    http: type[asyncio.Protocol] = PROTOCOLS[request.param]
    with BackgroundServer(sock, app, http=http).start() as server:
        yield server


def address(server: BackgroundServer) -> tuple[str, int]:
    host, port = server.local_url.split("//")[1].rsplit(":", 1)
    return host, int(port)


def connect(server: BackgroundServer, source: str = ATTACKER) -> socket.socket:
    sock = socket.socket()
    sock.settimeout(5)
    sock.bind((source, 0))
    sock.connect(address(server))
    return sock


def answer(sock: socket.socket) -> bytes:
    """All the server sends until it closes (b"" for a reset)."""
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    sock.close()
    return data


def head_of(size: int, connection: bytes = b"keep-alive") -> bytes:
    """A GET whose request line and headers are exactly `size` bytes (its answer: a 404)."""
    start = b"GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: " + connection + b"\r\nX-Pad: "
    end = b"\r\n\r\n"
    return start + b"a" * (size - len(start) - len(end)) + end


def learner_is_served(server: BackgroundServer) -> float:
    transport = httpx.HTTPTransport(local_address=LEARNER)
    with httpx.Client(transport=transport, timeout=5) as http:
        started = time.monotonic()
        response = http.get(server.local_url + "/.well-known/oauth-authorization-server")
        assert response.status_code == 200 and response.json()["issuer"] == server.url
        return time.monotonic() - started


def test_another_learner_is_served_while_one_address_holds_its_cap(limited):
    started = time.monotonic()
    slow = [connect(limited) for _ in range(CAP - 1)]
    for sock in slow:
        sock.sendall(b"POST /token HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # and never finished
    # the last connection of its cap: a 16 MiB header, sent while the learner is served
    huge = connect(limited)
    sent: list[BaseException] = []

    def send_huge() -> None:
        try:
            huge.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Huge: " + b"a" * (16 << 20))
        except OSError as exc:
            sent.append(exc)

    sender = threading.Thread(target=send_huge)
    sender.start()
    # over the cap: refused at once, without a request read (503, or a reset)
    refused = answer(connect(limited))
    assert refused in (b"",) or refused.startswith(b"HTTP/1.1 503 "), refused
    if refused:
        assert b"\r\nretry-after: " in refused
    assert learner_is_served(limited) < 0.5
    # RFC 6585 5: the huge header, answered 431 while it is still being sent
    sender.join(timeout=5)
    assert answer(huge).startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")
    assert learner_is_served(limited) < 0.5
    # the slow ones: 408 once their time is up, and their descriptors freed
    for sock in slow:
        assert answer(sock).startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert time.monotonic() - started < TIMEOUT + 2
    served = connect(limited)  # the attacker's address has its cap again
    served.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer(served).startswith(b"HTTP/1.1 200 OK\r\n")


def test_a_head_at_the_limit_is_served_and_one_byte_more_is_refused(limited):
    at_limit = connect(limited)
    at_limit.sendall(head_of(HEAD_LIMIT, b"close"))
    assert answer(at_limit).startswith(b"HTTP/1.1 404 Not Found\r\n")
    over = connect(limited)
    over.sendall(head_of(HEAD_LIMIT + 1))
    assert answer(over).startswith(b"HTTP/1.1 431 ")


def test_the_limit_counts_each_request_of_a_kept_alive_connection(limited):
    sock = connect(limited)
    for _ in range(3):  # three heads of 3/4 of the limit in turn: each one is within it
        sock.sendall(head_of(HEAD_LIMIT * 3 // 4))
        assert sock.recv(65536).startswith(b"HTTP/1.1 404 Not Found\r\n")
    body = b"grant_type=" + b"a" * (HEAD_LIMIT + 100)  # a body is not a head
    sock.sendall(b"POST /token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n")
    sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    assert answer(sock).startswith(b"HTTP/1.1 400 Bad Request\r\n")


def test_a_body_that_stops_is_closed_when_its_time_is_up(limited):
    sock = connect(limited)
    started = time.monotonic()
    sock.sendall(b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\ngrant")
    answer(sock)  # returns once the server has closed it
    assert TIMEOUT - 0.1 < time.monotonic() - started < TIMEOUT + 1


def test_a_connection_that_sends_nothing_is_closed_when_its_time_is_up(limited):
    sock = connect(limited)
    started = time.monotonic()
    assert answer(sock) == b""
    assert TIMEOUT - 0.1 < time.monotonic() - started < TIMEOUT + 1


def test_an_app_without_a_server_config_is_served_with_the_default_limits():
    # the benchmarks' baseline apps are served exactly as the kit is
    config = uvicorn_config(Starlette())
    config.load()
    limits = config.http_protocol_class.limits  # type: ignore[attr-defined]
    assert (limits.max_header_bytes, limits.max_connections_per_address) == (32768, 256)
    assert not config.proxy_headers
