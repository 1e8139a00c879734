"""The sub claim: who the user is, as the clients of this server know them (OIDC Core 2, 8).

OIDC Core 2: sub is "A locally unique and never reassigned identifier within the
Issuer for the End-User", at most 255 ASCII characters. This server's subject
type is "public" (OIDC Core 8): every client gets the same sub for a user.

The sub is not the username: usernames can be renamed and reused, a sub never is.
It is an HMAC of the username under a key the server makes once (kept with `--db`,
so sub is the same after a restart), so the same user always gets the same sub
and nobody can compute it from a username.
"""

from __future__ import annotations

import hashlib
import hmac
import threading

from .jwt_access_tokens import b64url
from .store import Store

SUBJECT_TYPES = ("public",)  # OIDC Core 8: the same sub for every client


class Subjects:
    """sub for a username: the same for every client, at every sign-in."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._key: bytes | None = None

    def _secret(self) -> bytes:
        with self._lock:
            if self._key is None:
                # from the server's randomness (a seeded tutorial repeats), kept with --db
                self._key = self.store.keep_secret(
                    "subject_key", lambda: self.store.config.randomness.token(32).encode()
                )
            return self._key

    def sub(self, username: str) -> str:
        """43 base64url characters (a SHA-256 HMAC): well under OIDC Core 2's 255."""
        digest = hmac.new(self._secret(), username.encode(), hashlib.sha256).digest()
        return b64url(digest)
