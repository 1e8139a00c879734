"""The login pages between the authorization request and its answer (RFC 6749 4.1.1, 4.1.2).

Each pending authorization is kept `login_lifetime` unless it is finished, so
their number is capped, per address and in all: past a cap the authorization
endpoint answers 429 with Retry-After (RFC 6585 4). Part of the `Store`.
"""

from __future__ import annotations

import math
from typing import Any

from .config import ServerConfig
from .errors import RateLimited
from .expiry import ExpiringTables
from .records import PendingAuthorization, User


class PendingLogins(ExpiringTables):
    _users: dict[str, User]

    def __init__(self, config: ServerConfig) -> None:
        super().__init__(config)
        # in the order they expire: each is kept login_lifetime from when it was added
        self._pending: dict[str, PendingAuthorization] = {}
        self._pending_per_address: dict[str, int] = {}  # address -> its open login pages

    # -- pending authorizations (login and consent pages) ---------------------

    def add_pending(self, *, address: str, **fields: Any) -> PendingAuthorization:
        """A login page opened from `address`; RateLimited if too many are open.

        Every field is bounded (the cookie is the server's own, `params` and
        `authorize` cap the rest), so with the caps so is what they take.
        """
        now = self.now()
        mint = self.config.randomness.token
        with self.lock, self._backend.transaction():
            self._maybe_purge(now)
            self._check_room_for_pending(address, now)
            pending = PendingAuthorization(
                id=mint(16),
                csrf_token=mint(16),
                address=address,
                expires_at=now + self.config.login_lifetime,
                **fields,
            )
            self._pending[pending.id] = pending
            self._count_pending(address, 1)
            self._progress.seen_login_page(pending.id, pending.browser)
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
        self._backend.save_pending(pending, self._progress.is_anonymous(pending.id))

    def sign_in(
        self, pending: PendingAuthorization, username: str, auth_time: float | None = None
    ) -> bool:
        """The resource owner signed in on this login page (at `auth_time`, now if None);
        False if it was ended meanwhile."""
        with self.lock, self._backend.transaction():
            if self._pending.get(pending.id) is not pending:
                return False  # another post of the page ended it while its password was checked
            pending.username = username
            pending.auth_time = self.now() if auth_time is None else auth_time
            self._progress.signed_in(pending.id, pending.browser, username)
            self._save_pending(pending)
            return True

    def failed_sign_in(self, pending: PendingAuthorization, username: str) -> int:
        """A wrong password on this login page; how many so far."""
        with self.lock, self._backend.transaction():
            pending.failed_logins += 1
            known = username if username in self._users else None
            self._progress.failed_sign_in(pending.browser, known)
            if self._pending.get(pending.id) is pending:  # never write back an ended page
                self._save_pending(pending)
            return pending.failed_logins

    def get_pending(self, pending_id: str) -> PendingAuthorization | None:
        with self.lock:
            pending = self._pending.get(pending_id)
            if pending is None or pending.expires_at <= self.now():
                return None
            return pending

    def end_pending(self, pending_id: str) -> PendingAuthorization | None:
        """Take a pending authorization out, so its forms work once.

        Of two requests that end the same one, the second gets None: only the
        first may answer it (a code, a denial).
        """
        with self.lock:
            pending = self._pending.pop(pending_id, None)
            if pending is not None:
                self._forget_pending(pending)
                self._backend.delete_pending(pending_id)
            return pending

    def _forget_pending(self, pending: PendingAuthorization) -> None:
        """What else remembers a pending authorization taken out of `_pending`."""
        self._count_pending(pending.address, -1)
        self._progress.forget_pending(pending.id)
