"""Codes, tokens and grants: the Store's tables that expire, and their purge.

RFC 6749 4.1.2 (codes are short-lived and used once), 1.4 and 1.5 (access and
refresh tokens), 6 (refresh). A used code and a rotated refresh token are kept
until they expire, so that their reuse can be told (`grants`).

Expired entries are purged as time goes on. Unredeemed codes are few and are
scanned; used codes, tokens and grants are many and come off a heap when they
are due, so a sweep costs what expires, not what the server holds.
"""

from __future__ import annotations

import heapq
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable

from .backend import Backend
from .config import ServerConfig
from .progress import Progress
from .records import AuthorizationCode, IssuedGrant, PendingAuthorization, Token

PURGE_EVERY = 1.0  # seconds between sweeps of expired entries


class ExpiringTables(ABC):
    """The part of the `Store` that holds what is issued; every method runs under `lock`."""

    _backend: Backend
    _pending: dict[str, PendingAuthorization]
    _progress: Progress

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.lock = threading.RLock()  # hold it to make several primitives one step
        self._codes: dict[str, AuthorizationCode] = {}
        self._used_codes: dict[str, AuthorizationCode] = {}
        self._tokens: dict[str, Token] = {}
        self._rotated: dict[str, Token] = {}  # refresh tokens already exchanged
        self._grants: dict[str, IssuedGrant] = {}
        self._last_purge = 0.0
        # (expires_at, table, key) of used codes, tokens and grants, earliest first: a
        # purge pops what is due instead of scanning them all (10,000 grants: seconds)
        self._expiry: list[tuple[float, str, str]] = []
        # registered applications that never redeemed a code: client_id -> (when they
        # are forgotten, the address that registered them), earliest first
        self._unused: dict[str, tuple[float, str]] = {}

    @property
    def _lock(self) -> threading.RLock:
        return self.lock

    def now(self) -> float:
        return self.config.clock()

    # -- authorization codes --------------------------------------------------

    def add_code(self, code: AuthorizationCode) -> None:
        """A code just issued, and the grant that its tokens will belong to."""
        with self.lock, self._backend.transaction():
            self._maybe_purge(code.issued_at)
            self._codes[code.code] = code
            self._progress.count(code.username, "consented")
            self._backend.save_code(code, used=False)
            self.start_grant(code.grant_id, code.expires_at)

    def start_grant(self, grant_id: str, expires_at: float) -> None:
        """A new grant, to which tokens are then issued (`add_tokens`)."""
        with self.lock, self._backend.transaction():
            self._grants[grant_id] = IssuedGrant(expires_at=expires_at)
            self._backend.save_grant(grant_id, False, expires_at)

    def find_code(self, value: str) -> tuple[AuthorizationCode | None, bool]:
        """The unexpired code with this value, and whether it was redeemed already."""
        with self.lock:
            now = self.now()
            code = self._codes.get(value)
            if code is not None:
                return code, False
            used = self._used_codes.get(value)
            if used is not None and used.expires_at > now:
                return used, True
            return None, False

    def code_redeemed(self, code: AuthorizationCode, *, single_use: bool = True) -> None:
        """The code was exchanged for tokens: its client completed a flow, and the
        code is kept as used until it expires (unless `single_use` is False)."""
        with self.lock, self._backend.transaction():
            self._progress.count(code.username, "code_redeemed")
            if self._unused.pop(code.client_id, None) is not None:
                self._backend.client_used(code.client_id)  # it completed a flow: kept
            if not single_use:
                return
            del self._codes[code.code]
            self._used_codes[code.code] = code
            self._expires("_used_codes", code.code, code.expires_at)
            self._backend.save_code(code, used=True)

    # -- tokens and grants ------------------------------------------------------

    def add_tokens(self, grant_id: str, issued: Iterable[Token]) -> bool:
        """Tokens issued for a grant; False, storing nothing, if it was revoked meanwhile."""
        issued = list(issued)
        with self.lock:
            self._maybe_purge(self.now())
            grant = self._grants.get(grant_id)
            if grant is None or grant.revoked:
                return False
            expires_at = max(grant.expires_at, *(token.expires_at for token in issued))
            with self._backend.transaction():
                for token in issued:
                    self._backend.save_token(token)
                self._backend.save_grant(grant_id, False, expires_at)
                for token in issued:
                    grant.tokens[token.value] = None
            for token in issued:
                self._tokens[token.value] = token
                self._expires("_tokens", token.value, token.expires_at)
            grant.expires_at = expires_at
            if not grant.queued:
                # one heap entry per grant: purge puts it back if the grant was extended
                self._expires("_grants", grant_id, expires_at)
                grant.queued = True
            return True

    def find_refresh_token(self, value: str) -> tuple[Token | None, bool]:
        """The live refresh token with this value, or else the rotated one; and which."""
        with self.lock:
            token = self._tokens.get(value)
            if token is not None and token.kind == "refresh_token":
                return token, False
            old = self._rotated.get(value)
            return (old, True) if old is not None else (None, False)

    def retire_refresh_token(self, token: Token) -> None:
        """The refresh token was exchanged: no longer live, kept as rotated until it expires."""
        with self.lock:
            grant = self._grants.get(token.grant_id)
            with self._backend.transaction():
                self._backend.save_token(token, rotated=True)
                if grant is not None:
                    grant.tokens.pop(token.value, None)
                    grant.rotated[token.value] = None
            del self._tokens[token.value]
            self._rotated[token.value] = token
            self._expires("_rotated", token.value, token.expires_at)

    def grant_tokens(self, grant_id: str) -> tuple[list[str], list[str]]:
        """The grant's live and rotated token values, oldest first."""
        with self.lock:
            grant = self._grants.get(grant_id)
            if grant is None:
                return [], []
            return list(grant.tokens), list(grant.rotated)

    def forget_tokens(self, grant_id: str, values: Iterable[str]) -> None:
        """Forget these tokens of a grant, live or rotated (a bound on what it keeps)."""
        with self.lock, self._backend.transaction():
            grant = self._grants.get(grant_id)
            for value in values:
                self._tokens.pop(value, None)
                self._rotated.pop(value, None)
                if grant is not None:
                    grant.tokens.pop(value, None)
                    grant.rotated.pop(value, None)
                self._backend.delete_token(value)

    def active_token(self, value: str) -> Token | None:
        with self.lock:
            token = self._tokens.get(value)
            if token is None or token.expires_at <= self.now():
                return None
            return token

    def note_api_call(self, token: Token) -> None:
        """The resource server answered a call made with this token (the dashboard)."""
        with self.lock:
            self._progress.count(token.username, "api_called")

    def delete_token(self, token: Token) -> None:
        """One token gone (revoked), its grant's other tokens kept."""
        with self.lock:
            self._backend.delete_token(token.value)
            self._tokens.pop(token.value, None)
            self._forget_token(token.grant_id, token.value)

    def revoke_grant(self, grant_id: str) -> None:
        """The grant and every live token issued from it, revoked."""
        with self.lock:
            grant = self._grants.get(grant_id)
            if grant is None:
                return
            self._backend.revoke_grant(grant_id)
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

    # -- housekeeping -----------------------------------------------------------

    @abstractmethod
    def _forget_pending(self, pending: PendingAuthorization) -> None:
        """What else remembers a pending authorization that expired."""

    @abstractmethod
    def _forget_client(self, client_id: str, address: str) -> None:
        """An application that never redeemed a code, forgotten."""

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

    def _forget_unused_clients(self, now: float) -> None:
        """Forget registered applications that never redeemed a code in their lifetime."""
        while self._unused:
            client_id, (until, address) = next(iter(self._unused.items()))
            if until > now:
                break  # one lifetime for all: the first to register is the first to go
            del self._unused[client_id]
            self._forget_client(client_id, address)

    def purge(self, now: float | None = None) -> None:
        """Forget what has expired: codes, used codes, tokens, logins, grants.

        Open login pages are kept in the order they expire, so a sweep stops at
        the first still open.
        """
        with self.lock:
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
            self._backend.purge(now)

    def _drop_grant_if_due(self, grant_id: str, now: float) -> None:
        grant = self._grants.get(grant_id)
        if grant is not None and grant.expires_at <= now:
            del self._grants[grant_id]
