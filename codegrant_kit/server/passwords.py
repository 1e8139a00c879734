"""Password hashing for the resource owners the server knows.

Passwords are stored as salted Argon2id hashes (RFC 9106), at the parameters the
OWASP Password Storage Cheat Sheet gives as its minimum: 19 MiB, 2 passes, 1 lane.
`fast` is a single salted SHA-256, for benchmarks and load tests only: it is loud
about itself, like a lab switch, and never the default.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Literal, get_args

from starlette.concurrency import run_in_threadpool

if TYPE_CHECKING:
    from argon2 import PasswordHasher

HashScheme = Literal["argon2id", "fast"]
SCHEMES: tuple[HashScheme, ...] = get_args(HashScheme)


@cache
def argon2id_hasher() -> PasswordHasher:
    """The Argon2id hasher, imported on first use rather than with the kit."""
    from argon2 import PasswordHasher, Type

    # RFC 9106 4 and OWASP's minimum for Argon2id: m=19 MiB, t=2, p=1
    return PasswordHasher(
        time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16, type=Type.ID
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(*parts: str) -> list[bytes]:
    return [base64.b64decode(part, validate=True) for part in parts]


def hash_password(password: str, scheme: HashScheme = "argon2id") -> str:
    """A self-describing hash: `$argon2id$v=19$m=…` or `fast$salt$hash`."""
    secret = password.encode("utf-8", errors="surrogatepass")
    if scheme == "argon2id":
        return argon2id_hasher().hash(secret)
    if scheme == "fast":
        salt = secrets.token_bytes(16)
        digest = hashlib.sha256(salt + secret).digest()
        return f"fast${_b64(salt)}${_b64(digest)}"
    raise ValueError(f"Unknown password hash scheme {scheme!r}; use one of {', '.join(SCHEMES)}.")


def check_hash(stored: str) -> None:
    """ValueError unless `stored` is a hash `verify_password` can read (no password needed)."""
    if stored.startswith("$argon2id$"):
        from argon2 import extract_parameters
        from argon2.exceptions import InvalidHashError

        try:
            extract_parameters(stored)
        except (InvalidHashError, ValueError):
            raise ValueError("Malformed Argon2id password hash.") from None
        return
    parts = stored.split("$")
    try:
        if parts[0] == "fast" and len(parts) == 3:
            _unb64(*parts[1:])
            return
        if parts[0] == "scrypt" and len(parts) == 6:
            [int(x) for x in parts[1:4]]
            _unb64(*parts[4:])
            return
    except (binascii.Error, ValueError):
        raise ValueError(f"Malformed {parts[0]} password hash.") from None
    raise ValueError("Unknown password hash format.")


def verify_password(password: str, stored: str) -> bool:
    """True when `password` is the one `stored` was made from, compared in constant time."""
    candidate = password.encode("utf-8", errors="surrogatepass")
    if stored.startswith("$argon2id$"):
        from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

        try:
            return argon2id_hasher().verify(stored, candidate)
        except VerifyMismatchError:  # the wrong password
            return False
        except (VerificationError, InvalidHashError):  # a hash libargon2 cannot read
            raise ValueError("Malformed Argon2id password hash.") from None
    parts = stored.split("$")
    if parts[0] == "fast" and len(parts) == 3:
        try:
            salt, expected = _unb64(*parts[1:])
        except binascii.Error:
            raise ValueError("Malformed fast password hash.") from None
        return hmac.compare_digest(hashlib.sha256(salt + candidate).digest(), expected)
    raise ValueError("Unknown password hash format.")


async def check_off_the_loop(
    scheme: HashScheme, check: Callable[[str, str], bool], username: str, password: str
) -> bool:
    """`check(username, password)` in a worker thread, so that a slow hash does not stop
    the event loop. Under `fast` (load tests only) it runs in place: one SHA-256 costs
    less than the trip to the thread and back, which a load test would measure instead.
    """
    if scheme == "fast":
        return check(username, password)
    return await run_in_threadpool(check, username, password)
