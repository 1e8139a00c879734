"""Limits on each connection, below the application: what one client can hold.

uvicorn reads a request head for as long as it keeps coming (with httptools, with
no limit at all), waits forever for a request that is never finished, and lets one
address open as many connections as the process has descriptors. So one address
could stall the event loop with one huge header, or take every descriptor with
slow requests, and the other learners would be served no more. Here uvicorn's own
HTTP protocol (httptools, or h11 without it) gets three limits from ServerConfig:

    max_header_bytes              a longer request line and headers: 431, then closed
    request_read_timeout          a request not read whole in time: 408, then closed
    max_connections_per_address   one connection more from that address: 503, closed unread

    uvicorn.Config(app, http=limited_protocol(ConnectionLimits(32768, 10.0, 256)))
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from typing import Any, cast

# Seconds a refused request's connection still reads (and drops) what the client
# sends, so that a client that writes its whole request before it reads sees our
# answer instead of a reset.
LINGER = 1.0


def _response(status: bytes, message: str, *extra: bytes) -> bytes:
    body = message.encode("ascii")
    head = [
        b"HTTP/1.1 " + status,
        b"content-type: text/plain; charset=utf-8",
        b"content-length: " + str(len(body)).encode("ascii"),
        b"connection: close",
        *extra,
    ]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


# RFC 6585 5: 431 Request Header Fields Too Large
HEADERS_TOO_LARGE = _response(
    b"431 Request Header Fields Too Large",
    "The request line and headers are too long for this server.",
)
# RFC 9110 15.5.9: 408 Request Timeout, when a request is not received whole in time
TIMED_OUT = _response(b"408 Request Timeout", "The request did not arrive in time.")
# RFC 9110 15.6.4: 503 Service Unavailable, with Retry-After (RFC 9110 10.2.3)
TOO_MANY = _response(
    b"503 Service Unavailable",
    "Too many open connections from your address; close some and try again.",
    b"retry-after: 5",
)


@dataclass(frozen=True)
class ConnectionLimits:
    max_header_bytes: int
    request_read_timeout: float  # seconds from a request's first byte to its last
    # None: no cap, behind a proxy, where every connection comes from the proxy
    max_connections_per_address: int | None


def uvicorn_protocol() -> type[asyncio.Protocol]:
    """The protocol uvicorn's "auto" picks: httptools when installed, else h11."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:
        from uvicorn.protocols.http.h11_impl import H11Protocol

        return H11Protocol
    return HttpToolsProtocol


def limited_protocol(
    limits: ConnectionLimits, base: type[asyncio.Protocol] | None = None
) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol class `base` with `limits`, for one server.

    The class keeps the count of open connections per address: make one per server.
    """
    base = base or uvicorn_protocol()
    attributes = {"limits": limits, "open_from": Counter()}
    return type(f"Limited{base.__name__}", (_Limited, base), attributes)


class _Limited(asyncio.Protocol):
    """Put before one of uvicorn's protocols, which does the HTTP itself."""

    limits: ConnectionLimits
    open_from: Counter[str]  # open connections per peer address, of one server
    # uvicorn's: the transport, its loop, and the request being served (None at first)
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    cycle: Any

    _address: str | None = None  # counted in open_from while open
    _unserved = False  # refused over the cap: uvicorn never saw it
    _dropping = False  # answered with a refusal: what still comes is dropped
    _head_bytes = 0  # of the head being read
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername")
        address = peer[0] if isinstance(peer, tuple) else None
        cap = self.limits.max_connections_per_address
        if address is not None and cap is not None:
            if self.open_from[address] >= cap:
                # refused at once and never read: its descriptor is freed now
                self._unserved = True
                cast(asyncio.Transport, transport).write(TOO_MANY)
                transport.close()
                return
            self.open_from[address] += 1
            self._address = address
        super().connection_made(transport)
        self._start_deadline()  # a connection that sends nothing holds a descriptor too

    def connection_lost(self, exc: Exception | None) -> None:
        if self._address is not None:
            self.open_from[self._address] -= 1
            if not self.open_from[self._address]:
                del self.open_from[self._address]
            self._address = None
        self._stop_deadline()
        if not self._unserved:
            super().connection_lost(exc)

    def _reading_head(self) -> bool:
        """Is the next byte part of a request head (not of a body)?"""
        return self.cycle is None or not self.cycle.more_body

    def data_received(self, data: bytes) -> None:
        if self._dropping:
            return  # a refused request lingers
        while data and not self.transport.is_closing():
            if not self._reading_head():
                # a body: uvicorn pauses reading while the application is behind
                super().data_received(data)
                data = b""
                if self._reading_head():  # the request is read whole
                    self._stop_deadline()
                    self._head_bytes = 0
                continue
            if self._deadline is None:
                self._start_deadline()
            # give the parser no more of a head than the limit: httptools would keep it all
            room = self.limits.max_header_bytes - self._head_bytes
            part, data = data[:room], data[room:]
            self._head_bytes += len(part)
            before = self.cycle
            super().data_received(part)
            if self.cycle is not before:  # a head was complete: a new request
                self._head_bytes = 0
                if self._reading_head():  # and read whole (no body)
                    self._stop_deadline()
            elif self._head_bytes >= self.limits.max_header_bytes:
                self._refuse(HEADERS_TOO_LARGE)
                return

    def _refuse(self, response: bytes) -> None:
        """Answer, stop reading requests, and close after LINGER seconds at most."""
        self._dropping = True
        self._stop_deadline()
        self.transport.write(response)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER, self.transport.close)

    def _start_deadline(self) -> None:
        self._stop_deadline()
        self._deadline = self.loop.call_later(
            self.limits.request_read_timeout, self._read_timed_out
        )

    def _stop_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _read_timed_out(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self._reading_head() and self._head_bytes:
            self._refuse(TIMED_OUT)
        else:
            # nothing sent yet, or a body that stopped: the application gets a disconnect
            self.transport.close()
