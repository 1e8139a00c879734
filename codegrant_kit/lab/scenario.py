"""The lab's cast and stage: a victim, an attacker, a weak client, and the server under attack.

    >>> with LabServer("code_replay", password_hash="fast") as server:   # doctest: +SKIP
    ...     replay_code(server).succeeded
    True

`LabServer` is our authorization server with the chosen lab switches on (none:
every defence on), the lab's users and a clock that only moves when told to.
`Target` says what an attack needs to know about any server: its issuer, whose
accounts to use, keys given by hand or registered on the fly (RFC 7591), and
where its API is. Every attack takes a `LabServer`, a `Target`, a running
`BackgroundServer` or an issuer URL.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..client import (
    Application,
    Browser,
    DpopKey,
    Endpoints,
    Flow,
    OAuthResponseError,
    TokenFactory,
    Verify,
    discover,
    new_client,
    register_client,
    seeded_token_factory,
)
from ..runner import BackgroundServer, build
from ..server import SeededRandomness, ServerConfig, SystemRandomness
from .result import Unsupported

CALLBACK = "https://client.example.com/cb"  # the honest client's redirect URI
API_PATH = "/api/photos"  # our server's protected resource


@dataclass(frozen=True)
class Account:
    """A resource owner's username and password."""

    username: str
    password: str = field(repr=False)


VICTIM = Account("alice", "sunshine")  # a weak password: it is in the attacker's dictionary
ATTACKER = Account("mallory", "m4ll0ry-has-her-own-account")
# A client preloaded with a guessable secret, as on servers that let people pick one.
WEAK_CLIENT = {
    "client_id": "weak-app",
    "client_secret": "secret",
    "client_name": "Weak Secret App",
    "redirect_uris": [CALLBACK],
}


class LabClock:
    """A clock that stands still until `advance` moves it, so the lab is repeatable.

    >>> clock = LabClock(1000.0)
    >>> clock.advance(301); clock()
    1301.0
    """

    def __init__(self, start: float | None = None) -> None:
        self.now = float(time.time() if start is None else int(start))

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class LabServer(BackgroundServer):
    """Our authorization server, running, with lab switches on, the lab's users, a lab clock.

    `seed` makes every code, token, key and client-side state repeatable (for a
    tutorial's committed outputs); without it they come from `secrets`. It stops
    as any `BackgroundServer` does: `stop()`, or at the end of a `with` block.
    """

    def __init__(
        self,
        *switches: str,
        seed: str | None = None,
        users: Sequence[Account] = (VICTIM, ATTACKER),
        **options: Any,
    ) -> None:
        self.switches = frozenset(switches)
        self.clock = LabClock()
        config = ServerConfig(
            lab_switches=self.switches,
            randomness=SeededRandomness(seed) if seed is not None else SystemRandomness(),
            clock=self.clock,
        )
        sock, app = build(
            host="127.0.0.1",
            port=0,
            users={user.username: user.password for user in users},
            clients=[WEAK_CLIENT],
            config=config,
            **options,
        )
        super().__init__(sock, app)
        self.start()
        self.announce()  # a lab switch is printed into the notebook cell that turned it on
        self.target = Target(
            self.url,
            api_url=self.url + API_PATH,
            token_factory=seeded_token_factory(seed) if seed is not None else secrets.token_urlsafe,
            advance=self.clock.advance,
            clock=self.clock,
        )

    def __enter__(self) -> LabServer:
        return self

    def __repr__(self) -> str:
        switches = ", ".join(sorted(self.switches)) or "none: every defence on"
        return f"<LabServer {self.url} lab switches: {switches}>"


def stop_all(servers: Iterable[LabServer]) -> None:
    """Stop several servers at once: their waits for uvicorn to finish overlap."""
    stoppers = [threading.Thread(target=server.stop) for server in servers]
    for stopper in stoppers:
        stopper.start()
    for stopper in stoppers:
        stopper.join()


