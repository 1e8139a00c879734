"""Two real authorization servers the project did not write, started for the tests.

- ``dot_server``: django-oauth-toolkit (PyPI, oauthlib underneath) in a minimal
  Django site (``dot_site/``): Django's own login view drawn with the admin's login
  template, DOT's own consent template, sqlite in the session's tmp dir, served by
  uvicorn in a subprocess. Username alice, a real password check.
- ``node_oidc_server``: node-oidc-provider (npm ``oidc-provider``, a certified
  OpenID provider) in ``node_oidc/provider.mjs``: its built-in devInteractions
  login and consent pages, in-memory storage, run by ``node`` in a subprocess.
  devInteractions signs in ANY login with ANY password (``accepts_any_password``).
- ``thirdparty_server``: the same two, as a parametrised fixture (ids ``dot`` and
  ``node-oidc-provider``), for a test that must hold on both.

Each is session-scoped, listens on a free port of 127.0.0.1, needs no network and
yields a :class:`ThirdPartyServer`:

=====================  ======================================================
``name``, ``version``  ``"django-oauth-toolkit"`` / ``"node-oidc-provider"``
``issuer``             what ``codegrant_kit.client.discover`` takes
``origin``             scheme, host and port
``client_id``,         a confidential client, client_secret_basic, code and
``client_secret``      refresh_token grants, registered by the fixture
``redirect_uri``       ``https://client.example.com/cb``, never fetched: the
                       kit's Browser stops at it
``username``,          a user who can sign in (alice)
``password``
``scopes``             the scopes the server supports (its metadata's)
``scope``              the scope a flow asks for (DOT: ``read``, which gets a
                       refresh token too; node: ``openid offline_access``,
                       which gets one only if the request also carries
                       ``prompt=consent``, OpenID Connect Core 11)
``api_url``            a protected resource that takes the access token
                       (DOT: the site's ``/api/hello``; node: userinfo)
``accepts_any_password``  True where the login page checks no password
``private_key_jwt``    node only: a second client, ``private_key_jwt`` auth,
                       with its private JWK (:class:`PrivateKeyJwtClient`)
``log``                the server's stderr, for a failing test to show
``subject``            the ``sub`` of the user's ID tokens (DOT: the user's
                       primary key, ``"1"``; node: the login, ``"alice"``)
=====================  ======================================================

OpenID Connect: with ``openid`` in the scope both answer an RS256 ``id_token``
whose ``iss`` is ``issuer`` and ``aud`` the client_id; DOT's carries ``at_hash``
and ``auth_time``, node's neither (and its development key's kid is
``keystore-CHANGE-ME``). Keys at the metadata's ``jwks_uri``.

``server.application()`` is the client as a ``codegrant_kit.client.Application``.

Both require PKCE (S256) of every client. Consent answers: DOT's page has
``Authorize`` and ``Cancel`` and asks every time; node's has ``Continue`` and a
``[ Cancel ]`` link, and remembers sign-in and consent for its browser session (a
new kit ``Browser`` has none).

Where django-oauth-toolkit is not installed, or node or the npm packages are not
there (``npm ci`` in ``tests/thirdparty/node_oidc``; ``make test`` does both), the
tests that use a fixture are skipped with the reason; when the environment
variable CI is set they FAIL instead, so that CI can never pass by skipping them.

Other test packages get the fixtures from ``tests/conftest.py``, which imports
them from here. Outside pytest (record.py), ``running_dot(directory)`` and
``running_node_oidc(directory)`` start the same servers as context managers;
``dot_missing()`` and ``node_oidc_missing()`` say why one cannot start, or None.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from codegrant_kit.client import Application

HERE = Path(__file__).resolve().parent
NODE_DIR = HERE / "node_oidc"
REDIRECT_URI = "https://client.example.com/cb"
USERNAME = "alice"
PASSWORD = "wonderland-7"  # DOT checks it; devInteractions takes any
START_TIMEOUT = 30.0  # seconds; DOT migrates a new sqlite database first


@dataclass(frozen=True)
class PrivateKeyJwtClient:
    """A client that authenticates with a JWT signed by its own key (RFC 7523)."""

    client_id: str
    private_jwk: dict[str, Any]  # RSA, with "kid" and "alg": RS256
    redirect_uri: str


@dataclass(frozen=True)
class ThirdPartyServer:
    """One running third-party authorization server and what a test needs to use it."""

    name: str
    version: str
    issuer: str
    origin: str
    client_id: str
    client_secret: str
    redirect_uri: str
    username: str
    password: str
    scopes: tuple[str, ...]
    scope: str
    api_url: str
    accepts_any_password: bool
    log: Path
    private_key_jwt: PrivateKeyJwtClient | None = None
    subject: str = ""  # the sub of the user's ID tokens (scope openid)

    def application(self) -> Application:
        return Application(
            client_id=self.client_id,
            client_secret=self.client_secret,
            redirect_uris=(self.redirect_uri,),
            grant_types=("authorization_code", "refresh_token"),
            scope=self.scope,
            client_name=f"codegrant-kit tests on {self.name}",
        )

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


def missing(reason: str) -> None:
    """Skip, or fail when CI is set: a missing install step must not hide in CI."""
    if "CI" in os.environ:
        pytest.fail(f"{reason}; CI is set, so these tests may not be skipped", pytrace=False)
    pytest.skip(reason)


class ServerProcess:
    """A server in a subprocess that prints one JSON line once it listens."""

    def __init__(self, command: list[str], log: Path, cwd: Path) -> None:
        self.log = log
        self._log_file = log.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._log_file,
            text=True,
        )

    def ready_line(self, timeout: float = START_TIMEOUT) -> dict[str, Any]:
        """The JSON line the server prints when it listens."""
        assert self.process.stdout is not None
        lines: list[str] = []
        reader = threading.Thread(
            target=lambda: lines.append(self.process.stdout.readline()),  # type: ignore[union-attr]
            daemon=True,
        )
        reader.start()
        reader.join(timeout)
        if not lines or not lines[0].strip():
            self.stop()
            raise RuntimeError(
                f"{self.process.args[:2]} did not start within {timeout:.0f} s; its log:\n"
                + self.log.read_text(encoding="utf-8", errors="replace")[-3000:]
            )
        line: dict[str, Any] = json.loads(lines[0])
        # keep reading: a server that writes to a full pipe would stop answering
        threading.Thread(target=self._drain, daemon=True).start()
        return line

    def _drain(self) -> None:
        stdout = self.process.stdout
        try:
            while stdout is not None and stdout.readline():
                pass
        except (OSError, ValueError):  # closed by stop()
            pass

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._log_file.close()


def wait_for(url: str, timeout: float = START_TIMEOUT) -> None:
    """Until the URL answers 200: the server has finished starting."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer 200 within {timeout:.0f} s")
        time.sleep(0.1)


