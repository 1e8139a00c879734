"""Rate limits per client address: one token bucket per endpoint and address.

A classroom shares one server. A learner's loop that requests codes or tokens as
fast as it can must not starve the others, so each address may send `burst`
requests at once and then `per_second` on average; past that the server answers
429 Too Many Requests with Retry-After (RFC 6585 4, RFC 9110 10.2.3). The
defaults are far above what a class or the test suites send.

    >>> limiter = RateLimiter({"token": RateLimit(per_second=1, burst=2)}, clock=lambda: 0.0)
    >>> [limiter.retry_after("token", "10.0.0.7") for _ in range(3)]
    [None, None, 1]
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

MAX_KEYS = 100_000  # beyond this the oldest addresses are forgotten, so memory stays bounded


@dataclass(frozen=True)
class RateLimit:
    per_second: float  # refill rate: requests per second on average
    burst: int  # bucket size: requests at once

    def __post_init__(self) -> None:
        if self.per_second <= 0 or self.burst < 1:
            raise ValueError("A rate limit needs per_second > 0 and burst >= 1.")

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """`PER_SECOND/BURST`, as on the command line.

        >>> RateLimit.parse("20/200")
        RateLimit(per_second=20.0, burst=200)
        """
        rate, slash, burst = text.partition("/")
        if not slash:
            raise ValueError(f"expected PER_SECOND/BURST, got {text!r}")
        return cls(float(rate), int(burst))


# Generous: a class doing flows by hand sends a few requests a second in all, and the
# test suites at most about 450 in a burst; a loop that runs flows as fast as it can
# sends some 400 a second from one address, and is held to a quarter of that.
DEFAULT_RATE_LIMITS: Mapping[str, RateLimit] = {
    "authorize": RateLimit(per_second=100, burst=2000),  # login page, sign-in, consent
    "token": RateLimit(per_second=100, burst=2000),
    "register": RateLimit(per_second=20, burst=1000),
}


class RateLimiter:
    """Token buckets keyed by (endpoint, address). Thread-safe."""

    def __init__(
        self,
        limits: Mapping[str, RateLimit | None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # real time, not the server's clock: a tutorial may stop or move that one
        self._limits = dict(limits)
        self._clock = clock
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}  # tokens, last refill
        self._lock = threading.Lock()

    def retry_after(self, endpoint: str, address: str) -> int | None:
        """Take one token; None if there was one, else seconds until there is."""
        limit = self._limits.get(endpoint)
        if limit is None:
            return None
        now = self._clock()
        key = (endpoint, address)
        with self._lock:
            tokens, last = self._buckets.pop(key, (float(limit.burst), now))
            tokens = min(float(limit.burst), tokens + (now - last) * limit.per_second)
            if len(self._buckets) >= MAX_KEYS:
                del self._buckets[next(iter(self._buckets))]
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return None
            self._buckets[key] = (tokens, now)
        return max(1, math.ceil((1.0 - tokens) / limit.per_second))
