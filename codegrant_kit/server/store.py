"""What the server remembers, behind one lock.

The server runs in a background thread while a notebook reads its state from
another, so every read and write goes through `Store`, the only place that
touches storage. Expired codes, tokens and logins are purged as time goes on, so
memory stays flat under long use.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from .config import ServerConfig
from .errors import InvalidGrant
from .passwords import hash_password, verify_password
from .throttle import Throttle

TokenKind = Literal["access_token", "refresh_token"]
PURGE_EVERY = 1.0  # seconds between sweeps of expired entries

# 21 random bytes are 28 URL-safe characters, the length of WSO2's consumer keys
CLIENT_ID_BYTES = 21
CLIENT_SECRET_BYTES = 21
CODE_BYTES = 24
TOKEN_BYTES = 32


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class User:
    username: str
    password_hash: str = field(repr=False)


@dataclass
class PendingAuthorization:
    """One authorization request between the login page and the redirect."""

    id: str
    csrf_token: str = field(repr=False)
    browser: str = field(repr=False)  # the cookie that ties the forms to one browser
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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Token:
    value: str
    kind: TokenKind
    client_id: str
    username: str
    scope: tuple[str, ...]
    issued_at: float
    expires_at: float
    grant_id: str


@dataclass(frozen=True)
class Consent:
    username: str
    client_id: str
    scope: frozenset[str]
    granted_at: float


@dataclass
class _Grant:
    """Everything issued from one authorization code, revoked together."""

    tokens: set[str] = field(default_factory=set)
    revoked: bool = False
    expires_at: float = 0.0


class Store:
    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self._lock = threading.RLock()
        self._users: dict[str, User] = {}
        self._clients: dict[str, Client] = {}
        self._pending: dict[str, PendingAuthorization] = {}
        self._codes: dict[str, AuthorizationCode] = {}
        self._used_codes: dict[str, AuthorizationCode] = {}
        self._tokens: dict[str, Token] = {}
        self._rotated: dict[str, Token] = {}  # refresh tokens already exchanged
        self._grants: dict[str, _Grant] = {}
        self._consents: dict[tuple[str, str], Consent] = {}
        self._last_purge = 0.0
        self.throttle = Throttle(config.clock, enabled=not config.lab("no_throttle"))

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
            self._users[username] = user
        return user

    def check_password(self, username: str, password: str) -> bool:
        """True for the right password. Unknown users cost the same time."""
        with self._lock:
            user = self._users.get(username)
        stored = user.password_hash if user else _dummy_hash(self.config)
        return verify_password(password, stored) and user is not None

    def usernames(self) -> list[str]:
        with self._lock:
            return sorted(self._users)

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
    ) -> Client:
        """Store a client. Rules on the metadata live in `registration`."""
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
        with self._lock:
            if client.client_id in self._clients:
                raise ValueError(f"A client with id {client.client_id!r} exists already.")
            if len(self._clients) >= self.config.max_clients:
                raise OverflowError(f"This server holds {self.config.max_clients} clients.")
            self._clients[client.client_id] = client
        return client

    def get_client(self, client_id: str) -> Client | None:
        with self._lock:
            return self._clients.get(client_id)

    # -- pending authorizations (login and consent pages) ---------------------

    def add_pending(self, **fields: Any) -> PendingAuthorization:
        now = self.now()
        pending = PendingAuthorization(
            id=self.new_secret(16),
            csrf_token=self.new_secret(16),
            expires_at=now + self.config.login_lifetime,
            **fields,
        )
        with self._lock:
            self._maybe_purge(now)
            self._pending[pending.id] = pending
        return pending

    def get_pending(self, pending_id: str) -> PendingAuthorization | None:
        with self._lock:
            pending = self._pending.get(pending_id)
            if pending is None or pending.expires_at <= self.now():
                return None
            return pending

    def end_pending(self, pending_id: str) -> PendingAuthorization | None:
        """Take a pending authorization out, so its forms work once."""
        with self._lock:
            return self._pending.pop(pending_id, None)

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
        with self._lock:
            self._maybe_purge(now)
            self._codes[code.code] = code
            self._grants[code.grant_id] = _Grant(expires_at=code.expires_at)
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
            if self.config.lab("code_replay"):
                return code  # LAB: the code stays redeemable
            del self._codes[value]
            self._used_codes[value] = code
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
            for token in (access, refresh):
                if token is not None:
                    self._tokens[token.value] = token
                    grant.tokens.add(token.value)
                    grant.expires_at = max(grant.expires_at, token.expires_at)
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
            del self._tokens[value]
            self._rotated[value] = token
            grant = self._grants.get(token.grant_id)
            if grant is not None:
                grant.tokens.discard(value)
            return token

    def active_token(self, value: str) -> Token | None:
        with self._lock:
            token = self._tokens.get(value)
            if token is None or token.expires_at <= self.now():
                return None
            return token

    def revoke_token(self, token: Token) -> None:
        """RFC 7009 2.1: revoking a refresh token revokes its grant's access tokens too."""
        with self._lock:
            if token.kind == "refresh_token":
                self._revoke_grant(token.grant_id)
            else:
                self._tokens.pop(token.value, None)
                grant = self._grants.get(token.grant_id)
                if grant is not None:
                    grant.tokens.discard(token.value)

    def _revoke_grant(self, grant_id: str) -> None:
        grant = self._grants.get(grant_id)
        if grant is None:
            return
        grant.revoked = True
        for value in grant.tokens:
            self._tokens.pop(value, None)
        grant.tokens.clear()

    # -- consents -------------------------------------------------------------

    def has_consent(self, username: str, client_id: str, scope: Iterable[str]) -> bool:
        with self._lock:
            consent = self._consents.get((username, client_id))
        return consent is not None and set(scope) <= consent.scope

    def remember_consent(self, username: str, client_id: str, scope: Iterable[str]) -> None:
        with self._lock:
            old = self._consents.get((username, client_id))
            scopes = frozenset(scope) | (old.scope if old else frozenset())
            self._consents[(username, client_id)] = Consent(username, client_id, scopes, self.now())

    # -- housekeeping and inspection ------------------------------------------

    def _maybe_purge(self, now: float) -> None:
        if now - self._last_purge >= PURGE_EVERY:
            self.purge(now)

    def purge(self, now: float | None = None) -> None:
        """Forget what has expired: codes, used codes, tokens, logins, grants."""
        with self._lock:
            now = self.now() if now is None else now
            self._last_purge = now
            for table in (self._codes, self._used_codes, self._tokens, self._rotated):
                for key in [k for k, v in table.items() if v.expires_at <= now]:
                    del table[key]
            for key in [k for k, v in self._pending.items() if v.expires_at <= now]:
                del self._pending[key]
            for key, grant in list(self._grants.items()):
                if grant.expires_at <= now:
                    del self._grants[key]
                else:
                    grant.tokens.intersection_update(self._tokens)

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """What the server remembers right now, as plain data for a learner to read."""
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
