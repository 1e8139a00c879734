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
from .cors import Cors
from .dashboard import DashboardEndpoint
from .errors import ServerError
from .forwarded_prefix import ForwardedPrefix
from .hsts import StrictTransportSecurity
from .httpio import json_error
from .id_tokens import IdTokens
from .introspection import IntrospectionEndpoint
from .jwt_access_tokens import JWKS_PATH
from .metadata import (
    OPENID_WELL_KNOWN,
    PATHS,
    WELL_KNOWN,
    MetadataEndpoint,
    publishes_keys,
    server_metadata,
)
from .pages import render
from .par import PushedAuthorizationEndpoint
from .registration import RegistrationEndpoint
from .resource import CalendarEndpoint, PhotosEndpoint
from .resource_indicators import PROTECTED_RESOURCES, ProtectedResourceMetadataEndpoint
from .resource_indicators import WELL_KNOWN as RESOURCE_WELL_KNOWN
from .revocation import RevocationEndpoint
from .signing_keys import SigningKeys
from .spa import PATH as SPA_PATH
from .spa import TYPES as SPA_FILES
from .spa import SpaEndpoint
from .store import Store
from .subjects import Subjects
from .switches import SWITCHES
from .token_endpoint import TokenEndpoint
from .userinfo import UserinfoEndpoint

log = logging.getLogger("codegrant_kit.server")
ANY = ["GET", "POST", "PUT", "PATCH", "DELETE"]
WITH_CORS = [*ANY, "OPTIONS"]  # a CORS preflight is an OPTIONS request


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

    # one key ring signs ID tokens and JWT access tokens; made when first needed, and
    # with a database it survives a restart, so issued tokens still verify
    keys = SigningKeys(store)
    subjects = Subjects(store)
    signer = keys if config.access_token_format == "jwt" else None
    services = store.services
    id_tokens = IdTokens(config, keys, subjects)
    token_endpoint = TokenEndpoint(config, store, signer, services, id_tokens)
    metadata = MetadataEndpoint(config, store, services).handle

    async def jwks_endpoint(request: Request) -> Response:
        # read at every request: a rotation shows at once
        return JSONResponse(keys.jwks())

    routes = [
        Route("/", home, methods=["GET"]),
        Route(WELL_KNOWN, metadata, methods=["GET"]),
        # OIDC Discovery 4: the same document, where a relying party looks for it
        Route(OPENID_WELL_KNOWN, metadata, methods=["GET"]),
        Route(
            PATHS["authorization_endpoint"],
            AuthorizationEndpoint(config, store, services).handle,
            methods=ANY,
        ),
        # CORS for browser apps, from the origins each client registered (`cors`)
        Route(
            PATHS["token_endpoint"], Cors(store, token_endpoint.handle).handle, methods=WITH_CORS
        ),
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
            Cors(store, RevocationEndpoint(config, store, services).handle).handle,
            methods=WITH_CORS,
        ),
        Route(
            PATHS["userinfo_endpoint"],
            UserinfoEndpoint(config, store, services, subjects=subjects).handle,
            methods=ANY,
        ),
        Route(
            PATHS["pushed_authorization_request_endpoint"],
            PushedAuthorizationEndpoint(config, store, services).handle,
            methods=ANY,
        ),
        Route("/api/photos", PhotosEndpoint(config, store, services).handle, methods=["GET"]),
        Route("/api/calendar", CalendarEndpoint(config, store, services).handle, methods=["GET"]),
        Route("/dashboard", DashboardEndpoint(config, store, services).handle, methods=["GET"]),
    ]
    # RFC 9728 3.1: each API's metadata, the well-known path inserted before the API's
    resource_metadata = ProtectedResourceMetadataEndpoint(config, store, services).handle
    routes += [
        Route(RESOURCE_WELL_KNOWN + path, resource_metadata, methods=["GET"])
        for path in PROTECTED_RESOURCES
    ]
    # a browser app, served by the kit (`spa`): a public client with PKCE and CORS
    spa = SpaEndpoint(config, store, services).handle
    routes += [
        Route(SPA_PATH + ("" if name == "index.html" else name), spa, methods=["GET"])
        for name in SPA_FILES
    ]
    if publishes_keys(config):
        # OIDC Discovery 3 jwks_uri: the keys of ID tokens and JWT access tokens
        routes.append(Route(JWKS_PATH, jwks_endpoint, methods=["GET"]))
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
    # behind jupyter-server-proxy: the path prefix it strips, from a header it sends
    middleware = [Middleware(ForwardedPrefix)] if config.trust_forwarded_prefix else []
    # RFC 6797: on https, tell the browser to stay on https
    middleware.append(Middleware(StrictTransportSecurity))
    app = Starlette(
        routes=routes, middleware=middleware, exception_handlers={Exception: server_error}
    )
    app.state.config = config
    app.state.store = store
    app.state.signing_keys = keys  # BackgroundServer.rotate_signing_key()
    app.state.received_redirects = received
    return app
