"""The tables of the SQLite file (`--db`) and the types their columns hold.

`persistence` creates them in a new file and checks each row against them when
it reads a file back.
"""

from __future__ import annotations

APPLICATION_ID = 0x43474B31  # "CGK1"
SCHEMA_VERSION = 1
LOCK_TIMEOUT = 0.5  # seconds to wait for a file that another server holds

SCHEMA = """
CREATE TABLE users (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL
);
CREATE TABLE clients (
    client_id TEXT PRIMARY KEY,
    client_secret TEXT NOT NULL,
    client_name TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,  -- JSON arrays
    grant_types TEXT NOT NULL,
    response_types TEXT NOT NULL,
    token_endpoint_auth_method TEXT NOT NULL,
    scope TEXT NOT NULL,
    client_id_issued_at INTEGER NOT NULL,
    registered_from TEXT,  -- the address that registered it, for the per-address cap
    -- forgotten then unless it redeems a code first (NULL: kept)
    unused_until REAL
);
CREATE TABLE pending (
    id TEXT PRIMARY KEY,
    csrf_token TEXT NOT NULL,
    browser TEXT NOT NULL,
    client_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    redirect_uri_given INTEGER NOT NULL,
    scope TEXT NOT NULL,
    state TEXT,
    code_challenge TEXT,
    code_challenge_method TEXT,
    expires_at REAL NOT NULL,
    username TEXT,
    failed_logins INTEGER NOT NULL,
    anonymous INTEGER NOT NULL,  -- its login page is counted for nobody yet (dashboard)
    address TEXT NOT NULL DEFAULT ''  -- where it came from (max_pending_per_address)
);
CREATE TABLE codes (
    code TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    username TEXT NOT NULL,
    redirect_uri TEXT,
    scope TEXT NOT NULL,
    code_challenge TEXT,
    code_challenge_method TEXT,
    issued_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    grant_id TEXT NOT NULL,
    used INTEGER NOT NULL  -- kept until it expires, to detect a replay
);
CREATE TABLE tokens (
    value TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    client_id TEXT NOT NULL,
    username TEXT NOT NULL,
    scope TEXT NOT NULL,
    issued_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    grant_id TEXT NOT NULL,
    rotated INTEGER NOT NULL  -- a refresh token already exchanged, to detect its theft
);
CREATE INDEX tokens_by_grant ON tokens (grant_id);
CREATE TABLE grants (
    grant_id TEXT PRIMARY KEY,
    revoked INTEGER NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE consents (
    username TEXT NOT NULL,
    client_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    granted_at REAL NOT NULL,
    PRIMARY KEY (username, client_id)
);
CREATE TABLE progress (
    learner TEXT NOT NULL,
    step TEXT NOT NULL,
    count INTEGER NOT NULL,
    last_at REAL NOT NULL,
    PRIMARY KEY (learner, step)
);
CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
"""

# Added to schema 1 after files were written with it: run at every open, so older
# files get them too. Older kits read such a file still (they ignore the column).
ADDITIONS = (
    ("pending", "address", "TEXT NOT NULL DEFAULT ''"),
    ("clients", "unused_until", "REAL"),
    # OpenID Connect (OIDC Core 3.1.2.1): the request's nonce, prompt, max_age, the sign-in time
    ("pending", "nonce", "TEXT"),
    ("pending", "prompt", "TEXT"),
    ("pending", "max_age", "INTEGER"),
    ("pending", "auth_time", "REAL"),
    ("codes", "nonce", "TEXT"),
    ("codes", "auth_time", "REAL"),
    ("tokens", "auth_time", "REAL"),
    # DPoP (RFC 9449 6, 10): the key a token or a code is bound to
    ("pending", "dpop_jkt", "TEXT"),
    ("codes", "dpop_jkt", "TEXT"),
    ("tokens", "jkt", "TEXT"),
    # private_key_jwt (RFC 7591 2) and PAR (RFC 9126 6): the client's keys, its PAR rule
    ("clients", "jwks", "TEXT"),
    ("clients", "jwks_uri", "TEXT"),
    ("clients", "require_pushed_authorization_requests", "INTEGER NOT NULL DEFAULT 0"),
    # RFC 8707 2: the resource a request named, a code and a token are bound to
    ("pending", "resource", "TEXT"),
    ("codes", "resource", "TEXT"),
    ("tokens", "resource", "TEXT"),
)
# The purge deletes by expires_at every second: without an index, each delete reads
# the whole table.
INDEXES = """
CREATE INDEX IF NOT EXISTS pending_by_expiry ON pending (expires_at);
CREATE INDEX IF NOT EXISTS codes_by_expiry ON codes (expires_at);
CREATE INDEX IF NOT EXISTS tokens_by_expiry ON tokens (expires_at);
CREATE INDEX IF NOT EXISTS grants_by_expiry ON grants (expires_at);
"""

JSON_COLUMNS = frozenset({"redirect_uris", "grant_types", "response_types", "scope"})
TABLES = ("users", "clients", "pending", "codes", "tokens", "grants", "consents", "progress")
# what a value of each declared column type must be in Python, to be used as one
COLUMN_TYPES: dict[str, type | tuple[type, ...]] = {
    "TEXT": str,
    "INTEGER": int,
    "REAL": (int, float),
    "BLOB": bytes,
}
