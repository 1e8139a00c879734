"""What the endpoints share besides the Store: throttles, rate limits, progress, the instructor.

One `Services` is made from the config with each Store and handed to every
endpoint. None of it is storage: the throttle and the rate limits live in
memory only, and the progress counters are written through by the Store's
backend (`on_progress`).
"""

from __future__ import annotations

from .config import ServerConfig
from .credentials import Instructor
from .dpop import DpopVerifier
from .progress import OnChange, Progress
from .rate_limit import RateLimiter
from .throttle import Throttle


class Services:
    def __init__(self, config: ServerConfig, on_progress: OnChange | None = None) -> None:
        self.config = config
        # RFC 6749 10.10: lockout after repeated failures (LAB no_throttle turns it off)
        self.throttle = Throttle(config.clock, enabled=not config.lab("no_throttle"))
        # RFC 6585 4: token buckets per address and endpoint
        self.rate_limiter = RateLimiter(config.rate_limits)
        self.progress = Progress(config.clock, on_progress)
        # RFC 9449 4.3, 11.1: DPoP proofs, the jti values seen, the server's nonces
        self.dpop = DpopVerifier(config)
        self.instructor: Instructor | None = None

    def set_instructor(self, username: str, password: str) -> None:
        self.instructor = Instructor(username, password, self.config.password_hash)

    def check_instructor(self, username: str, password: str) -> bool:
        return self.instructor is not None and self.instructor.check(username, password)
