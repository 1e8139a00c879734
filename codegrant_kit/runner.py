"""Run the authorization server: in a background thread of a notebook, or in the foreground.

    >>> server = start_server()          # 127.0.0.1, a free port, user admin:admin
    >>> server.url
    'http://127.0.0.1:41234'
    >>> server.stop()

In a Jupyter kernel the server gets a daemon thread with its own event loop, so
the kernel's own loop is left alone. Running the cell again returns the same
server when nothing changed, and replaces it when something did.

    start_server(tls=True)                 https, with a local CA: verify=server.ca_path
    start_server(db="class.db")            everything kept in SQLite across restarts
    start_server(public_url=proxied_url, trust_forwarded_prefix=True)
                                           behind jupyter-server-proxy (hosted Jupyter)
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import tls as tls_files
from .client._http import ClosedOnExit
from .connection_limits import ConnectionLimits, limited_protocol
from .serve_options import (
    DEFAULT_USERS,
    PublicUrl,
    ServeOptions,
    is_loopback,
    issuer_for,
    no_longer_admitted,
    public_issuer,
)
from .server import ServerConfig, Store, create_app
from .server.app import loud_warnings

__all__ = [
    "DEFAULT_USERS",
    "START_TIMEOUT",
    "BackgroundServer",
    "PublicUrl",
    "ServeOptions",
    "bind_socket",
    "build",
    "is_loopback",
    "issuer_for",
    "no_longer_admitted",
    "public_issuer",
    "start_server",
    "stop_server",
    "uvicorn_config",
]

START_TIMEOUT = 10.0  # seconds


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket with Nagle off (each response leaves at once)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(exc.errno, f"Cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


class _Server(uvicorn.Server):
    """uvicorn's server, telling us the moment it accepts connections."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if not self.should_exit:
            self._on_ready()


def build(
    options: ServeOptions | None = None, /, **keywords: Any
) -> tuple[socket.socket, Starlette]:
    """Bind the socket first, so the issuer carries the real port, then make the app.

    Give a `ServeOptions`, or its keywords (those of `start_server`). `tls` makes a
    local CA (in `tls_dir`, else next to the `db`, else a temporary folder) and
    serves https; `certfile` and `keyfile` serve given ones. The TLS files end up in
    `app.state.tls`.
    """
    if options is None:
        options = ServeOptions.of(**keywords)
    elif keywords:
        raise TypeError("Give build() a ServeOptions or keywords, not both.")
    if (options.certfile is None) != (options.keyfile is None):
        raise ValueError("Give both a certificate and its key, or neither.")
    users = options.resolved_users()
    sock = bind_socket(options.host, options.port)
    store = None
    try:
        config = options.server_config(sock.getsockname()[1])
        files = None
        if options.certfile is not None and options.keyfile is not None:
            files = tls_files.given(options.certfile, options.keyfile)
        elif options.tls:
            folder = tls_files.tls_directory(options.tls_dir, config.db)
            hosts = tls_files.certificate_hosts(options.host, config.issuer)
            files = tls_files.local_ca(folder, hosts)
        store = Store(config)
        # hashed while uvicorn starts, which need not wait for them
        store.add_users_soon(users)
        # the users given at start are the users: a database's others are let go
        removed_users = [] if options.keep_database_users else store.admit_only(users)
        for client in options.clients:
            # with a database, a client given at every start replaces the one it kept
            store.add_client(**client, replace=store.persistent)
        if options.instructor is not None:
            store.services.set_instructor(*options.instructor)
        app = create_app(config, store)
        app.state.tls = files
        app.state.removed_users = removed_users  # for the start to say (no_longer_admitted)
        return sock, app
    except BaseException:
        if store is not None:
            store.close()  # nor the database file
        sock.close()  # a refused option must not keep the port
        raise


