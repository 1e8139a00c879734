"""Authorization server metadata (RFC 8414 2, 3)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .client_auth import CLIENT_AUTH_METHODS
from .config import ServerConfig
from .endpoint import Endpoint
from .grants import GRANTS
from .jwt_access_tokens import JWKS_PATH

WELL_KNOWN = "/.well-known/oauth-authorization-server"
PATHS = {
    "authorization_endpoint": "/authorize",
    "token_endpoint": "/token",
    "registration_endpoint": "/register",
    "revocation_endpoint": "/revoke",
    "introspection_endpoint": "/introspect",
}


def server_metadata(config: ServerConfig) -> dict[str, Any]:
    """The metadata document; every URL is built on the issuer."""
    issuer = config.issuer
    auth_methods = list(CLIENT_AUTH_METHODS)  # one registry for the three endpoints
    metadata: dict[str, Any] = {
        "issuer": issuer,
        **{name: issuer + path for name, path in PATHS.items()},
        "scopes_supported": list(config.scopes),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": list(GRANTS),
        "token_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "introspection_endpoint_auth_methods_supported": auth_methods,
        "code_challenge_methods_supported": ["S256"],
        # RFC 9207 3: the server sends iss in every authorization response
        "authorization_response_iss_parameter_supported": not config.lab("no_iss"),
    }
    if config.lab_switches:
        metadata["codegrant_kit_lab_switches"] = sorted(config.lab_switches)
    if config.access_token_format == "jwt":
        metadata["jwks_uri"] = issuer + JWKS_PATH
    return metadata


class MetadataEndpoint(Endpoint):
    methods = ("GET",)

    async def get(self, request: Request) -> Response:
        return JSONResponse(server_metadata(self.config))
