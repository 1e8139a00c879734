"""What the server remembers, behind one lock: the only place that touches storage.

The server runs in a background thread while a notebook reads its state from
another, so every read and write goes through `Store`. It holds the records
(`records`) in memory, writes every change through to its `backend` (nothing,
or the SQLite file of `ServerConfig.db`) under the same lock, and purges what
has expired as time goes on, so memory stays flat under long use.

The Store has primitives only (add, get, take, mark used, revoke); the rules
that use them live in the endpoints that enforce them: code replay in
`grants.authorization_code`, refresh-token rotation in `grants.refresh_token`.
Hold `store.lock` to make several primitives one step.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict
from dataclasses import replace as replace_fields
from typing import Any

from . import credentials
from .backend import Backend, MemoryOnly, open_backend
from .config import ServerConfig
from .pending import PendingLogins
from .records import (
    AuthorizationCode,
    Client,
    Consent,
    IssuedGrant,
    PendingAuthorization,
    Token,
    User,
)
from .services import Services

__all__ = ["AuthorizationCode", "Client", "Consent", "PendingAuthorization", "Store", "Token"]
__all__ += ["User"]

# 21 random bytes are 28 URL-safe characters, the length of WSO2's consumer keys
CLIENT_ID_BYTES = 21
CLIENT_SECRET_BYTES = 21


class Store(PendingLogins):
    def __init__(self, config: ServerConfig) -> None:
        super().__init__(config)
        self._users: dict[str, User] = {}
        self._clients: dict[str, Client] = {}
        self._consents: dict[tuple[str, str], Consent] = {}
        self._per_address: dict[str, int] = {}  # address -> applications it registered
        self._users_ready = threading.Event()  # cleared while add_users_soon hashes
        self._users_ready.set()
        self._backend: Backend = open_backend(config.db)
        try:
            self.services = Services(config, self._backend.save_progress)
            self._progress = self.services.progress
            self._load()
        except BaseException:
            self._backend.close()
            raise

    def _load(self) -> None:
        """Everything the backend kept that has not expired."""
        saved = self._backend.load(self.now())
        for user in saved.users:
            self._users[user.username] = user
        unused = [row for row in saved.clients if row.unused_until is not None]
        for row in sorted(unused, key=lambda row: row.unused_until or 0.0):
            assert row.unused_until is not None and row.registered_from is not None
            self._unused[row.client.client_id] = (row.unused_until, row.registered_from)
        for row in saved.clients:
            self._clients[row.client.client_id] = row.client
            if row.registered_from is not None:
                self._count_registration(row.registered_from)
        for pending, anonymous in sorted(saved.pending, key=lambda row: row[0].expires_at):
            self._pending[pending.id] = pending
            self._count_pending(pending.address, 1)
            if anonymous:
                self._progress.mark_anonymous(pending.id)
        for code, used in saved.codes:
            if used:
                self._used_codes[code.code] = code
                self._expires("_used_codes", code.code, code.expires_at)
            else:
                self._codes[code.code] = code
        for grant_id, revoked, expires_at in saved.grants:
            grant = IssuedGrant(revoked=revoked, expires_at=expires_at, queued=True)
            self._grants[grant_id] = grant
            self._expires("_grants", grant_id, expires_at)
        # oldest first, so that each grant's ordered sets come back in issue order
        for token, rotated in sorted(saved.tokens, key=lambda row: row[0].issued_at):
            table = self._rotated if rotated else self._tokens
            table[token.value] = token
            self._expires("_rotated" if rotated else "_tokens", token.value, token.expires_at)
            issued = self._grants.get(token.grant_id)
            if issued is not None:
                (issued.rotated if rotated else issued.tokens)[token.value] = None
        for consent in saved.consents:
            self._consents[(consent.username, consent.client_id)] = consent
        for step in saved.progress:
            self._progress.load(step.learner, step.step, step.count, step.last_at)

    def close(self) -> None:
        """Close the backend (the database file, if any); memory stays readable."""
        with self.lock:
            self._backend.close()
            self._backend = MemoryOnly()

    @property
    def persistent(self) -> bool:
        return self._backend.persistent

    def keep_secret(self, name: str, make: Callable[[], bytes]) -> bytes:
        """A value made once and kept across restarts with a database (a signing key)."""
        with self.lock:
            return self._backend.secret(name, make)

    def replace_secret(self, name: str, value: bytes) -> None:
        """Change a kept value (the signing keys, rotated)."""
        with self.lock:
            self._backend.replace_secret(name, value)

    # -- users ----------------------------------------------------------------

    def add_user(self, username: str, password: str) -> User:
        return self.save_user(credentials.new_user(username, password, self.config.password_hash))

    def save_user(self, user: User) -> User:
        with self.lock:
            self._backend.save_user(user)
            self._users[user.username] = user
        return user

    def add_users_soon(self, users: Mapping[str, str]) -> None:
        """Add users, their passwords hashed in a worker thread (Argon2id: ~25 ms each).

        The server can start serving meanwhile; a sign-in waits for the hashes.
        """
        for username in users:
            credentials.check_username(username)
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
        with self.lock, self._backend.transaction():
            gone = sorted(set(self._users) - keep)
            if not gone:
                return []
            removed = set(gone)
            for username in gone:
                del self._users[username]
                self._backend.delete_user(username)
            grants = {t.grant_id for t in self._tokens.values() if t.username in removed}
            grants |= {c.grant_id for c in self._codes.values() if c.username in removed}
            for grant_id in grants:
                self.revoke_grant(grant_id)
            for codes in (self._codes, self._used_codes):
                for code in [c for c in codes.values() if c.username in removed]:
                    del codes[code.code]
                    self._backend.delete_code(code.code)
            for key in [k for k in self._consents if k[0] in removed]:
                del self._consents[key]
                self._backend.delete_consent(*key)
            for pending in [p for p in self._pending.values() if p.username in removed]:
                del self._pending[pending.id]
                self._progress.forget_pending(pending.id)
                self._backend.delete_pending(pending.id)
            return gone

    def get_user(self, username: str) -> User | None:
        self._users_ready.wait()
        with self.lock:
            return self._users.get(username)

    def check_password(self, username: str, password: str) -> bool:
        """True for the right password (`credentials`: unknown users cost the same time)."""
        user = self.get_user(username)
        return credentials.check_password(user, password, self.config.password_hash)

    def usernames(self) -> list[str]:
        self._users_ready.wait()
        with self.lock:
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
        registered_from: str | None = None,
        replace: bool = False,
        jwks: str | None = None,
        jwks_uri: str | None = None,
        require_pushed_authorization_requests: bool = False,
    ) -> Client:
        """Store a client. Rules on the metadata live in `registration`.

        `token_endpoint_auth_method="none"` makes a public client (`Client.is_public`,
        RFC 6749 2.1): its client_secret is "" whatever is passed, it authenticates with
        its client_id alone, and must use PKCE.
        `registered_from` is the address that registered it, counted against
        `config.max_clients_per_address`. `replace` lets a preloaded client
        (`--client` at every start) take the place of the one a database kept.
        """
        mint = self.config.randomness.token
        # the id first, then the secret: seeded tutorials keep their keys
        client_id = client_id or mint(CLIENT_ID_BYTES)
        if token_endpoint_auth_method == "none":
            client_secret = ""  # a public client (RFC 6749 2.1) gets no secret: `Client.is_public`
        else:
            client_secret = client_secret or mint(CLIENT_SECRET_BYTES)
        client = Client(
            client_id=client_id,
            client_secret=client_secret,
            client_name=client_name,
            redirect_uris=tuple(redirect_uris),
            grant_types=tuple(grant_types),
            response_types=("code",),
            token_endpoint_auth_method=token_endpoint_auth_method,
            scope=tuple(scope) if scope is not None else self.config.scopes,
            client_id_issued_at=int(self.now()),
            jwks=jwks,
            jwks_uri=jwks_uri,
            require_pushed_authorization_requests=require_pushed_authorization_requests,
        )
        lifetime = self.config.unused_client_lifetime
        # what to do when full: reuse, wait for unused ones to go, or raise the cap
        advice = (
            f"Reuse an application you have (its client_id and client_secret); applications "
            f"that never redeemed a code are forgotten {lifetime} s after registration"
        )
        with self.lock:
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
            self._backend.save_client(client, registered_from, unused_until)
            self._clients[client.client_id] = client
            self._unused.pop(client.client_id, None)
            if registered_from is not None and unused_until is not None:
                self._count_registration(registered_from)
                self._unused[client.client_id] = (unused_until, registered_from)
        return client

    def _count_registration(self, address: str) -> None:
        self._per_address[address] = self._per_address.get(address, 0) + 1

    def _forget_client(self, client_id: str, address: str) -> None:
        self._clients.pop(client_id, None)
        self._per_address[address] -= 1
        if not self._per_address[address]:
            del self._per_address[address]
        self._backend.delete_client(client_id)

    def get_client(self, client_id: str) -> Client | None:
        with self.lock:
            return self._clients.get(client_id)

    def clients(self) -> list[Client]:
        """Every registered client (a copy), for a rule that looks at all (`cors`)."""
        with self.lock:
            return list(self._clients.values())

    # -- consents -------------------------------------------------------------

    def has_consent(self, username: str, client_id: str, scope: Iterable[str]) -> bool:
        with self.lock:
            consent = self._consents.get((username, client_id))
        return consent is not None and set(scope) <= consent.scope

    def remember_consent(self, username: str, client_id: str, scope: Iterable[str]) -> None:
        with self.lock:
            old = self._consents.get((username, client_id))
            scopes = frozenset(scope) | (old.scope if old else frozenset())
            consent = Consent(username, client_id, scopes, self.now())
            self._backend.save_consent(consent)
            self._consents[(username, client_id)] = consent

    # -- inspection -----------------------------------------------------------

    def dashboard(self) -> dict[str, Any]:
        """Who reached which step, and how much the server holds, for the instructor."""
        with self.lock:
            now = self.now()
            return {
                "learners": self._progress.rows(sorted(self._users)),
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
        with self.lock:
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
