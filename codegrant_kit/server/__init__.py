"""The authorization server of codegrant-kit (RFC 6749 4.1 and friends).

Module map (each names the RFC sections it implements):
    authorize          RFC 6749 4.1.1, 4.1.2: the authorization request, checked
    authorize_forms    RFC 6749 4.1.2, 10.12: login, consent, redirect
    token_endpoint     RFC 6749 3.2, 5: dispatch to the registered grant type
    grants             RFC 6749 4.1.3, 6; RFC 7636 4.5, 4.6; RFC 9700 4.14.2 (GRANTS)
    client_auth        RFC 6749 2.3.1: client_secret_basic and client_secret_post
                       (CLIENT_AUTH_METHODS)
    endpoint           the one base class of the endpoints (405 with Allow)
    registration       RFC 7591: dynamic client registration
    introspection      RFC 7662
    revocation         RFC 7009
    metadata           RFC 8414
    resource           RFC 6750: the photos API
    pkce               RFC 7636
    scopes, params     RFC 6749 3.3, 3.1
    records            what the server remembers, as dataclasses
    store              the records behind one lock: the only place that touches storage
    expiry, pending    the Store's codes, tokens, grants and login pages, and their purge
    backend            where the Store writes through: MemoryOnly or persistence
    persistence        the store written through to SQLite (--db); sqlite_schema its tables
    services           throttle, rate limits, progress, instructor: handed to the endpoints
    credentials        password checks (the dummy hash for unknown users)
    progress           which learner reached which step (the dashboard)
    dashboard          the instructor's page (HTTP Basic, RFC 7617)
    rate_limit         token buckets per address: 429 and Retry-After (RFC 6585 4)
    throttle           lockout after repeated failures (RFC 6749 10.10)
    forwarded_prefix   root_path from X-Forwarded-Prefix, behind jupyter-server-proxy
    hsts               Strict-Transport-Security on https (RFC 6797)
"""

from __future__ import annotations

from .app import create_app
from .config import ServerConfig
from .randomness import SeededRandomness, SystemRandomness
from .store import Store

__all__ = ["SeededRandomness", "ServerConfig", "Store", "SystemRandomness", "create_app"]