# ---------------------------------------------------------------- django-oauth-toolkit


def _rsa_private_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def dot_missing() -> str | None:
    """Why django-oauth-toolkit cannot start here, or None."""
    if importlib.util.find_spec("oauth2_provider") is None:
        return "django-oauth-toolkit is not installed: pip install -e '.[test]' (make test does it)"
    return None


@contextmanager
def running_dot(directory: Path) -> Iterator[ThirdPartyServer]:
    """django-oauth-toolkit in a minimal Django site, on a free port, until the block ends."""
    client_id = "codegrant-kit-" + secrets.token_hex(4)
    client_secret = secrets.token_urlsafe(32)
    config = {
        "secret_key": secrets.token_urlsafe(50),
        "database": str(directory / "db.sqlite3"),
        "oidc_rsa_private_key": _rsa_private_pem(),
        "username": USERNAME,
        "password": PASSWORD,
        "clients": [
            {
                "name": "Photo Printing",
                "client_id": client_id,
                "client_secret": client_secret,
                "client_type": "confidential",
                "redirect_uris": [REDIRECT_URI],
            }
        ],
    }
    config_path = directory / "config.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    server = ServerProcess(
        [sys.executable, str(HERE / "dot_site" / "serve.py"), str(config_path)],
        directory / "server.log",
        cwd=directory,
    )
    try:
        ready = server.ready_line()
        origin = str(ready["origin"])
        issuer = origin + "/o"
        wait_for(issuer + "/.well-known/openid-configuration")
        yield ThirdPartyServer(
            name="django-oauth-toolkit",
            version=importlib.metadata.version("django-oauth-toolkit"),
            issuer=issuer,
            origin=origin,
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=REDIRECT_URI,
            username=USERNAME,
            password=PASSWORD,
            scopes=("openid", "read", "write"),
            scope="read",
            api_url=origin + "/api/hello",
            accepts_any_password=False,
            log=server.log,
            subject=str(ready["subject"]),
        )
    finally:
        server.stop()


