"""Where the Store writes each change through: nowhere, or an SQLite file.

The `Store` serves every read from memory and, under its lock, hands every
change to its `Backend` as well. `MemoryOnly` does nothing with them (the
server forgets all when it stops); `persistence.Database` writes them to the
file given with `--db` and reads them back at the next start. The Store never
asks which one it has.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from .records import AuthorizationCode, Client, Consent, PendingAuthorization, Token, User


class SavedClient(NamedTuple):
    client: Client
    registered_from: str | None  # the address that registered it (None: given at start)
    unused_until: float | None  # forgotten then unless it redeems a code first


class SavedGrant(NamedTuple):
    grant_id: str
    revoked: bool
    expires_at: float


@dataclass(frozen=True)
class SavedProgress:
    learner: str
    step: str
    count: int
    last_at: float


@dataclass
class Saved:
    """What a backend kept that has not expired, read back at start."""

    users: list[User] = field(default_factory=list)
    clients: list[SavedClient] = field(default_factory=list)
    pending: list[tuple[PendingAuthorization, bool]] = field(default_factory=list)  # anonymous?
    codes: list[tuple[AuthorizationCode, bool]] = field(default_factory=list)  # used?
    tokens: list[tuple[Token, bool]] = field(default_factory=list)  # rotated?
    grants: list[SavedGrant] = field(default_factory=list)
    consents: list[Consent] = field(default_factory=list)
    progress: list[SavedProgress] = field(default_factory=list)


class Backend(Protocol):
    """The write-through operations; each is called under the Store's lock."""

    persistent: bool  # does what is written survive a restart?

    def load(self, now: float) -> Saved: ...
    def transaction(self) -> contextlib.AbstractContextManager[None]: ...
    def close(self) -> None: ...
    def secret(self, name: str, make: Callable[[], bytes]) -> bytes: ...
    def replace_secret(self, name: str, value: bytes) -> None: ...
    def save_user(self, user: User) -> None: ...
    def delete_user(self, username: str) -> None: ...
    def save_client(
        self, client: Client, registered_from: str | None, unused_until: float | None = None
    ) -> None: ...
    def client_used(self, client_id: str) -> None: ...
    def delete_client(self, client_id: str) -> None: ...
    def save_pending(self, pending: PendingAuthorization, anonymous: bool) -> None: ...
    def delete_pending(self, pending_id: str) -> None: ...
    def save_code(self, code: AuthorizationCode, used: bool) -> None: ...
    def delete_code(self, code: str) -> None: ...
    def save_token(self, token: Token, rotated: bool = False) -> None: ...
    def delete_token(self, value: str) -> None: ...
    def save_grant(self, grant_id: str, revoked: bool, expires_at: float) -> None: ...
    def revoke_grant(self, grant_id: str) -> None: ...
    def save_consent(self, consent: Consent) -> None: ...
    def delete_consent(self, username: str, client_id: str) -> None: ...
    def save_progress(self, learner: str, step: str, count: int, at: float) -> None: ...
    def purge(self, now: float) -> None: ...


class MemoryOnly:
    """The null backend: memory is all there is, so every write-through does nothing."""

    persistent = False

    def load(self, now: float) -> Saved:
        return Saved()

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()

    def close(self) -> None:
        pass

    def secret(self, name: str, make: Callable[[], bytes]) -> bytes:
        return make()  # made again at every start: nothing outlives the server

    def replace_secret(self, name: str, value: bytes) -> None:
        pass

    def save_user(self, user: User) -> None:
        pass

    def delete_user(self, username: str) -> None:
        pass

    def save_client(
        self, client: Client, registered_from: str | None, unused_until: float | None = None
    ) -> None:
        pass

    def client_used(self, client_id: str) -> None:
        pass

    def delete_client(self, client_id: str) -> None:
        pass

    def save_pending(self, pending: PendingAuthorization, anonymous: bool) -> None:
        pass

    def delete_pending(self, pending_id: str) -> None:
        pass

    def save_code(self, code: AuthorizationCode, used: bool) -> None:
        pass

    def delete_code(self, code: str) -> None:
        pass

    def save_token(self, token: Token, rotated: bool = False) -> None:
        pass

    def delete_token(self, value: str) -> None:
        pass

    def save_grant(self, grant_id: str, revoked: bool, expires_at: float) -> None:
        pass

    def revoke_grant(self, grant_id: str) -> None:
        pass

    def save_consent(self, consent: Consent) -> None:
        pass

    def delete_consent(self, username: str, client_id: str) -> None:
        pass

    def save_progress(self, learner: str, step: str, count: int, at: float) -> None:
        pass

    def purge(self, now: float) -> None:
        pass


def open_backend(db: str | os.PathLike[str] | None) -> Backend:
    """The backend for `ServerConfig.db`: the SQLite file, or memory only."""
    if db is None:
        return MemoryOnly()
    from .persistence import Database  # sqlite3 is loaded only for a server that uses it

    return Database.open(db)
