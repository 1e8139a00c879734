"""Settings of one authorization server."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from .passwords import SCHEMES, HashScheme
from .profiles import Profile, check_profile
from .randomness import Randomness, SystemRandomness
from .rate_limit import DEFAULT_RATE_LIMITS, RateLimit
from .switches import check_switches

# Scopes a learner meets in WSO2 API Manager (PRODUCTION and SANDBOX keys) and
# in the sample "Import Photos" app; and OpenID Connect's (OIDC Core 5.4).
DEFAULT_SCOPES = ("PRODUCTION", "SANDBOX", "photos:read", "profile", "openid", "email")


@dataclass
class ServerConfig:
    issuer: str = "http://127.0.0.1:8000"
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    code_lifetime: int = 300  # seconds: WSO2's default authorization code validity
    access_token_lifetime: int = 3600  # seconds: WSO2's default
    refresh_token_lifetime: int = 86400  # seconds: WSO2's default
    login_lifetime: int = 600  # seconds a login page stays usable
    # Login pages open at once (each kept login_lifetime unless finished): from one
    # address, and in all. A class of 30 behind one NAT with a few tabs each needs
    # about 150; past a cap /authorize answers 429 with Retry-After.
    max_pending_per_address: int = 300
    max_pending: int = 5_000
    max_login_attempts: int = 5  # wrong passwords on one login page before it is closed
    password_hash: HashScheme = "argon2id"
    # "jwt": RS256-signed access tokens (RFC 9068) with a JWKS, as WSO2 API Manager issues
    access_token_format: Literal["opaque", "jwt"] = "opaque"
    # Origins allowed to frame the login and consent pages (CSP frame-ancestors),
    # e.g. the learner's own JupyterLab; none by default (clickjacking, RFC 9700 4.16).
    frame_ancestors: tuple[str, ...] = ()
    max_clients: int = 10_000
    # A classroom: applications one address may register, and requests per address
    # (token buckets on "authorize", "token" and "register"; None turns one off).
    # 100 covers one learner running every tutorial and attack several times (about 20
    # applications a run); filling max_clients takes 100 addresses, more than a class.
    max_clients_per_address: int = 100
    # seconds a registered application that never redeemed a code is kept: one that
    # completed a flow stays; a --client given at start never expires
    unused_client_lifetime: int = 3600
    rate_limits: Mapping[str, RateLimit | None] = field(
        default_factory=lambda: dict(DEFAULT_RATE_LIMITS)
    )
    # An SQLite file that keeps everything across restarts (`persistence`); memory only if None.
    db: str | os.PathLike[str] | None = None
    # Behind jupyter-server-proxy or another reverse proxy that strips a path prefix:
    # take the prefix from X-Forwarded-Prefix. Never by default: anyone can send the header.
    trust_forwarded_prefix: bool = False
    # Behind a reverse proxy: take the client's address (and scheme) from X-Forwarded-For
    # (and -Proto), sent by the proxy (127.0.0.1, or FORWARDED_ALLOW_IPS). Never by default:
    # any local process could pick its own address and so escape the per-address limits.
    trust_forwarded_for: bool = False
    # Each connection (`connection_limits`): the bytes of a request line and headers (a
    # browser sends 1-8 KiB with its cookies; nginx allows 4 x 8 KiB); seconds from a
    # request's first byte to its last (a few KiB take milliseconds, even on a crowded
    # classroom Wi-Fi); and open connections per address (a browser opens 6 per server,
    # so 30 learners behind one NAT need 180; the rest of 1024 descriptors stays free).
    max_header_bytes: int = 32 * 1024
    request_read_timeout: float = 10.0
    max_connections_per_address: int = 256
    # RFC 9449 8, 9: DPoP proofs must carry a nonce the server sent (`dpop`); off as in
    # Keycloak: a client then needs no extra round trip, and iat bounds a proof's life
    dpop_nonce: bool = False
    # RFC 9126 5: accept authorization requests only when pushed first (PAR); a profile
    # (OAuth 2.1, FAPI 2.0) turns it on. Off by default, as in Keycloak and WSO2.
    require_pushed_authorization_requests: bool = False
    # PKCE (S256) for every client, confidential ones too (OAuth 2.1 4.1.1, RFC 9700 2.1.1
    # RECOMMENDS it); public clients always need it. A profile switch may turn it on.
    require_pkce: bool = False
    # Lab switches (see `switches.SWITCHES`): each turns one defence off. None by default.
    lab_switches: frozenset[str] = frozenset()
    # A profile (`profiles.PROFILES`: "oauth2.1", "fapi2") turns optional defences into
    # requirements: it sets require_pkce, require_pushed_authorization_requests and a
    # shorter code_lifetime here, and never turns a setting off. None by default.
    profile: str | None = None
    randomness: Randomness = field(default_factory=SystemRandomness)
    clock: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        self.issuer = self.issuer.rstrip("/")
        self.lab_switches = check_switches(frozenset(self.lab_switches))
        rules = check_profile(self.profile, self.lab_switches)
        if rules is not None:
            self.require_pkce = self.require_pkce or rules.pkce
            self.require_pushed_authorization_requests = (
                self.require_pushed_authorization_requests or rules.par
            )
            if rules.code_lifetime is not None:
                self.code_lifetime = min(self.code_lifetime, rules.code_lifetime)
        if self.password_hash not in SCHEMES:
            raise ValueError(
                f"No password hash is named {self.password_hash!r}; use one of "
                f"{', '.join(SCHEMES)}."
            )
        for name in ("max_header_bytes", "request_read_timeout", "max_connections_per_address"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, not {getattr(self, name)!r}.")
        self.rate_limits = {**DEFAULT_RATE_LIMITS, **self.rate_limits}
        unknown = sorted(set(self.rate_limits) - set(DEFAULT_RATE_LIMITS))
        if unknown:
            raise ValueError(
                f"No rate limit is named {unknown[0]!r}; the limits are: "
                f"{', '.join(DEFAULT_RATE_LIMITS)}."
            )

    def profile_rules(self) -> Profile | None:
        """The profile this server runs, with its rules; None without one."""
        return check_profile(self.profile, self.lab_switches)

    def lab(self, name: str) -> bool:
        """Is the lab switch `name` on, that is, is its defence off?"""
        return name in self.lab_switches
