"""Lockout after repeated failures, per user and address, per address, per client and address.

RFC 6749 10.10 asks that credentials not be guessable; RFC 9700 2.5 (and every
password policy) adds that guessing be slowed down. Failures are counted in a
sliding window; a key with too many is refused until its oldest failure ages out.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable

# ("user", "name ip"), ("address", ip), ("client", "client_id ip"): a user or client is
# counted per address, so that a guesser elsewhere cannot lock its owner out; the
# address alone is counted too, so that one address cannot guess at many accounts
Key = tuple[str, str]

WINDOW = 900.0  # seconds: failures older than 15 minutes are forgotten
LIMITS = {"user": 10, "address": 200, "client": 20}
MAX_KEYS = 100_000  # beyond this the oldest keys are forgotten, so memory stays bounded


class Throttle:
    def __init__(self, clock: Callable[[], float], enabled: bool = True) -> None:
        self._clock = clock
        self.enabled = enabled
        self._failures: dict[Key, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, keys: Iterable[Key]) -> int | None:
        """Seconds until these keys may try again, or None when they may now."""
        if not self.enabled:
            return None
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key in keys:
                times = self._recent(key, now)
                if times is not None and len(times) >= LIMITS[key[0]]:
                    wait = max(wait, times[0] + WINDOW - now)
        return max(1, round(wait)) if wait > 0 else None

    def failed(self, keys: Iterable[Key]) -> None:
        if not self.enabled:
            return
        now = self._clock()
        with self._lock:
            for key in keys:
                times = self._recent(key, now)
                if times is None:
                    if len(self._failures) >= MAX_KEYS:
                        del self._failures[next(iter(self._failures))]
                    times = self._failures[key] = deque()
                times.append(now)

    def succeeded(self, key: Key) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _recent(self, key: Key, now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - WINDOW:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times
