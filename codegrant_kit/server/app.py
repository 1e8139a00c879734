"""The Starlette application: one route per endpoint, nothing else."""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .authorize import AuthorizationEndpoint
from .client_callback import (
    PATH as CLIENT_CALLBACK_PATH,
)
from .client_callback import (
    RECEIVED_PATH,
    ClientCallbackEndpoint,
    ReceivedEndpoint,
    ReceivedRedirects,
)
from .config import ServerConfig
from .dashboard import DashboardEndpoint
from .errors import ServerError
from .forwarded_prefix import ForwardedPrefix
from .hsts import StrictTransportSecurity
from .httpio import json_error
from .introspection import IntrospectionEndpoint
from .jwt_access_tokens import JWKS_PATH, JwtSigner
from .metadata import PATHS, WELL_KNOWN, MetadataEndpoint, server_metadata
from .pages import render
from .registration import RegistrationEndpoint
from .resource import PhotosEndpoint
from .revocation import RevocationEndpoint
from .store import Store
from .switches import SWITCHES
from .token_endpoint import TokenEndpoint

log = logging.getLogger("codegrant_kit.server")
ANY = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def loud_warnings(config: ServerConfig, *, randomness: bool = True) -> list[str]:
    """What this server turns off or weakens, a line each: a lab is never mistaken for a server.

    `randomness=False` leaves out the seeded randomness that the tutorials choose, so
    that their outputs repeat; their servers' repr still names it.
    """
    warnings = []
    if randomness and getattr(config.randomness, "predictable", False):
        warnings.append(
            "PREDICTABLE RANDOMNESS: codes, tokens and secrets of this server can be "
            "guessed. For tutorials and tests only."
        )
    for name in sorted(config.lab_switches):
        switch = SWITCHES[name]
        warnings.append(
            f"LAB SWITCH {name} is ON: it turns off {switch.defence} ({switch.source}). "
            f"This server allows {switch.attack}."
        )
    if config.password_hash == "fast":
        warnings.append(
            "FAST PASSWORD HASHING: passwords are hashed with one SHA-256, for benchmarks "
            "and load tests only."
        )
    return warnings


def create_app(config: ServerConfig | None = None, store: Store | None = None) -> Starlette:
    """An authorization server. `store` is created from `config` when not given."""
    config = config or ServerConfig()
    store = store or Store(config)
    for warning in loud_warnings(config):
        log.warning("%s", warning)

    async def home(request: Request) -> Response:
        endpoints = [
            (name, url)
            for name, url in server_metadata(config).items()
            if name.endswith("endpoint")
        ]
        return render(request, config, "home.html", endpoints=endpoints)

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return json_error(ServerError())

    signer = None
    if config.access_token_format == "jwt":
        # with a database the key survives a restart, so issued tokens still verify
        if store.persistent:
            signer = JwtSigner.from_pem(
                store.keep_secret("jwt_signing_key", lambda: JwtSigner().private_pem())
            )
        else:
            signer = JwtSigner()
    services = store.services
    token_endpoint = TokenEndpoint(config, store, signer, services)

    routes = [
        Route("/", home, methods=["GET"]),
        Route(WELL_KNOWN, MetadataEndpoint(config, store, services).handle, methods=["GET"]),
        Route(
            PATHS["authorization_endpoint"],
            AuthorizationEndpoint(config, store, services).handle,
            methods=ANY,
        ),
        Route(PATHS["token_endpoint"], token_endpoint.handle, methods=ANY),
        Route(
            PATHS["registration_endpoint"],
            RegistrationEndpoint(config, store, services).handle,
            methods=ANY,
        ),
        Route(
            PATHS["introspection_endpoint"],
            IntrospectionEndpoint(config, store, services).handle,
            methods=ANY,
        ),
        Route(
            PATHS["revocation_endpoint"],
            RevocationEndpoint(config, store, services).handle,
            methods=ANY,
        ),
        Route("/api/photos", PhotosEndpoint(config, store, services).handle, methods=["GET"]),
        Route("/dashboard", DashboardEndpoint(config, store, services).handle, methods=["GET"]),
    ]
    # the client's part, for the tutorials: its redirection endpoint (client_callback.py)
    received = ReceivedRedirects()
    routes += [
        Route(
            CLIENT_CALLBACK_PATH,
            ClientCallbackEndpoint(config, store, services, received=received).handle,
            methods=ANY,
        ),
        Route(
            RECEIVED_PATH,
            ReceivedEndpoint(config, store, services, received=received).handle,
            methods=ANY,
        ),
    ]
    if signer is not None:
        jwks = signer.jwks()

        async def jwks_endpoint(request: Request) -> Response:
            return JSONResponse(jwks)

        routes.append(Route(JWKS_PATH, jwks_endpoint, methods=["GET"]))
    # behind jupyter-server-proxy: the path prefix it strips, from a header it sends
    middleware = [Middleware(ForwardedPrefix)] if config.trust_forwarded_prefix else []
    # RFC 6797: on https, tell the browser to stay on https
    middleware.append(Middleware(StrictTransportSecurity))
    app = Starlette(
        routes=routes, middleware=middleware, exception_handlers={Exception: server_error}
    )
    app.state.config = config
    app.state.store = store
    app.state.received_redirects = received
    return app
