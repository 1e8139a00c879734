"""The jti values of recent DPoP proofs, so that none is accepted twice (RFC 9449 11.1).

A proof is refused once it is older than the proof window (`dpop.MAX_PROOF_AGE`),
so a jti needs keeping only that long. The memory is bounded all the same: one
client sending proofs as fast as it can must not take the server from the others.
When `MAX_JTIS` are kept, the one with the oldest iat is forgotten and `floor`
rises to that iat: a proof no newer than the floor is refused as stale, so a
forgotten jti can never come back. The flood only narrows the window, for a while.

    seen(key, iat)  False the first time, True for a replay (or a proof below the floor)
"""

from __future__ import annotations

import hashlib
import heapq
import threading
from collections.abc import Callable

MAX_JTIS = 100_000  # about 15 MB at most


class JtiCache:
    def __init__(self, clock: Callable[[], float], max_age: float, size: int = MAX_JTIS) -> None:
        self.clock = clock
        self.max_age = max_age
        self.size = size
        self.floor = float("-inf")  # proofs whose iat is not above this are refused
        self._heap: list[tuple[float, bytes]] = []  # (iat, key), oldest iat first
        self._keys: set[bytes] = set()
        self._lock = threading.Lock()

    def seen(self, key: str, iat: float) -> bool:
        """Remember `key` (the proof's key thumbprint and jti); True if it was seen already."""
        # a hash of fixed size: a long jti costs no more memory than a short one
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()[:16]
        with self._lock:
            self._forget_before(self.clock() - self.max_age)
            if digest in self._keys or iat <= self.floor:
                return True
            while len(self._keys) >= self.size:
                oldest, dropped = heapq.heappop(self._heap)
                self._keys.discard(dropped)
                self.floor = max(self.floor, oldest)
            if iat <= self.floor:
                return True
            heapq.heappush(self._heap, (iat, digest))
            self._keys.add(digest)
            return False

    def _forget_before(self, cutoff: float) -> None:
        while self._heap and self._heap[0][0] < cutoff:
            _, dropped = heapq.heappop(self._heap)
            self._keys.discard(dropped)

    def __len__(self) -> int:
        return len(self._keys)