@dataclass
class Target:
    """What an attack needs to know about the server it attacks."""

    issuer: str
    victim: Account = VICTIM
    attacker: Account = ATTACKER
    api_url: str | None = None
    # keys given by hand (a real server's portal); None: each attack registers its own
    application: Application | None = None
    redirect_uri: str = CALLBACK
    # the scope every probe asks for; None: one of the server's scopes_supported
    scope: str | None = None
    # two scopes for the consent attack (the first approved, the second asked later);
    # empty: taken from the server's scopes_supported
    scopes: tuple[str, ...] = ()
    weak_client_id: str | None = str(WEAK_CLIENT["client_id"])
    token_factory: TokenFactory = secrets.token_urlsafe
    verify: Verify = True
    # moves the server's clock forward by some seconds; None when it cannot be moved
    advance: Callable[[float], None] | None = None
    # the server's time, for the iat of DPoP proofs (a lab clock stands still)
    clock: Callable[[], float] = time.time
    _endpoints: Endpoints | None = field(default=None, repr=False)

    def endpoints(self) -> Endpoints:
        """The server's endpoints from its RFC 8414 metadata, fetched once."""
        if self._endpoints is None:
            with new_client(self.verify) as http:
                self._endpoints = discover(self.issuer, http=http)
        return self._endpoints

    def probe_scope(self) -> str | None:
        """The scope every probe asks for: the one named, else what the metadata lists.

        A server may refuse a request without scope, or grant it nothing (RFC 6749
        3.3 leaves the default to the server), so every probe sends one: every scope
        of scopes_supported but offline_access (which makes OpenID providers ask for
        consent every time), so that the API takes the token. None when there is none.
        """
        if self.scope:
            return self.scope
        listed = [s for s in self.endpoints().scopes_supported if s != "offline_access"]
        return " ".join(listed) or None

    def register(
        self,
        client_name: str = "Photo Importer",
        *,
        redirect_uris: Sequence[str] | None = None,
        scope: str | None = None,
    ) -> Application:
        """The honest client's keys: the given ones, or a new registration (RFC 7591)."""
        if self.application is not None and redirect_uris is None:
            return self.application
        endpoints = self.endpoints()
        if endpoints.registration_endpoint is None:
            raise Unsupported(
                "The server has no registration_endpoint: give the client's keys by hand."
            )
        with new_client(self.verify) as http:
            return register_client(
                endpoints,
                client_name=client_name,
                redirect_uris=list(redirect_uris or [self.redirect_uri]),
                scope=scope or self.probe_scope(),
                http=http,
            )

    def flow(self, application: Application, *, dpop: bool = False) -> Flow:
        """One session of the honest client with its own browser (close it after use);
        with `dpop`, its own DPoP key (RFC 9449), on the server's clock."""
        return Flow(
            self.endpoints(),
            application=application,
            redirect_uri=application.redirect_uri or self.redirect_uri,
            scope=self.probe_scope(),
            api_url=self.api_url,
            verify=self.verify,
            token_factory=self.token_factory,
            dpop=DpopKey.generate(self.clock, self.token_factory) if dpop else False,
        )

    def browser(self, stop_at: str | None = None) -> Browser:
        """A browser of its own (own cookies), stopping at the redirect to `stop_at`."""
        return Browser(verify=self.verify, stop_at=stop_at or self.redirect_uri)

    @contextmanager
    def http(self) -> Iterator[Any]:
        """A plain HTTP client, as an attacker's script would use."""
        with new_client(self.verify) as client:
            yield client

    def consent_scopes(self) -> tuple[str, str]:
        """Two scopes: one to approve always, one more to ask for later."""
        # offline_access asks for consent whatever was approved (OpenID Connect Core 11)
        scopes = self.scopes or tuple(
            s for s in self.endpoints().scopes_supported if s != "offline_access"
        )
        preferred = [s for s in ("photos:read", "profile") if s in scopes]
        chosen = preferred if len(preferred) == 2 else list(scopes[:2])
        if len(chosen) < 2:
            raise Unsupported("The consent attack needs two scopes; the server lists fewer.")
        return chosen[0], chosen[1]


TargetLike = Target | LabServer | BackgroundServer | str


def as_target(target: TargetLike) -> Target:
    """A `Target` from a LabServer, a running server, an issuer URL or a Target."""
    if isinstance(target, Target):
        return target
    if isinstance(target, LabServer):
        return target.target
    if isinstance(target, BackgroundServer):
        clock = target.config.clock
        advance = clock.advance if isinstance(clock, LabClock) else None
        return Target(target.url, api_url=target.url + API_PATH, advance=advance, clock=clock)
    return Target(target)


def evil_twin(uri: str, suffix: str = ".evil.test") -> str:
    """The same URI on a host the attacker can register: the host with a suffix.

    >>> evil_twin("https://client.example.com/cb")
    'https://client.example.com.evil.test/cb'
    """
    parts = urlsplit(uri)
    host = parts.hostname or ""
    netloc = host + suffix + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def refused(exc: OAuthResponseError) -> str:
    """An OAuth error response in one line: status, error and description."""
    status = f"{exc.status} " if exc.status is not None else ""
    description = f": {exc.error_description}" if exc.error_description else ""
    return f"{status}{exc.error}{description}"