def uvicorn_config(app: Starlette, http: type[asyncio.Protocol] | None = None) -> uvicorn.Config:
    """How uvicorn serves `app`; `http`: uvicorn's protocol to limit (default httptools, or h11)."""
    files: tls_files.TlsFiles | None = getattr(app.state, "tls", None)
    # a baseline app of the benchmarks has no config: it is served with the defaults
    config: ServerConfig = getattr(app.state, "config", None) or ServerConfig()
    limits = ConnectionLimits(
        max_header_bytes=config.max_header_bytes,
        request_read_timeout=config.request_read_timeout,
        # behind a proxy every connection comes from the proxy: it must do the counting
        max_connections_per_address=(
            None if config.trust_forwarded_for else config.max_connections_per_address
        ),
    )
    return uvicorn.Config(
        app,
        http=limited_protocol(limits, http),
        ws="none",  # no WebSocket route: an Upgrade is answered as plain HTTP
        # RFC 7239 8.1: forwarded headers only from a proxy that was declared
        proxy_headers=config.trust_forwarded_for,
        h11_max_incomplete_event_size=config.max_header_bytes,  # without httptools
        log_level="warning",  # info lines would land in notebook cells
        access_log=False,
        lifespan="off",
        server_header=False,
        timeout_graceful_shutdown=1,
        ssl_certfile=files.certfile if files else None,
        ssl_keyfile=files.keyfile if files else None,
    )


class _TellsWhenAnswered:
    """The app, calling each listener just before a response's last bytes go out.

    Every change to the store comes with a request, so a panel that listens shows
    what the server remembers without a Refresh; and since it hears before the
    client gets the answer, the panel is up to date when the client's call returns.
    """

    def __init__(self, app: ASGIApp, listeners: list[Callable[[], None]]) -> None:
        self.app = app
        self.listeners = listeners

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.listeners:
            await self.app(scope, receive, send)
            return

        async def tell_then_send(message: Message) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body"):
                for listener in tuple(self.listeners):
                    listener()
            await send(message)

        await self.app(scope, receive, tell_then_send)


