"""What the server remembers, behind one lock.

The server runs in a background thread while a notebook reads its state from
another, so every read and write goes through `Store`, the only place that
touches storage. Expired codes, tokens and logins are purged as time goes on, so
memory stays flat under long use.

Reads are served from memory. With `ServerConfig.db` every change is also written
through to an SQLite file (`persistence`) under the same lock, and read back when
the server starts again. The Store also counts which learner reached which step
(`progress`), for the instructor's dashboard, and keeps the rate limits.
"""

from __future__ import annotations

import contextlib
import heapq
import hmac
import math
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from dataclasses import replace as replace_fields
from typing import Any, Literal

from .config import ServerConfig
from .errors import InvalidGrant, RateLimited
from .passwords import hash_password, verify_password
from .persistence import Database, Saved, restore
from .progress import Progress
from .rate_limit import RateLimiter
from .throttle import Throttle

TokenKind = Literal["access_token", "refresh_token"]
PURGE_EVERY = 1.0  # seconds between sweeps of expired entries

# 21 random bytes are 28 URL-safe characters, the length of WSO2's consumer keys
CLIENT_ID_BYTES = 21
CLIENT_SECRET_BYTES = 21
CODE_BYTES = 24
TOKEN_BYTES = 32
# A grant's memory is bounded however often it is refreshed. Live tokens: issuing one
# more retires the oldest (RFC 6749 does not ask that old access tokens survive a
# refresh). Rotated refresh tokens, kept to detect their reuse (RFC 9700 4.14.2): the
# oldest is forgotten, and presenting it again gets invalid_grant, not the grant revoked.
MAX_GRANT_TOKENS = 10
MAX_ROTATED_REFRESH_TOKENS = 20


@dataclass(frozen=True, slots=True)
class Client:
    client_id: str
    client_secret: str
    client_name: str
    redirect_uris: tuple[str, ...]
    grant_types: tuple[str, ...]
    response_types: tuple[str, ...]
    token_endpoint_auth_method: str
    scope: tuple[str, ...]
    client_id_issued_at: int

    def metadata(self) -> dict[str, Any]:
        """The client information response of RFC 7591 3.2.1."""
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "client_id_issued_at": self.client_id_issued_at,
            "client_secret_expires_at": 0,  # RFC 7591 3.2.1: 0 means it never expires
            "client_name": self.client_name,
            "redirect_uris": list(self.redirect_uris),
            "grant_types": list(self.grant_types),
            "response_types": list(self.response_types),
            "token_endpoint_auth_method": self.token_endpoint_auth_method,
            "scope": " ".join(self.scope),
        }


@dataclass(frozen=True, slots=True)
class User:
    username: str
    password_hash: str = field(repr=False)


@dataclass(slots=True)
class PendingAuthorization:
    """One authorization request between the login page and the redirect."""

    id: str
    csrf_token: str = field(repr=False)
    browser: str = field(repr=False)  # the cookie that ties the forms to one browser
    address: str  # where the request came from, for max_pending_per_address
    client_id: str
    redirect_uri: str
    redirect_uri_given: bool
    scope: tuple[str, ...]
    state: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    expires_at: float
    username: str | None = None
    failed_logins: int = 0


@dataclass(frozen=True, slots=True)
class AuthorizationCode:
    code: str
    client_id: str
    username: str
    redirect_uri: str | None  # None when the request left it out (RFC 6749 4.1.3)
    scope: tuple[str, ...]
    code_challenge: str | None
    code_challenge_method: str | None
    issued_at: float
    expires_at: float
    grant_id: str


@dataclass(frozen=True, slots=True)
class Token:
    value: str
    kind: TokenKind
    client_id: str
    username: str
    scope: tuple[str, ...]
    issued_at: float
    expires_at: float
    grant_id: str


@dataclass(frozen=True, slots=True)
class Consent:
    username: str
    client_id: str
    scope: frozenset[str]
    granted_at: float


