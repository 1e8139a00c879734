"""Password hashing for the resource owners the server knows.

Passwords are stored as salted scrypt hashes (RFC 7914) and compared in constant
time. `fast` is a single salted SHA-256, for benchmarks and load tests only: it
is loud about itself, like a lab switch, and never the default.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Literal

HashScheme = Literal["scrypt", "fast"]

# N=2**13, r=8, p=2: 8 MiB of memory and about 50 ms a login on a 2-core machine
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**13, 8, 2


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, scheme: HashScheme = "scrypt") -> str:
    """A self-describing hash: `scrypt$N$r$p$salt$hash` or `fast$salt$hash`."""
    salt = secrets.token_bytes(16)
    if scheme == "fast":
        digest = hashlib.sha256(salt + password.encode("utf-8")).digest()
        return f"fast${_b64(salt)}${_b64(digest)}"
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    parts = stored.split("$")
    candidate = password.encode("utf-8", errors="surrogatepass")
    if parts[0] == "fast" and len(parts) == 3:
        salt, expected = base64.b64decode(parts[1]), base64.b64decode(parts[2])
        return hmac.compare_digest(hashlib.sha256(salt + candidate).digest(), expected)
    if parts[0] == "scrypt" and len(parts) == 6:
        n, r, p = (int(x) for x in parts[1:4])
        salt, expected = base64.b64decode(parts[4]), base64.b64decode(parts[5])
        digest = hashlib.scrypt(candidate, salt=salt, n=n, r=r, p=p, dklen=len(expected))
        return hmac.compare_digest(digest, expected)
    raise ValueError("Unknown password hash format.")
