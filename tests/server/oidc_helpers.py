"""What the OpenID Connect contract tests share: a server on a real socket, a flow, a check.

The ID token is checked with joserfc, not with the kit's own code, against the
JWKS the server publishes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from joserfc import jws, jwt
from joserfc.jwk import KeySet

from codegrant_kit.runner import BackgroundServer, build
from codegrant_kit.server.store import Client

from .helpers import (
    REDIRECT_URI,
    USERS,
    authorize,
    client_of,
    redeem,
    redirect_params,
    sign_in,
    submit,
)

OIDC_SCOPE = "openid profile email photos:read"


@contextmanager
def serving(**options: Any) -> Iterator[BackgroundServer]:
    """A server of its own on a real socket: alice and bob, fast hashing."""
    options = {"users": dict(USERS), "password_hash": "fast", **options}
    sock, app = build(**options)
    server = BackgroundServer(sock, app).start()
    try:
        yield server
    finally:
        server.stop()


def register(http: httpx.Client, scope: str = OIDC_SCOPE, **metadata: Any) -> Client:
    """A new application registered over RFC 7591, as a client in another process knows it."""
    body = {"redirect_uris": [REDIRECT_URI], "client_name": "OIDC app", "scope": scope}
    response = http.post("/register", json={**body, **metadata})
    assert response.status_code == 201, response.text
    registered = response.json()
    return client_of(registered["client_id"], registered["client_secret"])


def code_of(
    browser: httpx.Client,
    client: Client,
    *,
    username: str = "alice",
    consent: str | None = "approve",
    **params: str | None,
) -> str:
    """authorize, sign in, consent: the code. The browser keeps its cookie (its session)."""
    page = sign_in(browser, authorize(browser, client, **params), username)
    if consent is not None and page.status_code == 200:
        page = submit(browser, page, consent=consent)
    return redirect_params(page)["code"]


def token_response(
    browser: httpx.Client, client: Client, code: str, **params: str | None
) -> dict[str, Any]:
    response = redeem(browser, client, code, **params)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return dict(response.json())


def jwks_of(http: httpx.Client) -> KeySet:
    metadata = http.get("/.well-known/openid-configuration").json()
    return KeySet.import_key_set(httpx.get(metadata["jwks_uri"]).json())


def verified_claims(http: httpx.Client, id_token: str) -> dict[str, Any]:
    """The ID token's claims once joserfc has checked its RS256 signature with the JWKS."""
    token = jwt.decode(id_token, jwks_of(http), algorithms=["RS256"])
    assert token.header["alg"] == "RS256" and token.header["kid"], token.header
    return dict(token.claims)


def header_of(id_token: str) -> dict[str, Any]:
    return dict(jws.extract_compact(id_token.encode()).headers())