@dataclass(slots=True)
class _Grant:
    """Everything issued from one authorization code, revoked together."""

    # dicts used as ordered sets, oldest first: O(1) to add and remove, never rebuilt;
    # holding only strings, the cycle collector does not track them
    tokens: dict[str, None] = field(default_factory=dict)  # live, <= MAX_GRANT_TOKENS
    rotated: dict[str, None] = field(default_factory=dict)  # <= MAX_ROTATED_REFRESH_TOKENS
    revoked: bool = False
    expires_at: float = 0.0
    queued: bool = False  # has an entry in the purge heap (one at most)


class Store:
    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self._lock = threading.RLock()
        self._users: dict[str, User] = {}
        self._clients: dict[str, Client] = {}
        # in the order they expire: each is kept login_lifetime from when it was added
        self._pending: dict[str, PendingAuthorization] = {}
        self._pending_per_address: dict[str, int] = {}  # address -> its open login pages
        self._codes: dict[str, AuthorizationCode] = {}
        self._used_codes: dict[str, AuthorizationCode] = {}
        self._tokens: dict[str, Token] = {}
        self._rotated: dict[str, Token] = {}  # refresh tokens already exchanged
        self._grants: dict[str, _Grant] = {}
        self._consents: dict[tuple[str, str], Consent] = {}
        self._last_purge = 0.0
        # (expires_at, table, key) of used codes, tokens and grants, earliest first: a
        # purge pops what is due instead of scanning them all (10,000 grants: seconds)
        self._expiry: list[tuple[float, str, str]] = []
        self._per_address: dict[str, int] = {}  # address -> applications it registered
        # registered applications that never redeemed a code: client_id -> (when they
        # are forgotten, the address that registered them), earliest first
        self._unused: dict[str, tuple[float, str]] = {}
        self._instructor: User | None = None
        self._users_ready = threading.Event()  # cleared while add_users_soon hashes
        self._users_ready.set()
        self.throttle = Throttle(config.clock, enabled=not config.lab("no_throttle"))
        self.rate_limiter = RateLimiter(config.rate_limits)
        self._db: Database | None = None
        self.progress = Progress(config.clock)
        if config.db is not None:
            db = Database.open(config.db)
            try:
                self.progress = Progress(config.clock, db.save_progress)
                self._load(db.load(self.now()))
            except BaseException:
                db.close()
                raise
            self._db = db

    def _load(self, saved: Saved) -> None:
        """Everything the database kept that has not expired."""
        for row in saved.users:
            self._users[row["username"]] = User(**row)
        unused = [row for row in saved.clients if row["unused_until"] is not None]
        for row in sorted(unused, key=lambda row: row["unused_until"]):
            self._unused[row["client_id"]] = (row["unused_until"], row["registered_from"])
        for row in saved.clients:
            client = restore(Client, row)
            self._clients[client.client_id] = client
            if row["registered_from"] is not None:
                self._count_registration(row["registered_from"])
        for row in sorted(saved.pending, key=lambda row: float(row["expires_at"])):
            pending = restore(PendingAuthorization, row)
            self._pending[pending.id] = pending
            self._count_pending(pending.address, 1)
            if row["anonymous"]:
                self.progress.mark_anonymous(pending.id)
        for row in saved.codes:
            code = restore(AuthorizationCode, row)
            if row["used"]:
                self._used_codes[code.code] = code
                self._expires("_used_codes", code.code, code.expires_at)
            else:
                self._codes[code.code] = code
        for row in saved.grants:
            self._grants[row["grant_id"]] = _Grant(
                revoked=bool(row["revoked"]), expires_at=row["expires_at"], queued=True
            )
            self._expires("_grants", row["grant_id"], row["expires_at"])
        # oldest first, so that each grant's ordered sets come back in issue order
        for row in sorted(saved.tokens, key=lambda row: row["issued_at"]):
            token = restore(Token, row)
            grant = self._grants.get(token.grant_id)
            if row["rotated"]:
                self._rotated[token.value] = token
                self._expires("_rotated", token.value, token.expires_at)
                if grant is not None:
                    grant.rotated[token.value] = None
                    self._bound_rotated(grant)
                continue
            self._tokens[token.value] = token
            self._expires("_tokens", token.value, token.expires_at)
            if grant is not None:
                grant.tokens[token.value] = None
                self._bound_tokens(grant)
        for row in saved.consents:
            consent = restore(Consent, row, sets=True)
            self._consents[(consent.username, consent.client_id)] = consent
        for row in saved.progress:
            self.progress.load(row["learner"], row["step"], row["count"], row["last_at"])

    def _transaction(self) -> contextlib.AbstractContextManager[None]:
        """All the writes of one change, or none of them (a no-op without a database)."""
        return self._db.transaction() if self._db is not None else contextlib.nullcontext()

    def close(self) -> None:
        """Close the database file, if any; memory stays readable."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    @property
    def persistent(self) -> bool:
        return self._db is not None

    def keep_secret(self, name: str, make: Callable[[], bytes]) -> bytes:
        """A value made once and kept across restarts with a database (a signing key)."""
        with self._lock:
            return self._db.secret(name, make) if self._db is not None else make()

    # -- randomness and time --------------------------------------------------

    def now(self) -> float:
        return self.config.clock()

    def new_secret(self, nbytes: int) -> str:
        return self.config.randomness.token(nbytes)

    # -- users ----------------------------------------------------------------

    def add_user(self, username: str, password: str) -> User:
        if not username or ":" in username:
            raise ValueError("A username must be non-empty and hold no ':'.")
        user = User(username, hash_password(password, self.config.password_hash))
        with self._lock:
            if self._db is not None:
                self._db.save_user(user)
            self._users[username] = user
        return user

    def add_users_soon(self, users: Mapping[str, str]) -> None:
        """Add users, their passwords hashed in a worker thread (Argon2id: ~25 ms each).

        The server can start serving meanwhile; a sign-in waits for the hashes.
        """
        for username in users:
            if not username or ":" in username:
                raise ValueError("A username must be non-empty and hold no ':'.")
        self._users_ready.clear()

        def hash_all() -> None:
            try:
                for username, password in users.items():
                    self.add_user(username, password)
            finally:
                self._users_ready.set()

        threading.Thread(target=hash_all, name="codegrant-kit passwords", daemon=True).start()

    def admit_only(self, usernames: Iterable[str]) -> list[str]:
        """Forget the database's users not among `usernames`; who they were, sorted.

        The users given at start are the users: one dropped from --user or
        --users-file no longer signs in, and what it holds (tokens, codes, consents,
        a login it finished) is revoked with it, so no access outlives the account.
        """
        keep = set(usernames)
        with self._lock, self._transaction():
            gone = sorted(set(self._users) - keep)
            if not gone:
                return []
            removed = set(gone)
            for username in gone:
                del self._users[username]
                if self._db is not None:
                    self._db.delete_user(username)
            grants = {t.grant_id for t in self._tokens.values() if t.username in removed}
            grants |= {c.grant_id for c in self._codes.values() if c.username in removed}
            for grant_id in grants:
                self._revoke_grant(grant_id)
            for codes in (self._codes, self._used_codes):
                for code in [c for c in codes.values() if c.username in removed]:
                    del codes[code.code]
                    if self._db is not None:
                        self._db.delete_code(code.code)
            for key in [k for k in self._consents if k[0] in removed]:
                del self._consents[key]
                if self._db is not None:
                    self._db.delete_consent(*key)
            for pending in [p for p in self._pending.values() if p.username in removed]:
                del self._pending[pending.id]
                self.progress.forget_pending(pending.id)
                if self._db is not None:
                    self._db.delete_pending(pending.id)
            return gone

    def check_password(self, username: str, password: str) -> bool:
        """True for the right password. Unknown users cost the same time."""
        self._users_ready.wait()
        with self._lock:
            user = self._users.get(username)
        stored = user.password_hash if user else _dummy_hash(self.config)
        return verify_password(password, stored) and user is not None

    def usernames(self) -> list[str]:
        self._users_ready.wait()
        with self._lock:
            return sorted(self._users)

    # -- the instructor (dashboard) --------------------------------------------

    def set_instructor(self, username: str, password: str) -> None:
        self._instructor = User(username, hash_password(password, self.config.password_hash))

    @property
    def has_instructor(self) -> bool:
        return self._instructor is not None

    def check_instructor(self, username: str, password: str) -> bool:
        instructor = self._instructor
        if instructor is None:
            return False
        right = verify_password(password, instructor.password_hash)
        return right & hmac.compare_digest(username.encode(), instructor.username.encode())

    # -- clients --------------------------------------------------------------

    def add_client(
        self,
        *,
        redirect_uris: Iterable[str],
        client_name: str = "Application",
        grant_types: Iterable[str] = ("authorization_code", "refresh_token"),
        token_endpoint_auth_method: str = "client_secret_basic",
        scope: Iterable[str] | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        registered_from: str | None = None,
        replace: bool = False,
    ) -> Client:
        """Store a client. Rules on the metadata live in `registration`.

        `registered_from` is the address that registered it, counted against
        `config.max_clients_per_address`. `replace` lets a preloaded client
        (`--client` at every start) take the place of the one a database kept.
        """
        client = Client(
            client_id=client_id or self.new_secret(CLIENT_ID_BYTES),
            client_secret=client_secret or self.new_secret(CLIENT_SECRET_BYTES),
            client_name=client_name,
            redirect_uris=tuple(redirect_uris),
            grant_types=tuple(grant_types),
            response_types=("code",),
            token_endpoint_auth_method=token_endpoint_auth_method,
            scope=tuple(scope) if scope is not None else self.config.scopes,
            client_id_issued_at=int(self.now()),
        )
        lifetime = self.config.unused_client_lifetime
        # what to do when full: reuse, wait for unused ones to go, or raise the cap
        advice = (
            f"Reuse an application you have (its client_id and client_secret); applications "
            f"that never redeemed a code are forgotten {lifetime} s after registration"
        )
        with self._lock:
            now = self.now()
            self._forget_unused_clients(now)
            old = self._clients.get(client.client_id)
            if old is not None and not replace:
                raise ValueError(f"A client with id {client.client_id!r} exists already.")
            if old is not None:
                client = replace_fields(client, client_id_issued_at=old.client_id_issued_at)
            elif len(self._clients) >= self.config.max_clients:
                raise OverflowError(
                    f"This server holds {self.config.max_clients} applications, its maximum "
                    f"(max_clients). {advice}; the instructor can raise --max-clients."
                )
            limit = self.config.max_clients_per_address
            if registered_from is not None and self._per_address.get(registered_from, 0) >= limit:
                raise OverflowError(
                    f"Your address {registered_from} has registered {limit} applications, the "
                    f"most one address may (max_clients_per_address). {advice}; the "
                    "instructor can raise --max-clients-per-address."
                )
            unused_until = now + lifetime if registered_from is not None else None
            if self._db is not None:
                self._db.save_client(client, registered_from, unused_until)
            self._clients[client.client_id] = client
            self._unused.pop(client.client_id, None)
            if registered_from is not None and unused_until is not None:
                self._count_registration(registered_from)
                self._unused[client.client_id] = (unused_until, registered_from)
        return client

    def _count_registration(self, address: str) -> None:
        self._per_address[address] = self._per_address.get(address, 0) + 1

    def _forget_unused_clients(self, now: float) -> None:
        """Forget registered applications that never redeemed a code in their lifetime."""
        while self._unused:
            client_id, (until, address) = next(iter(self._unused.items()))
            if until > now:
                break  # one lifetime for all: the first to register is the first to go
            del self._unused[client_id]
            self._clients.pop(client_id, None)
            self._per_address[address] -= 1
            if not self._per_address[address]:
                del self._per_address[address]
            if self._db is not None:
                self._db.delete_client(client_id)

    def get_client(self, client_id: str) -> Client | None:
        with self._lock:
            return self._clients.get(client_id)

    # -- pending authorizations (login and consent pages) ---------------------

    def add_pending(self, *, address: str, **fields: Any) -> PendingAuthorization:
        """A login page opened from `address`; RateLimited if too many are open.

        Every field is bounded (the cookie is the server's own, `params` and
        `authorize` cap the rest), so with the caps so is what they take.
        """
        now = self.now()
        with self._lock, self._transaction():
            self._maybe_purge(now)
            self._check_room_for_pending(address, now)
            pending = PendingAuthorization(
                id=self.new_secret(16),
                csrf_token=self.new_secret(16),
                address=address,
                expires_at=now + self.config.login_lifetime,
                **fields,
            )
            self._pending[pending.id] = pending
            self._count_pending(address, 1)
            self.progress.seen_login_page(pending.id, pending.browser)
            self._save_pending(pending)
        return pending

    def _check_room_for_pending(self, address: str, now: float) -> None:
        # each page is kept login_lifetime: without a cap, memory follows the request rate
        limit = self.config.max_pending_per_address
        if self._pending_per_address.get(address, 0) >= limit:
            oldest = next(p for p in self._pending.values() if p.address == address)
            wait = max(1, math.ceil(oldest.expires_at - now))
            raise RateLimited(
                f"{limit} sign-in pages are open from your address {address}, the most one "
                "address may have (max_pending_per_address). Finish or close the sign-in "
                f"pages you have open, or wait {wait} s for the oldest to expire. A loop "
                "that opens sign-in pages should finish each flow.",
                wait,
            )
        if len(self._pending) >= self.config.max_pending:
            oldest = next(iter(self._pending.values()))
            wait = max(1, math.ceil(oldest.expires_at - now))
            raise RateLimited(
                f"This server has {len(self._pending)} sign-in pages open, the most it "
                f"keeps (max_pending). Try again in {wait} s, when the oldest expires; if "
                "this goes on, tell your instructor.",
                wait,
            )

    def _count_pending(self, address: str, by: int) -> None:
        count = self._pending_per_address.get(address, 0) + by
        if count > 0:
            self._pending_per_address[address] = count
        else:
            self._pending_per_address.pop(address, None)

    def _save_pending(self, pending: PendingAuthorization) -> None:
        if self._db is not None:
            self._db.save_pending(pending, self.progress.is_anonymous(pending.id))

    def sign_in(self, pending: PendingAuthorization, username: str) -> bool:
        """The resource owner signed in on this login page; False if it was ended meanwhile."""
        with self._lock, self._transaction():
            if self._pending.get(pending.id) is not pending:
                return False  # another post of the page ended it while its password was checked
            pending.username = username
            self.progress.signed_in(pending.id, pending.browser, username)
            self._save_pending(pending)
            return True

    def failed_sign_in(self, pending: PendingAuthorization, username: str) -> int:
        """A wrong password on this login page; how many so far."""
        with self._lock, self._transaction():
            pending.failed_logins += 1
            known = username if username in self._users else None
            self.progress.failed_sign_in(pending.browser, known)
            if self._pending.get(pending.id) is pending:  # never write back an ended page
                self._save_pending(pending)
            return pending.failed_logins

    def get_pending(self, pending_id: str) -> PendingAuthorization | None:
        with self._lock:
            pending = self._pending.get(pending_id)
            if pending is None or pending.expires_at <= self.now():
                return None
            return pending

    def end_pending(self, pending_id: str) -> PendingAuthorization | None:
        """Take a pending authorization out, so its forms work once.

        Of two requests that end the same one, the second gets None: only the
        first may answer it (a code, a denial).
        """
        with self._lock:
            pending = self._pending.pop(pending_id, None)
            if pending is not None:
                self._forget_pending(pending)
                if self._db is not None:
                    self._db.delete_pending(pending_id)
            return pending

    def _forget_pending(self, pending: PendingAuthorization) -> None:
        """What else remembers a pending authorization taken out of `_pending`."""
        self._count_pending(pending.address, -1)
        self.progress.forget_pending(pending.id)

    # -- authorization codes --------------------------------------------------

    def issue_code(self, pending: PendingAuthorization) -> AuthorizationCode:
        assert pending.username is not None
        now = self.now()
        code = AuthorizationCode(
            code=self.new_secret(CODE_BYTES),
            client_id=pending.client_id,
            username=pending.username,
            redirect_uri=pending.redirect_uri if pending.redirect_uri_given else None,
            scope=pending.scope,
            code_challenge=pending.code_challenge,
            code_challenge_method=pending.code_challenge_method,
            issued_at=now,
            expires_at=now + self.config.code_lifetime,
            grant_id=self.new_secret(16),
        )
        with self._lock, self._transaction():
            self._maybe_purge(now)
            self._codes[code.code] = code
            self._grants[code.grant_id] = _Grant(expires_at=code.expires_at)
            self.progress.count(code.username, "consented")
            if self._db is not None:
                self._db.save_code(code, used=False)
                self._db.save_grant(code.grant_id, False, code.expires_at)
        return code

    def redeem_code(
        self, value: str, check: Callable[[AuthorizationCode], None]
    ) -> AuthorizationCode:
        """Take a code out, once, if `check` (client, redirect_uri, PKCE) passes.

        RFC 6749 4.1.2: "If an authorization code is used more than once, the
        authorization server MUST deny the request and SHOULD revoke (when
        possible) all tokens previously issued based on that authorization code."
        A request that fails `check` leaves the code to its rightful client.
        """
        with self._lock:
            now = self.now()
            code = self._codes.get(value)
            if code is None:
                used = self._used_codes.get(value)
                if used is not None and used.expires_at > now:
                    self._revoke_grant(used.grant_id)
                    raise InvalidGrant(
                        "This authorization code was used already: a code works once "
                        "(RFC 6749 4.1.2), and the tokens issued from it are now revoked."
                    )
                raise InvalidGrant("The authorization code is unknown or has expired.")
            if code.expires_at <= now:
                raise InvalidGrant(
                    f"The authorization code expired: codes live "
                    f"{self.config.code_lifetime} s (RFC 6749 4.1.2)."
                )
            check(code)
            with self._transaction():
                self.progress.count(code.username, "code_redeemed")
                if self._unused.pop(code.client_id, None) is not None and self._db is not None:
                    self._db.client_used(code.client_id)  # it completed a flow: kept
                if self.config.lab("code_replay"):
                    return code  # LAB: the code stays redeemable
                del self._codes[value]
                self._used_codes[value] = code
                self._expires("_used_codes", value, code.expires_at)
                if self._db is not None:
                    self._db.save_code(code, used=True)
            return code

    # -- tokens ---------------------------------------------------------------

    def issue_tokens(
        self,
        *,
        client_id: str,
        username: str,
        scope: tuple[str, ...],
        grant_id: str,
        refresh_scope: tuple[str, ...] | None,
        encode_access: Callable[[str, float, float], str] | None = None,
    ) -> tuple[Token, Token | None]:
        """An access token, and a refresh token unless refresh_scope is None.

        `encode_access(jti, iat, exp)` turns the random value into the token's
        final form (a signed JWT); without it the token is the random value.
        """
        now = self.now()
        expires_at = now + self.config.access_token_lifetime
        value = self.new_secret(TOKEN_BYTES)
        if encode_access is not None:
            value = encode_access(value, now, expires_at)
        access = Token(value, "access_token", client_id, username, scope, now, expires_at, grant_id)
        refresh = None
        if refresh_scope is not None:
            refresh = Token(
                self.new_secret(TOKEN_BYTES),
                "refresh_token",
                client_id,
                username,
                refresh_scope,
                now,
                now + self.config.refresh_token_lifetime,
                grant_id,
            )
        with self._lock:
            self._maybe_purge(now)
            grant = self._grants.get(grant_id)
            if grant is None or grant.revoked:
                raise InvalidGrant("The grant was revoked while these tokens were made.")
            issued = [token for token in (access, refresh) if token is not None]
            expires_at = max(grant.expires_at, *(token.expires_at for token in issued))
            with self._transaction():
                if self._db is not None:
                    for token in issued:
                        self._db.save_token(token)
                    self._db.save_grant(grant_id, False, expires_at)
                for token in issued:
                    grant.tokens[token.value] = None
                self._bound_tokens(grant)
            for token in issued:
                self._tokens[token.value] = token
                self._expires("_tokens", token.value, token.expires_at)
            grant.expires_at = expires_at
            if not grant.queued:
                # one heap entry per grant: purge puts it back if the grant was extended
                self._expires("_grants", grant_id, expires_at)
                grant.queued = True
        return access, refresh

    def rotate_refresh_token(
        self, value: str, client_id: str, check: Callable[[Token], object]
    ) -> Token:
        """Retire a refresh token for a new one (RFC 9700 4.14.2: rotation).

        Presenting a retired refresh token again means it leaked: the whole
        grant is revoked.
        """
        with self._lock:
            now = self.now()
            token = self._tokens.get(value)
            if token is None or token.kind != "refresh_token":
                old = self._rotated.get(value)
                if old is not None and old.client_id == client_id:
                    self._revoke_grant(old.grant_id)
                    raise InvalidGrant(
                        "This refresh token was already exchanged for a new one. Using it "
                        "again looks like theft, so every token of this grant is now revoked "
                        "(RFC 9700 4.14.2)."
                    )
                raise InvalidGrant("The refresh token is unknown, expired or revoked.")
            if token.client_id != client_id:
                raise InvalidGrant("This refresh token was issued to another client.")
            if token.expires_at <= now:
                raise InvalidGrant("The refresh token has expired.")
            check(token)
            grant = self._grants.get(token.grant_id)
            with self._transaction():
                if self._db is not None:
                    self._db.save_token(token, rotated=True)
                if grant is not None:
                    grant.tokens.pop(value, None)
                    grant.rotated[value] = None
                    self._bound_rotated(grant)
            del self._tokens[value]
            self._rotated[value] = token
            self._expires("_rotated", value, token.expires_at)
            return token

    def active_token(self, value: str) -> Token | None:
        with self._lock:
            token = self._tokens.get(value)
            if token is None or token.expires_at <= self.now():
                return None
            return token

    def note_api_call(self, token: Token) -> None:
        """The resource server answered a call made with this token (the dashboard)."""
        with self._lock:
            self.progress.count(token.username, "api_called")

    def revoke_token(self, token: Token) -> None:
        """RFC 7009 2.1: revoking a refresh token revokes its grant's access tokens too."""
        with self._lock:
            if token.kind == "refresh_token":
                self._revoke_grant(token.grant_id)
            else:
                if self._db is not None:
                    self._db.delete_token(token.value)
                self._tokens.pop(token.value, None)
                self._forget_token(token.grant_id, token.value)

    def _revoke_grant(self, grant_id: str) -> None:
        grant = self._grants.get(grant_id)
        if grant is None:
            return
        if self._db is not None:
            self._db.revoke_grant(grant_id)
        grant.revoked = True
        for value in grant.tokens:
            self._tokens.pop(value, None)
        grant.tokens.clear()

    def _forget_token(self, grant_id: str, value: str) -> None:
        """The grant no longer lists this token (revoked or expired)."""
        grant = self._grants.get(grant_id)
        if grant is not None:
            grant.tokens.pop(value, None)
            grant.rotated.pop(value, None)

    def _bound_tokens(self, grant: _Grant) -> None:
        """Retire the grant's oldest live tokens beyond MAX_GRANT_TOKENS."""
        while len(grant.tokens) > MAX_GRANT_TOKENS:
            oldest = next(iter(grant.tokens))
            del grant.tokens[oldest]
            self._tokens.pop(oldest, None)
            if self._db is not None:
                self._db.delete_token(oldest)

    def _bound_rotated(self, grant: _Grant) -> None:
        """Forget the grant's oldest rotated refresh tokens beyond MAX_ROTATED_REFRESH_TOKENS."""
        while len(grant.rotated) > MAX_ROTATED_REFRESH_TOKENS:
            oldest = next(iter(grant.rotated))
            del grant.rotated[oldest]
            self._rotated.pop(oldest, None)
            if self._db is not None:
                self._db.delete_token(oldest)

    # -- consents -------------------------------------------------------------

    def has_consent(self, username: str, client_id: str, scope: Iterable[str]) -> bool:
        with self._lock:
            consent = self._consents.get((username, client_id))
        return consent is not None and set(scope) <= consent.scope

    def remember_consent(self, username: str, client_id: str, scope: Iterable[str]) -> None:
        with self._lock:
            old = self._consents.get((username, client_id))
            scopes = frozenset(scope) | (old.scope if old else frozenset())
            consent = Consent(username, client_id, scopes, self.now())
            if self._db is not None:
                self._db.save_consent(consent)
            self._consents[(username, client_id)] = consent

    # -- housekeeping and inspection ------------------------------------------

    def _maybe_purge(self, now: float) -> None:
        if now - self._last_purge >= PURGE_EVERY:
            self.purge(now)

    def _expires(self, table: str, key: str, expires_at: float) -> None:
        """Note when an entry of `table` runs out (called under the lock)."""
        heapq.heappush(self._expiry, (expires_at, table, key))
        live = len(self._used_codes) + len(self._tokens) + len(self._rotated) + len(self._grants)
        if len(self._expiry) > 2 * live + 64:
            # most entries are of entries gone already (retired, rotated, revoked): drop
            # them, so the heap stays within twice what is alive (amortized O(1) a push)
            self._expiry = [entry for entry in self._expiry if entry[2] in getattr(self, entry[1])]
            heapq.heapify(self._expiry)

    def purge(self, now: float | None = None) -> None:
        """Forget what has expired: codes, used codes, tokens, logins, grants.

        Open login pages are kept in the order they expire, so a sweep stops at
        the first still open. Unredeemed codes are few and are scanned; used
        codes, tokens and grants are many and come off a heap when they are
        due, so a sweep costs what expires, not what the server holds.
        """
        with self._lock:
            now = self.now() if now is None else now
            self._last_purge = now
            expired = []
            for key, pending in self._pending.items():
                if pending.expires_at > now:
                    break  # the rest expire later (a clock set back: a little later)
                expired.append(key)
            for key in expired:
                self._forget_pending(self._pending.pop(key))
            for key in [k for k, v in self._codes.items() if v.expires_at <= now]:
                self._drop_grant_if_due(self._codes.pop(key).grant_id, now)
            self._forget_unused_clients(now)
            while self._expiry and self._expiry[0][0] <= now:
                _, table, key = heapq.heappop(self._expiry)
                entries = getattr(self, table)
                entry = entries.get(key)
                if entry is None:
                    continue  # gone already (revoked, retired)
                if entry.expires_at > now:
                    heapq.heappush(self._expiry, (entry.expires_at, table, key))
                    continue  # a grant given longer since its entry was made
                del entries[key]
                if table in ("_tokens", "_rotated"):
                    self._forget_token(entry.grant_id, key)
                elif table == "_used_codes":
                    # a grant that never got tokens (its code replayed, say)
                    self._drop_grant_if_due(entry.grant_id, now)
            if self._db is not None:
                self._db.purge(now)

    def _drop_grant_if_due(self, grant_id: str, now: float) -> None:
        grant = self._grants.get(grant_id)
        if grant is not None and grant.expires_at <= now:
            del self._grants[grant_id]

    def dashboard(self) -> dict[str, Any]:
        """Who reached which step, and how much the server holds, for the instructor."""
        with self._lock:
            now = self.now()
            return {
                "learners": self.progress.rows(sorted(self._users)),
                "clients": len(self._clients),
                "active_tokens": sum(
                    1
                    for t in self._tokens.values()
                    if t.kind == "access_token" and t.expires_at > now
                ),
                "pending": sum(1 for p in self._pending.values() if p.expires_at > now),
            }

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """What the server remembers right now, as plain data for a learner to read."""
        self._users_ready.wait()
        with self._lock:
            now = self.now()
            return {
                "users": [{"username": u} for u in sorted(self._users)],
                "clients": [c.metadata() for c in self._clients.values()],
                "pending": [
                    {k: v for k, v in asdict(p).items() if k not in ("csrf_token", "browser")}
                    for p in self._pending.values()
                    if p.expires_at > now
                ],
                "codes": [
                    asdict(c) | {"used": False} for c in self._codes.values() if c.expires_at > now
                ]
                + [
                    asdict(c) | {"used": True}
                    for c in self._used_codes.values()
                    if c.expires_at > now
                ],
                "tokens": [asdict(t) for t in self._tokens.values() if t.expires_at > now],
                "consents": [
                    {**asdict(c), "scope": sorted(c.scope)} for c in self._consents.values()
                ],
            }


_DUMMY: dict[str, str] = {}


def _dummy_hash(config: ServerConfig) -> str:
    # a hash to check unknown users against, so timing does not tell who exists
    scheme = config.password_hash
    if scheme not in _DUMMY:
        _DUMMY[scheme] = hash_password("not a password", scheme)
    return _DUMMY[scheme]