@pytest.fixture(scope="session")
def dot_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThirdPartyServer]:
    """django-oauth-toolkit in a minimal Django site, on a free port."""
    reason = dot_missing()
    if reason is not None:
        missing(reason)
    with running_dot(tmp_path_factory.mktemp("dot")) as server:
        yield server


# ---------------------------------------------------------------- node-oidc-provider


def _node_version() -> str | None:
    package = NODE_DIR / "node_modules" / "oidc-provider" / "package.json"
    if not package.is_file():
        return None
    return str(json.loads(package.read_text(encoding="utf-8"))["version"])


def _private_jwk(kid: str) -> dict[str, Any]:
    from joserfc.jwk import RSAKey

    key = RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"})
    return dict(key.as_dict(private=True))


def node_oidc_missing() -> str | None:
    """Why node-oidc-provider cannot start here, or None."""
    if shutil.which("node") is None:
        return "node is not installed: apt-get install nodejs (Node 20.19 or later)"
    if _node_version() is None:
        return f"oidc-provider is not installed: run `npm ci` in {NODE_DIR} (make test does it)"
    return None


@contextmanager
def running_node_oidc(directory: Path) -> Iterator[ThirdPartyServer]:
    """node-oidc-provider with its devInteractions pages, on a free port, until the block ends."""
    node = shutil.which("node")
    version = _node_version()
    if node is None or version is None:
        raise RuntimeError(node_oidc_missing())
    client_id = "codegrant-kit-" + secrets.token_hex(4)
    client_secret = secrets.token_urlsafe(32)
    jwt_client = PrivateKeyJwtClient(
        client_id=client_id + "-jwt",
        private_jwk=_private_jwk(client_id + "-key"),
        redirect_uri=REDIRECT_URI,
    )
    public_jwk = {
        name: jwt_client.private_jwk[name] for name in ("kty", "n", "e", "kid", "alg", "use")
    }
    grants = {
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "redirect_uris": [REDIRECT_URI],
    }
    config = {
        "cookie_keys": [secrets.token_urlsafe(32)],
        # DPoP proofs (RFC 9449 8) must carry node's nonce: the kit's client meets the
        # use_dpop_nonce challenge there too; clients without DPoP see no difference
        "dpop_nonce_secret": secrets.token_urlsafe(32),
        "clients": [
            {
                "client_id": client_id,
                "client_secret": client_secret,
                "token_endpoint_auth_method": "client_secret_basic",
                **grants,
            },
            {
                "client_id": jwt_client.client_id,
                "token_endpoint_auth_method": "private_key_jwt",
                "token_endpoint_auth_signing_alg": "RS256",
                "jwks": {"keys": [public_jwk]},
                **grants,
            },
        ],
    }
    config_path = directory / "config.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    server = ServerProcess(
        [node, str(NODE_DIR / "provider.mjs"), str(config_path)],
        directory / "server.log",
        cwd=NODE_DIR,
    )
    try:
        issuer = str(server.ready_line()["issuer"])
        wait_for(issuer + "/.well-known/openid-configuration")
        yield ThirdPartyServer(
            name="node-oidc-provider",
            version=version,
            issuer=issuer,
            origin=issuer,
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=REDIRECT_URI,
            username=USERNAME,
            password=PASSWORD,
            scopes=("openid", "offline_access", "profile", "email"),
            scope="openid offline_access",
            api_url=issuer + "/me",
            accepts_any_password=True,
            log=server.log,
            private_key_jwt=jwt_client,
            subject=USERNAME,  # devInteractions: the login typed is the account id
        )
    finally:
        server.stop()


@pytest.fixture(scope="session")
def node_oidc_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThirdPartyServer]:
    """node-oidc-provider with its devInteractions pages, on a free port."""
    reason = node_oidc_missing()
    if reason is not None:
        missing(reason)
    with running_node_oidc(tmp_path_factory.mktemp("node-oidc")) as server:
        yield server


@pytest.fixture(scope="session", params=["dot", "node-oidc-provider"])
def thirdparty_server(request: pytest.FixtureRequest) -> ThirdPartyServer:
    """Each third-party server in turn."""
    name = "dot_server" if request.param == "dot" else "node_oidc_server"
    server: ThirdPartyServer = request.getfixturevalue(name)
    return server