class BackgroundServer(ClosedOnExit):
    """A running server in a daemon thread: `url`, `store`, `stop()`, a context manager.

    `url` is the issuer, the URL a browser uses (a proxied one behind Jupyter);
    `local_url` is the socket itself, for the kernel's own requests. With TLS,
    `ca_path` is the authority to trust: `Flow.discover(server.url, verify=server.verify)`.
    """

    def __init__(
        self, sock: socket.socket, app: Starlette, http: type[asyncio.Protocol] | None = None
    ) -> None:
        self.app = app
        self.config: ServerConfig = app.state.config
        self.store: Store = app.state.store
        self.url = self.config.issuer
        self.tls: tls_files.TlsFiles | None = getattr(app.state, "tls", None)
        scheme = "https" if self.tls else "http"
        host, port = sock.getsockname()[:2]
        self.local_url = issuer_for(host, port, scheme)
        self._socket = sock
        self._ready = threading.Event()
        self._listeners: list[Callable[[], None]] = []
        config = uvicorn_config(app, http)
        config.app = _TellsWhenAnswered(app, self._listeners)
        self._server = _Server(config, self._ready.set)
        self._thread = threading.Thread(
            target=self._run, name=f"codegrant-kit {self.url}", daemon=True
        )
        self._error: BaseException | None = None

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as exc:  # uvicorn calls sys.exit on a failed start
            self._error = exc
        finally:
            self._ready.set()

    def start(self) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._ready.wait(0.01):
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"The server did not start within {START_TIMEOUT} s.")
        if not self.running:
            self._socket.close()
            self.store.close()
            raise RuntimeError(f"The server stopped while starting: {self._error!r}")
        return self

    @property
    def ca_path(self) -> str | None:
        """The CA file a client trusts this server with, for a local CA."""
        return str(self.tls.ca) if self.tls is not None and self.tls.ca is not None else None

    @property
    def verify(self) -> str | bool:
        """What to pass as `verify=` to the client layer: the CA file, or True."""
        return self.ca_path or True

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and self._server.started and not self._server.should_exit

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """What the server remembers right now, as plain data: users, clients, pending
        logins, codes, tokens and consents. Empty once it has stopped."""
        return self.store.snapshot() if self.running else {}

    def rotate_signing_key(self) -> str:
        """Sign ID tokens and JWT access tokens with a new key from now on; its kid.

        The JWKS lists the new key and the one before it, so tokens signed before the
        rotation still verify; with a `db` both are kept across a restart.
        """
        kid: str = self.app.state.signing_keys.rotate()
        return kid

    def on_answer(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener()` (in the server's thread) as each answer is about to go out;
        returns the function that stops it."""
        self._listeners.append(listener)

        def stop_telling() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return stop_telling

    def stop(self) -> None:
        """Stop serving and free the port. Stopping twice is harmless."""
        self._server.should_exit = True
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self._socket.close()
        self.store.close()  # frees the database file for the next server

    def close(self) -> None:
        """What the end of a `with` block does: `stop()`."""
        self.stop()

    def announce(self) -> None:
        """In a notebook a log line goes nowhere: print the defences turned off into the cell."""
        for warning in loud_warnings(self.config, randomness=False):
            print(f"codegrant-kit: {warning}", file=sys.stderr, flush=True)
        profile = self.config.profile_rules()
        if profile is not None:  # not a warning: what this server requires of clients
            print(f"codegrant-kit: {profile.summary()}.", file=sys.stderr, flush=True)

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        warnings = []
        if getattr(self.config.randomness, "predictable", False):
            warnings.append("PREDICTABLE randomness: tutorials only")
        if self.config.password_hash == "fast":
            warnings.append("FAST password hashing: load tests only")
        if self.config.profile is not None:
            warnings.append(f"PROFILE {self.config.profile}")
        if self.config.lab_switches:
            warnings.append("LAB SWITCHES ON: " + ", ".join(sorted(self.config.lab_switches)))
        loud = "".join(f" [{w}]" for w in warnings)
        return f"<BackgroundServer {self.url} {state}{loud}>"


_current: dict[str, tuple[Any, BackgroundServer]] = {}
_lock = threading.Lock()


def start_server(**keywords: Any) -> BackgroundServer:
    """Start the authorization server in the background and return once it serves.

    Keywords, all optional: host, port, users, clients, config, public_url, tls,
    tls_dir, certfile, keyfile, instructor (see `ServeOptions`), and any field of
    `ServerConfig` (scopes, code_lifetime, db, ...). Called again with the same
    keywords while the server runs, it returns that server; with others, it stops
    the old one first, so a re-run cell never leaves a second server behind.
    """
    options = ServeOptions.of(**keywords)
    settings = dict(options.settings)
    if is_loopback(options.host):
        # Only this machine (and so jupyter-server-proxy) reaches a loopback server,
        # and the prefix only shapes the answer to the request that sent it: trust
        # it, so that a hosted learner's browser can use the pages at /proxy/PORT/.
        # Not X-Forwarded-For: any local process could then pick its own address.
        settings.setdefault("trust_forwarded_prefix", True)
    users = options.resolved_users()
    options = replace(
        options,
        users=users,
        clients=[dict(c) for c in options.clients],
        settings=settings,
        # without users=, a database's users stay the users (a restart on the same file)
        keep_database_users=options.keep_database_users or options.users is None,
    )
    key = (
        id(options.config),
        sorted(users.items()),
        sorted(settings.items()),
        repr(replace(options, config=None, users={}, settings={})),
    )
    with _lock:
        previous = _current.pop("server", None)
        if previous is not None:
            old_key, old = previous
            if old_key == key and old.running:
                _current["server"] = previous
                return _announced(old)
            old.stop()
        sock, app = build(options)
        server = BackgroundServer(sock, app).start()
        _current["server"] = (key, server)
        if app.state.removed_users:
            removed = no_longer_admitted(app.state.removed_users, "in users=")
            print(f"codegrant-kit: {removed}", file=sys.stderr, flush=True)
        return _announced(server)


def _announced(server: BackgroundServer) -> BackgroundServer:
    server.announce()
    return server


def stop_server() -> None:
    """Stop the server `start_server` started, if any."""
    with _lock:
        previous = _current.pop("server", None)
    if previous is not None:
        previous[1].stop()


atexit.register(stop_server)
logging.getLogger("codegrant_kit").addHandler(logging.NullHandler())
