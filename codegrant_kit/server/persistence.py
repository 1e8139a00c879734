"""What the server remembers, also written to an SQLite file (`--db FILE`).

The `Store` keeps serving from memory; with a database it also writes every
change through, under its lock, before answering. A server that restarts on the
same file loads everything that has not expired, so a classroom loses no
application, user, consent, pending login, code or token when it is killed.

The file is marked as codegrant-kit's (`PRAGMA application_id`) and checked when
opened: a file that is not one, or is damaged, or is in use by another server,
gives a `PersistenceError` and is left exactly as it was. Journal: WAL with
`synchronous=NORMAL`, so a crash of the server loses nothing committed (a power
cut may lose the last transactions); exclusive locking, so two servers never
write one file. Open it with `sqlite3 FILE` once the server has stopped, to see
what it remembered.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

from .backend import Saved, SavedClient, SavedGrant, SavedProgress
from .passwords import check_hash
from .records import AuthorizationCode, Client, Consent, PendingAuthorization, Token, User
from .sqlite_schema import (
    ADDITIONS,
    APPLICATION_ID,
    COLUMN_TYPES,
    INDEXES,
    JSON_COLUMNS,
    LOCK_TIMEOUT,
    SCHEMA,
    SCHEMA_VERSION,
    TABLES,
)

__all__ = ["APPLICATION_ID", "Database", "PersistenceError"]

T = TypeVar("T")
Record = User | Client | PendingAuthorization | AuthorizationCode | Token | Consent


class PersistenceError(Exception):
    """The database file cannot be used; it was left unchanged."""


def columns(obj: Record, **extra: Any) -> dict[str, Any]:
    """A dataclass as column values: tuples and sets as JSON arrays, booleans as 0/1."""
    values: dict[str, Any] = {}
    for item in fields(obj):
        value = getattr(obj, item.name)
        if item.name in JSON_COLUMNS:
            value = json.dumps(sorted(value) if isinstance(value, frozenset) else list(value))
        elif isinstance(value, bool):
            value = int(value)
        values[item.name] = value
    return values | extra


def restore(cls: Callable[..., T], row: dict[str, Any], *, sets: bool = False) -> T:
    """The dataclass back from its columns (extra columns are left out)."""
    names = {item.name for item in fields(cls)}  # type: ignore[arg-type]
    values = {name: value for name, value in row.items() if name in names}
    for name in JSON_COLUMNS & names:
        values[name] = (frozenset if sets else tuple)(json.loads(values[name]))
    for flag in ("redirect_uri_given", "require_pushed_authorization_requests"):
        if flag in values:
            values[flag] = bool(values[flag])
    return cls(**values)


class Database:
    """One SQLite file, used by one Store under the Store's lock (a `backend.Backend`)."""

    persistent = True

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection
        self._depth = 0

    # -- opening ----------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Database:
        """Open or create the file; PersistenceError, changing nothing, if it is unusable."""
        path = Path(path)
        if path.is_dir():
            raise PersistenceError(f"{path} is a directory; --db takes a file.")
        if not path.parent.is_dir():
            raise PersistenceError(
                f"Cannot create {path}: the folder {path.parent} does not exist."
            )
        if path.exists() and not os.access(path, os.R_OK | os.W_OK):
            raise PersistenceError(f"{path} cannot be read and written by this user.")
        if not path.exists():
            try:
                # it holds client secrets and tokens: readable by its owner only
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except OSError as exc:
                raise PersistenceError(f"Cannot create {path}: {exc.strerror}.") from None
        try:
            connection = sqlite3.connect(
                path, timeout=LOCK_TIMEOUT, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise PersistenceError(f"Cannot open {path}: {exc}.") from None
        connection.row_factory = sqlite3.Row
        database = cls(path, connection)
        try:
            database._check_and_prepare()
        except BaseException:
            connection.close()
            raise
        return database

    def _check_and_prepare(self) -> None:
        db, path = self._db, self.path
        try:
            # set before the first read, so the lock is kept from then on and two
            # servers never share the file (and WAL needs no shared-memory file)
            db.execute("PRAGMA locking_mode=EXCLUSIVE")
            # the first reads: a file that is not SQLite fails here, unchanged
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
            tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if tables:
                if app_id != APPLICATION_ID:
                    raise PersistenceError(
                        f"{path} is an SQLite database of another program, not codegrant-kit's; "
                        "it was left unchanged. Give a new file to --db."
                    )
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version != SCHEMA_VERSION:
                    raise PersistenceError(
                        f"{path} was written by another version of codegrant-kit (schema "
                        f"{version}, this one reads {SCHEMA_VERSION}); it was left unchanged."
                    )
                problems = [row[0] for row in db.execute("PRAGMA quick_check")]
                if problems != ["ok"]:
                    raise PersistenceError(
                        f"{path} is damaged ({'; '.join(problems[:3])}); it was left "
                        "unchanged. Restore a copy, or give a new file to --db."
                    )
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            if not tables:
                db.executescript(
                    f"BEGIN; {SCHEMA} PRAGMA application_id={APPLICATION_ID}; "
                    f"PRAGMA user_version={SCHEMA_VERSION}; COMMIT;"
                )
            self._add_what_is_missing()
            # take the write lock now, and keep it (exclusive locking mode)
            db.execute("BEGIN EXCLUSIVE")
            db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise PersistenceError(
                    f"{path} is in use by another codegrant-kit server; stop that one first."
                ) from None
            raise PersistenceError(f"Cannot use {path}: {exc}; it was left unchanged.") from None
        except sqlite3.DatabaseError as exc:
            raise PersistenceError(
                f"{path} is not a codegrant-kit database or is damaged ({exc}); it was left "
                "unchanged. Give a new file to --db, or move this one away."
            ) from None

    def _add_what_is_missing(self) -> None:
        """The columns and indexes added since a file was made (once: then they exist)."""
        db = self._db
        alter = []
        for table, column, declaration in ADDITIONS:
            have = {row["name"] for row in db.execute(f"PRAGMA table_info({table})")}
            if column not in have:
                alter.append(f"ALTER TABLE {table} ADD COLUMN {column} {declaration};")
        db.executescript(f"BEGIN; {' '.join(alter)} {INDEXES} COMMIT;")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing; nested calls join the outer transaction."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._db.execute("BEGIN")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")
        finally:
            self._depth = 0

    def close(self) -> None:
        self._db.close()

    # -- reading everything back --------------------------------------------------

    def load(self, now: float) -> Saved:
        """Every row that has not expired; PersistenceError, changing nothing, for a damaged one."""
        for name in TABLES:
            columns = self._db.execute(f"PRAGMA table_info({name})").fetchall()
            for row in self._db.execute(f"SELECT * FROM {name}"):  # noqa: S608
                self._check_row(name, columns, dict(row))
        self.purge(now)
        rows = {
            name: [dict(row) for row in self._db.execute(f"SELECT * FROM {name}")]  # noqa: S608
            for name in TABLES
        }
        return Saved(
            users=[restore(User, row) for row in rows["users"]],
            clients=[
                SavedClient(restore(Client, row), row["registered_from"], row["unused_until"])
                for row in rows["clients"]
            ],
            pending=[
                (restore(PendingAuthorization, row), bool(row["anonymous"]))
                for row in rows["pending"]
            ],
            codes=[(restore(AuthorizationCode, row), bool(row["used"])) for row in rows["codes"]],
            tokens=[(restore(Token, row), bool(row["rotated"])) for row in rows["tokens"]],
            grants=[
                SavedGrant(row["grant_id"], bool(row["revoked"]), row["expires_at"])
                for row in rows["grants"]
            ],
            consents=[restore(Consent, row, sets=True) for row in rows["consents"]],
            progress=[
                SavedProgress(row["learner"], row["step"], row["count"], row["last_at"])
                for row in rows["progress"]
            ],
        )

    def _check_row(self, table: str, columns: list[sqlite3.Row], row: dict[str, Any]) -> None:
        """A row as this version writes it, or a PersistenceError naming it."""
        key = ", ".join(str(row[c["name"]]) for c in columns if c["pk"])
        problem = None
        for column in columns:
            name, value = column["name"], row[column["name"]]
            if value is None:
                if column["notnull"]:
                    problem = f"{name} is missing"
                continue
            kind = COLUMN_TYPES.get(column["type"])
            if kind is not None and not isinstance(value, kind):
                problem = f"{name} holds {type(value).__name__} {value!r}, not {column['type']}"
            elif name in JSON_COLUMNS:
                try:
                    items = json.loads(value)
                except ValueError:
                    items = None
                if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                    problem = f"{name} is not a JSON array of strings"
            elif table == "users" and name == "password_hash":
                try:
                    check_hash(value)
                except ValueError as exc:
                    problem = f"password_hash: {exc}"
            if problem is not None:
                break
        if problem is not None:
            raise PersistenceError(
                f"{self.path}: the row {key!r} of table {table} is damaged ({problem}); the "
                f"file was left unchanged. Fix or delete that row (sqlite3 {self.path}), or "
                "give a new file to --db."
            )

    def secret(self, name: str, make: Callable[[], bytes]) -> bytes:
        """A value kept across restarts (the JWT signing key), made once."""
        row = self._db.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()
        if row is not None:
            return bytes(row[0])
        value = make()
        self._db.execute("INSERT INTO secrets (name, value) VALUES (?, ?)", (name, value))
        return value

    def replace_secret(self, name: str, value: bytes) -> None:
        """A kept value changed (the signing keys, after a rotation)."""
        self._put("secrets", {"name": name, "value": value})

    # -- writing through ----------------------------------------------------------

    def _put(self, table: str, values: dict[str, Any]) -> None:
        names = ", ".join(values)
        marks = ", ".join("?" * len(values))
        self._db.execute(
            f"INSERT OR REPLACE INTO {table} ({names}) VALUES ({marks})",  # noqa: S608
            tuple(values.values()),
        )

    def save_user(self, user: User) -> None:
        self._put("users", columns(user))

    def delete_user(self, username: str) -> None:
        self._db.execute("DELETE FROM users WHERE username = ?", (username,))

    def delete_code(self, code: str) -> None:
        self._db.execute("DELETE FROM codes WHERE code = ?", (code,))

    def delete_consent(self, username: str, client_id: str) -> None:
        self._db.execute(
            "DELETE FROM consents WHERE username = ? AND client_id = ?", (username, client_id)
        )

    def save_client(
        self, client: Client, registered_from: str | None, unused_until: float | None = None
    ) -> None:
        self._put(
            "clients",
            columns(client, registered_from=registered_from, unused_until=unused_until),
        )

    def client_used(self, client_id: str) -> None:
        self._db.execute("UPDATE clients SET unused_until = NULL WHERE client_id = ?", (client_id,))

    def delete_client(self, client_id: str) -> None:
        self._db.execute("DELETE FROM clients WHERE client_id = ?", (client_id,))

    def save_pending(self, pending: PendingAuthorization, anonymous: bool) -> None:
        self._put("pending", columns(pending, anonymous=int(anonymous)))

    def delete_pending(self, pending_id: str) -> None:
        self._db.execute("DELETE FROM pending WHERE id = ?", (pending_id,))

    def save_code(self, code: AuthorizationCode, used: bool) -> None:
        self._put("codes", columns(code, used=int(used)))

    def save_token(self, token: Token, rotated: bool = False) -> None:
        self._put("tokens", columns(token, rotated=int(rotated)))

    def delete_token(self, value: str) -> None:
        self._db.execute("DELETE FROM tokens WHERE value = ?", (value,))

    def save_grant(self, grant_id: str, revoked: bool, expires_at: float) -> None:
        self._put(
            "grants", {"grant_id": grant_id, "revoked": int(revoked), "expires_at": expires_at}
        )

    def revoke_grant(self, grant_id: str) -> None:
        with self.transaction():
            self._db.execute("UPDATE grants SET revoked = 1 WHERE grant_id = ?", (grant_id,))
            self._db.execute("DELETE FROM tokens WHERE grant_id = ? AND rotated = 0", (grant_id,))

    def save_consent(self, consent: Consent) -> None:
        self._put("consents", columns(consent))

    def save_progress(self, learner: str, step: str, count: int, at: float) -> None:
        self._put("progress", {"learner": learner, "step": step, "count": count, "last_at": at})

    def purge(self, now: float) -> None:
        with self.transaction():
            for table in ("pending", "codes", "tokens", "grants"):
                self._db.execute(f"DELETE FROM {table} WHERE expires_at <= ?", (now,))  # noqa: S608
            self._db.execute("DELETE FROM clients WHERE unused_until <= ?", (now,))
