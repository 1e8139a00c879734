"""The authorization server of codegrant-kit (RFC 6749 4.1 and friends).

Module map (each names the RFC sections it implements):
    authorize          RFC 6749 4.1.1, 4.1.2: request, login, consent, redirect
    token_endpoint     RFC 6749 4.1.3, 5, 6; RFC 7636 4.5, 4.6
    client_auth        RFC 6749 2.3.1: client_secret_basic and client_secret_post
    registration       RFC 7591: dynamic client registration
    introspection      RFC 7662
    revocation         RFC 7009
    metadata           RFC 8414
    resource           RFC 6750: the photos API
    pkce               RFC 7636
    scopes, params     RFC 6749 3.3, 3.1
    store              what the server remembers, behind one lock
    persistence        the store written through to SQLite (--db)
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
