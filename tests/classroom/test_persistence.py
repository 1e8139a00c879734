"""The store written through to SQLite: what comes back, what is purged, what is refused."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from codegrant_kit.server import ServerConfig, Store, create_app
from codegrant_kit.server.authorize import issue_code
from codegrant_kit.server.errors import InvalidGrant
from codegrant_kit.server.grants import issue_tokens, redeem_code, rotate_refresh_token
from codegrant_kit.server.persistence import APPLICATION_ID, Database, PersistenceError

from .helpers import REDIRECT_URI, asgi, run

START = 1_700_000_000.0
TABLES = ("_users", "_clients", "_pending", "_codes", "_used_codes", "_tokens", "_rotated")


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


def config(path: object, clock: Clock, **options: object) -> ServerConfig:
    return ServerConfig(db=path, password_hash="fast", clock=clock, **options)  # type: ignore[arg-type]


def busy_store(store: Store) -> dict[str, str]:
    """One of everything: a used code, a rotated refresh token, a revoked grant, ..."""
    store.add_user("ada", "lovelace")
    client = store.add_client(redirect_uris=[REDIRECT_URI], registered_from="10.0.0.7")
    fields = {
        "client_id": client.client_id,
        "redirect_uri": REDIRECT_URI,
        "redirect_uri_given": True,
        "scope": ("photos:read",),
        "state": "xyz",
        "code_challenge": None,
        "code_challenge_method": None,
        "address": "10.0.0.7",
    }
    waiting = store.add_pending(browser="b1", **fields)
    store.failed_sign_in(waiting, "ada")
    signed = store.add_pending(browser="b1", **fields)
    store.sign_in(signed, "ada")
    store.end_pending(signed.id)
    code = issue_code(store, signed)
    redeem_code(store, code.code, lambda _: None)
    access, refresh = issue_tokens(
        store,
        client_id=client.client_id,
        username="ada",
        scope=("photos:read",),
        grant_id=code.grant_id,
        refresh_scope=("photos:read",),
    )
    assert refresh is not None
    rotate_refresh_token(store, refresh.value, client.client_id, lambda _: None)
    new_access, _ = issue_tokens(
        store,
        client_id=client.client_id,
        username="ada",
        scope=("photos:read",),
        grant_id=code.grant_id,
        refresh_scope=("photos:read",),
    )
    store.note_api_call(new_access)
    other = store.add_pending(browser="b2", **fields | {"state": "2", "address": "10.0.0.8"})
    store.sign_in(other, "ada")
    unused = issue_code(store, other)
    store.remember_consent("ada", client.client_id, ["photos:read", "profile"])
    return {
        "client_id": client.client_id,
        "used_code": code.code,
        "unused_code": unused.code,
        "rotated": refresh.value,
        "access": new_access.value,
        "first_access": access.value,
        "pending": waiting.id,
    }


def state_of(store: Store) -> dict[str, object]:
    state: dict[str, object] = {name: dict(getattr(store, name)) for name in TABLES}
    state["_consents"] = dict(store._consents)
    state["_grants"] = {
        k: (g.revoked, g.expires_at, set(g.tokens)) for k, g in store._grants.items()
    }
    state["progress"] = store.services.progress.counts
    state["per_address"] = dict(store._per_address)
    state["pending_per_address"] = dict(store._pending_per_address)
    return state


def test_a_restart_brings_back_everything_unexpired(tmp_path):
    clock = Clock()
    first = Store(config(tmp_path / "class.db", clock))
    issued = busy_store(first)
    before = state_of(first)
    first.close()

    again = Store(config(tmp_path / "class.db", clock))
    assert state_of(again) == before
    # and it behaves as before: the old refresh token is known as stolen, the code as used
    assert again.active_token(issued["access"]) is not None
    with pytest.raises(InvalidGrant, match="used already"):
        redeem_code(again, issued["used_code"], lambda _: None)
    assert again.active_token(issued["access"]) is None  # the replay revoked the grant
    again.close()
    # ... and that revocation was written through too
    third = Store(config(tmp_path / "class.db", clock))
    assert third.active_token(issued["access"]) is None
    assert third._grants[third._used_codes[issued["used_code"]].grant_id].revoked
    assert third.has_consent("ada", issued["client_id"], ["profile"])
    assert third.get_pending(issued["pending"]).failed_logins == 1
    assert third.services.progress.counts["ada"]["api_called"] == 1
    third.close()


def test_what_expired_is_purged_from_the_file_too(tmp_path):
    clock = Clock()
    path = tmp_path / "class.db"
    store = Store(config(path, clock))
    busy_store(store)
    clock.now += store.config.refresh_token_lifetime + 1
    store.purge()
    store.close()
    with sqlite3.connect(path) as db:
        for table in ("pending", "codes", "tokens", "grants"):
            assert db.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
        # what does not expire stays: users, applications, consents, the dashboard
        for table in ("users", "clients", "consents", "progress"):
            assert db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0, table
    db.close()
    again = Store(config(path, clock))
    assert {name: getattr(again, name) for name in TABLES[2:]} == {name: {} for name in TABLES[2:]}
    assert again.usernames() == ["ada"] and len(again._clients) == 1
    again.close()


def test_expired_rows_are_not_loaded_even_if_never_purged(tmp_path):
    clock = Clock()
    store = Store(config(tmp_path / "class.db", clock))
    issued = busy_store(store)
    store.close()
    clock.now += store.config.code_lifetime + 1  # codes gone, tokens still alive
    again = Store(config(tmp_path / "class.db", clock))
    assert again._codes == {} and again._used_codes == {}
    assert again.active_token(issued["access"]) is not None
    again.close()


def test_the_memory_store_is_unchanged_by_default(tmp_path):
    store = Store(ServerConfig(password_hash="fast"))
    assert not store.persistent
    busy_store(store)
    assert list(tmp_path.iterdir()) == []


def test_a_preloaded_client_replaces_the_kept_one_only_when_asked(tmp_path):
    clock = Clock()
    store = Store(config(tmp_path / "class.db", clock))
    store.add_client(client_id="app", client_secret="one", redirect_uris=[REDIRECT_URI])
    store.close()
    again = Store(config(tmp_path / "class.db", clock))
    with pytest.raises(ValueError, match="exists already"):
        again.add_client(client_id="app", client_secret="two", redirect_uris=[REDIRECT_URI])
    again.add_client(
        client_id="app", client_secret="two", redirect_uris=[REDIRECT_URI], replace=True
    )
    assert again.get_client("app").client_secret == "two"
    again.close()


def test_the_jwt_signing_key_survives_a_restart(tmp_path):
    """Tokens issued before a restart still verify against the JWKS after it."""
    clock = Clock()
    jwks = []
    for _ in range(2):
        cfg = config(tmp_path / "class.db", clock, access_token_format="jwt")
        store = Store(cfg)

        async def fetch(app=create_app(cfg, store)):
            async with asgi(app) as http:
                return (await http.get("/jwks")).json()

        jwks.append(run(fetch()))
        store.close()
    assert jwks[0] == jwks[1]
    memory = [ServerConfig(access_token_format="jwt", password_hash="fast") for _ in range(2)]
    assert len({create_app(c).state.store.persistent for c in memory}) == 1


# -- files that cannot be used: a clear error, and the file left as it was --------


def unchanged(path: os.PathLike[str]) -> tuple[bytes, int, list[str]]:
    folder = os.path.dirname(path)
    return Path(path).read_bytes(), os.stat(path).st_mtime_ns, sorted(os.listdir(folder))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"learners.csv\nada,lovelace\n" * 50, "is not a codegrant-kit database"),
        (b"SQLite format 3\x00" + b"\xff" * 200, "is not a codegrant-kit database"),
    ],
    ids=["text file", "broken header"],
)
def test_a_file_that_is_no_database_is_refused_and_left_alone(tmp_path, content, message):
    path = tmp_path / "class.db"
    path.write_bytes(content)
    before = unchanged(path)
    with pytest.raises(PersistenceError, match=message):
        Store(config(path, Clock()))
    assert unchanged(path) == before


def test_another_programs_database_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE photos (id INTEGER)")
    db.close()
    before = unchanged(path)
    with pytest.raises(PersistenceError, match="another program"):
        Store(config(path, Clock()))
    assert unchanged(path) == before


def test_a_damaged_database_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "class.db"
    store = Store(config(path, Clock()))
    for n in range(300):  # enough pages that cutting the file loses some
        store.add_user(f"learner{n:03}", "pw" * 50)
    store.close()
    data = path.read_bytes()
    assert len(data) > 8192
    path.write_bytes(data[: len(data) // 2])
    before = unchanged(path)
    with pytest.raises(PersistenceError, match="damaged"):
        Store(config(path, Clock()))
    assert unchanged(path) == before


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "class.db"
    Store(config(path, Clock())).close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version=99")
    db.close()
    with pytest.raises(PersistenceError, match="another version"):
        Store(config(path, Clock()))


@pytest.mark.parametrize(
    ("table", "change", "key", "problem"),
    [
        ("clients", "redirect_uris = '[not json'", "CLIENT", "redirect_uris is not a JSON array"),
        ("clients", "scope = '\"photos:read\"'", "CLIENT", "scope is not a JSON array"),
        ("users", "password_hash = 'fast$!!$x'", "ada", "password_hash: Malformed fast"),
        ("users", "password_hash = 'md5$abc'", "ada", "Unknown password hash format"),
        ("tokens", "expires_at = 'soon'", "TOKEN", "expires_at holds str 'soon', not REAL"),
        ("grants", "revoked = 'yes'", "GRANT", "revoked holds str"),
    ],
)
def test_a_damaged_row_stops_the_start_and_names_itself(tmp_path, table, change, key, problem):
    path = tmp_path / "class.db"
    store = Store(config(path, Clock()))
    kept = busy_store(store)
    grant_id = store._used_codes[kept["used_code"]].grant_id
    keys = {"CLIENT": kept["client_id"], "TOKEN": kept["access"], "GRANT": grant_id, "ada": "ada"}
    store.close()
    column = {"clients": "client_id", "users": "username", "tokens": "value", "grants": "grant_id"}
    with sqlite3.connect(path) as db:
        db.execute(
            f"UPDATE {table} SET {change} WHERE {column[table]} = ?",
            (keys[key],),
        )
    db.close()
    before = unchanged(path)
    with pytest.raises(PersistenceError) as refused:
        Store(config(path, Clock()))
    message = str(refused.value)
    assert f"the row {keys[key]!r} of table {table} is damaged" in message
    assert problem in message
    assert "Fix or delete that row" in message
    assert unchanged(path) == before


def test_a_user_no_longer_admitted_loses_everything_it_held(tmp_path):
    path = tmp_path / "class.db"
    store = Store(config(path, Clock()))
    busy_store(store)
    store.add_user("grace", "hopper")
    store.close()
    again = Store(config(path, Clock()))
    try:
        assert again.admit_only(["grace"]) == ["ada"]
        assert again.usernames() == ["grace"]
        assert not again.check_password("ada", "lovelace")
        held = again.snapshot()
        assert held["tokens"] == held["codes"] == held["consents"] == []
        assert all(p["username"] != "ada" for p in held["pending"])
        assert again.admit_only(["grace"]) == []
    finally:
        again.close()
    third = Store(config(path, Clock()))  # and the file forgot them too
    try:
        assert third.usernames() == ["grace"]
        held = third.snapshot()
        assert held["tokens"] == held["codes"] == held["consents"] == []
    finally:
        third.close()


def test_a_file_without_unused_until_gets_it_and_keeps_its_applications(tmp_path):
    path = tmp_path / "class.db"
    store = Store(config(path, Clock()))
    client = store.add_client(redirect_uris=[REDIRECT_URI], registered_from="10.0.0.7")
    store.close()
    with sqlite3.connect(path) as db:  # the file as the first release wrote it
        names = [row[1] for row in db.execute("PRAGMA table_info(clients)")]
        kept = ", ".join(name for name in names if name != "unused_until")
        db.execute(f"CREATE TABLE first AS SELECT {kept} FROM clients")
        db.execute("DROP TABLE clients")
        db.execute("ALTER TABLE first RENAME TO clients")
    db.close()
    again = Store(config(path, Clock()))
    try:
        assert again.get_client(client.client_id) == client
        assert again._per_address == {"10.0.0.7": 1}
    finally:
        again.close()
    with sqlite3.connect(path) as db:
        assert "unused_until" in {row[1] for row in db.execute("PRAGMA table_info(clients)")}
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1  # still schema 1
    db.close()


@pytest.mark.parametrize(
    ("where", "message"),
    [("folder", "is a directory"), ("missing/class.db", "does not exist")],
)
def test_a_path_that_cannot_be_a_database_is_a_clear_error(tmp_path, where, message):
    (tmp_path / "folder").mkdir()
    with pytest.raises(PersistenceError, match=message):
        Store(config(tmp_path / where, Clock()))
    assert sorted(os.listdir(tmp_path)) == ["folder"]


def test_two_servers_never_share_a_file(tmp_path):
    path = tmp_path / "class.db"
    first = Store(config(path, Clock()))
    with pytest.raises(PersistenceError, match="in use by another"):
        Store(config(path, Clock()))
    first.close()
    Store(config(path, Clock())).close()  # free again once the first has closed it


def test_the_file_is_marked_and_private(tmp_path):
    path = tmp_path / "class.db"
    Store(config(path, Clock())).close()
    assert os.stat(path).st_mode & 0o777 == 0o600  # client secrets and tokens inside
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA application_id").fetchone() == (APPLICATION_ID,)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    db.close()


def test_a_failed_write_changes_nothing(tmp_path):
    """All the writes of one change or none: a code and its grant go in together."""
    path = tmp_path / "class.db"
    database = Database.open(path)
    with pytest.raises(RuntimeError), database.transaction():
        database.save_grant("g1", False, START)
        raise RuntimeError("disk full")
    database.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM grants").fetchone() == (0,)
    db.close()


# -- pending logins on disk: indexed, capped, counted again after a restart ----------


def login_pages(app, client_id: str, addresses: list[str], each: int, cookie: str, state: str):
    """`each` GET /authorize from every address, with this Cookie header; the statuses."""
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "state": state,
    }

    async def go() -> list[int]:
        statuses = []
        for address in addresses:
            async with asgi(app, address) as http:
                for _ in range(each):
                    page = await http.get("/authorize", params=query, headers={"Cookie": cookie})
                    statuses.append(page.status_code)
        return statuses

    return run(go())


def on_disk(path: Path) -> tuple[int, int]:
    """The database's bytes, and its write-ahead log's."""
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size, wal.stat().st_size if wal.exists() else 0


def test_the_file_stays_flat_under_a_flood_of_login_pages(tmp_path):
    # the issue's load: big cookies and long states, page after page, for a long time
    clock = Clock()
    path = tmp_path / "class.db"
    cfg = config(path, clock, max_pending_per_address=50, max_pending=200)
    store = Store(cfg)
    client = store.add_client(redirect_uris=[REDIRECT_URI])
    app = create_app(cfg, store)
    addresses = [f"10.0.0.{n}" for n in range(6)]
    sizes = []
    for _ in range(4):
        statuses = login_pages(
            app, client.client_id, addresses, 60, "cgk_browser=" + "c" * 16_384, "s" * 2048
        )
        assert statuses.count(200) == 200 and statuses.count(429) == len(statuses) - 200
        sizes.append(on_disk(path))
        clock.now += cfg.login_lifetime  # they expire, and the purge takes them out
        store.purge()
        assert store._pending == {} and store._pending_per_address == {}
    store.close()
    files = [db for db, _ in sizes]
    # 200 rows with a 2 KiB state each, one to a 4 KiB page, and their index: the
    # 16 KiB cookies are not kept (nor are the refused pages)
    assert max(files) < 1536 * 1024, sizes
    assert files[-1] <= files[1], sizes  # the purge frees pages, the next round reuses them
    # the log is checkpointed at 1,000 pages (SQLite's default), then written again from
    # its start: it holds at most that and one transaction (a purge: a page a row)
    frames = 1000 + cfg.max_pending
    assert max(wal for _, wal in sizes) <= 32 + frames * (24 + 4096), sizes


def test_the_purge_reads_an_index_in_new_and_older_files(tmp_path):
    new, old = tmp_path / "new.db", tmp_path / "old.db"
    for path in (new, old):
        Store(config(path, Clock())).close()
    # a file made before the indexes, the address column, OIDC, DPoP and RFC 8707 existed
    with sqlite3.connect(old) as db:
        for table in ("pending", "codes", "tokens", "grants"):
            db.execute(f"DROP INDEX {table}_by_expiry")
        columns = ("address", "nonce", "prompt", "max_age", "auth_time", "dpop_jkt", "resource")
        for column in columns:
            db.execute(f"ALTER TABLE pending DROP COLUMN {column}")
        db.execute(
            "INSERT INTO pending VALUES ('p1', 'csrf', 'b', 'c', ?, 1, '[]', 'xyz', NULL, "
            "NULL, ?, NULL, 0, 1)",
            (REDIRECT_URI, START + 60),
        )
    db.close()
    for path in (new, old):
        Store(config(path, Clock())).close()  # opened once by this version
        with sqlite3.connect(path) as db:
            for table in ("pending", "codes", "tokens", "grants"):
                plan = db.execute(
                    f"EXPLAIN QUERY PLAN DELETE FROM {table} WHERE expires_at <= ?", (START,)
                ).fetchall()
                assert f"USING INDEX {table}_by_expiry" in plan[0][3], (path.name, plan)
            assert db.execute("PRAGMA user_version").fetchone() == (1,)  # still schema 1
        db.close()
    again = Store(config(old, Clock()))
    assert again.get_pending("p1").address == ""  # its address is unknown: counted as ""
    assert again._pending_per_address == {"": 1}
    assert again.get_pending("p1").nonce is None  # the columns came back, empty
    again.close()


def test_the_caps_on_login_pages_hold_across_a_restart(tmp_path):
    clock = Clock()
    path = tmp_path / "class.db"
    cfg = config(path, clock, max_pending_per_address=3)
    store = Store(cfg)
    client = store.add_client(redirect_uris=[REDIRECT_URI])
    assert (
        login_pages(create_app(cfg, store), client.client_id, ["10.0.0.7"], 3, "", "s") == [200] * 3
    )
    store.close()
    again = Store(cfg)
    app = create_app(cfg, again)
    assert login_pages(app, client.client_id, ["10.0.0.7", "10.0.0.8"], 1, "", "s") == [429, 200]
    assert again._pending_per_address == {"10.0.0.7": 3, "10.0.0.8": 1}
    again.close()


def test_a_sign_in_on_a_page_ended_meanwhile_is_not_written_back(tmp_path):
    # two posts of one sign-in page: the first ends it while the second checks the password
    clock = Clock()
    path = tmp_path / "class.db"
    store = Store(config(path, clock))
    store.add_user("ada", "lovelace")
    client = store.add_client(redirect_uris=[REDIRECT_URI])
    pending = store.add_pending(
        browser="b",
        address="10.0.0.7",
        client_id=client.client_id,
        redirect_uri=REDIRECT_URI,
        redirect_uri_given=True,
        scope=("photos:read",),
        state="xyz",
        code_challenge=None,
        code_challenge_method=None,
    )
    assert store.end_pending(pending.id) is pending
    assert store.end_pending(pending.id) is None  # ended once only
    assert store.sign_in(pending, "ada") is False
    store.failed_sign_in(pending, "ada")
    store.close()
    again = Store(config(path, clock))
    assert again.get_pending(pending.id) is None  # not brought back to life
    assert again._pending_per_address == {}
    again.close()


def test_dpop_bindings_survive_a_restart(tmp_path):
    # RFC 9449 6, 10: a restarted server still knows which key a code and a token need
    path, clock = tmp_path / "kit.db", Clock()
    store = Store(config(path, clock))
    client = store.add_client(redirect_uris=[REDIRECT_URI])
    pending = store.add_pending(
        browser="b1",
        address="10.0.0.7",
        client_id=client.client_id,
        redirect_uri=REDIRECT_URI,
        redirect_uri_given=True,
        scope=("photos:read",),
        state="xyz",
        code_challenge=None,
        code_challenge_method=None,
        dpop_jkt="j" * 43,
    )
    store.sign_in(pending, "ada")
    code = issue_code(store, pending)
    access, refresh = issue_tokens(
        store,
        client_id=client.client_id,
        username="ada",
        scope=("photos:read",),
        grant_id=code.grant_id,
        refresh_scope=("photos:read",),
        jkt="k" * 43,
        refresh_jkt="r" * 43,
    )
    assert refresh is not None
    store.close()
    again = Store(config(path, clock))
    kept, _ = again.find_code(code.code)
    assert kept is not None and kept.dpop_jkt == "j" * 43
    token = again.active_token(access.value)
    assert token is not None and token.jkt == "k" * 43
    kept_refresh, _ = again.find_refresh_token(refresh.value)
    assert kept_refresh is not None and kept_refresh.jkt == "r" * 43
    again.close()
