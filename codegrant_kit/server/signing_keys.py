"""The server's signing keys: one signs, the previous one is still published (RFC 7517).

ID tokens (OIDC Core 2, 10.1) and JWT access tokens (RFC 9068) are signed RS256
with the newest key; the JWKS at `jwks_uri` holds it and the key before it, so a
token signed before a rotation still verifies until it expires (OIDC Core 10.1.1:
"the Verifier knows to go back to the jwks_uri location to re-retrieve the keys
when it sees an unfamiliar kid value").

    rotate()   a new key signs from now on; the oldest beyond MAX_KEYS is dropped

The keys are made when first needed (a JWKS request or the first token to sign),
and with `--db` kept in the file as PEM, newest last, so they survive a restart.
"""

from __future__ import annotations

import threading
from typing import Any

from .jwt_access_tokens import JwtSigner
from .store import Store

# the key that signs and the one before it: a rotation leaves earlier tokens valid
MAX_KEYS = 2
SECRET_NAME = "jwt_signing_key"  # the name the JWT access-token key was kept under
_END = b"-----END PRIVATE KEY-----"


def split_pems(value: bytes) -> list[bytes]:
    """Concatenated PEM private keys, one by one."""
    return [part.strip() + b"\n" + _END + b"\n" for part in value.split(_END) if part.strip()]


class SigningKeys:
    """The key ring: `sign` with the newest, `jwks` for all of them, `rotate`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.RLock()
        self._signers: list[JwtSigner] = []

    def _ring(self) -> list[JwtSigner]:
        with self._lock:
            if not self._signers:
                kept = self.store.keep_secret(SECRET_NAME, lambda: JwtSigner().private_pem())
                self._signers = [JwtSigner.from_pem(pem) for pem in split_pems(kept)]
            return self._signers

    @property
    def current(self) -> JwtSigner:
        return self._ring()[-1]

    @property
    def kid(self) -> str:
        return self.current.kid

    def sign(self, claims: dict[str, Any], typ: str = "at+jwt") -> str:
        return self.current.sign(claims, typ)

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """RFC 7517 5: the public keys, newest first (each with its kid, RFC 7638)."""
        return {"keys": [key for signer in reversed(self._ring()) for key in signer.jwks()["keys"]]}

    def rotate(self) -> str:
        """Sign with a new key from now on; the new key's kid."""
        with self._lock:
            ring = [*self._ring(), JwtSigner()][-MAX_KEYS:]
            self.store.replace_secret(SECRET_NAME, b"".join(s.private_pem() for s in ring))
            self._signers = ring
        return ring[-1].kid
