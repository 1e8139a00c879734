"""Settings of one authorization server."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from .lab import check_switches
from .passwords import HashScheme
from .randomness import Randomness, SystemRandomness

# Scopes a learner meets in WSO2 API Manager (PRODUCTION and SANDBOX keys) and
# in the sample "Import Photos" app.
DEFAULT_SCOPES = ("PRODUCTION", "SANDBOX", "photos:read", "profile")


@dataclass
class ServerConfig:
    issuer: str = "http://127.0.0.1:8000"
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    code_lifetime: int = 300  # seconds: WSO2's default authorization code validity
    access_token_lifetime: int = 3600  # seconds: WSO2's default
    refresh_token_lifetime: int = 86400  # seconds: WSO2's default
    login_lifetime: int = 600  # seconds a login page stays usable
    max_login_attempts: int = 5  # wrong passwords on one login page before it is closed
    password_hash: HashScheme = "scrypt"
    # "jwt": RS256-signed access tokens (RFC 9068) with a JWKS, as WSO2 API Manager issues
    access_token_format: Literal["opaque", "jwt"] = "opaque"
    # Origins allowed to frame the login and consent pages (CSP frame-ancestors),
    # e.g. the learner's own JupyterLab; none by default (clickjacking, RFC 9700 4.16).
    frame_ancestors: tuple[str, ...] = ()
    max_clients: int = 10_000
    # Lab switches (see `lab.SWITCHES`): each turns one defence off. None by default.
    lab_switches: frozenset[str] = frozenset()
    randomness: Randomness = field(default_factory=SystemRandomness)
    clock: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        self.issuer = self.issuer.rstrip("/")
        self.lab_switches = check_switches(frozenset(self.lab_switches))

    def lab(self, name: str) -> bool:
        """Is the lab switch `name` on, that is, is its defence off?"""
        return name in self.lab_switches
