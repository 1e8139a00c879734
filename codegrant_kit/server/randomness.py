"""Where the server's secrets come from.

Every code, token, consumer key and secret is drawn from `secrets` (RFC 6749
10.10: the probability of guessing one must be negligible). Tutorials may swap in
`SeededRandomness` so that their committed outputs do not change between runs:
that makes every value predictable, so the server warns loudly when it is used.
"""

from __future__ import annotations

import base64
import random
import secrets
from typing import Protocol


class Randomness(Protocol):
    def token(self, nbytes: int) -> str:
        """nbytes of randomness as URL-safe base64 without padding."""
        ...


class SystemRandomness:
    """The default: the operating system's CSPRNG through `secrets`."""

    predictable = False

    def token(self, nbytes: int) -> str:
        return secrets.token_urlsafe(nbytes)


class SeededRandomness:
    """Repeatable values for tutorials and tests. Never for a real server."""

    predictable = True

    def __init__(self, seed: int | str = 0) -> None:
        self._random = random.Random(seed)  # noqa: S311 - predictable on purpose

    def token(self, nbytes: int) -> str:
        raw = self._random.getrandbits(8 * nbytes).to_bytes(nbytes, "big")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
