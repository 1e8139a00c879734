"""Authorization server metadata (RFC 8414 2, 3), also OpenID Provider metadata (OIDC Discovery 3).

One document, served at both well-known paths, so an OAuth client and an OpenID
Connect relying party read the same endpoints and keys:

    GET /.well-known/oauth-authorization-server   RFC 8414 3
    GET /.well-known/openid-configuration         OIDC Discovery 4
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .authentication_request import PROMPTS
from .claims import CLAIMS_BY_SCOPE
from .client_assertions import SIGNING_ALGS
from .client_auth import CLIENT_AUTH_METHODS
from .config import ServerConfig
from .dpop import ALGORITHMS as DPOP_ALGORITHMS
from .endpoint import Endpoint
from .grants import GRANTS
from .id_tokens import ALGORITHMS, ID_TOKEN_CLAIMS
from .jwt_access_tokens import JWKS_PATH
from .resource_indicators import PROTECTED_RESOURCES, resource_uri
from .subjects import SUBJECT_TYPES

WELL_KNOWN = "/.well-known/oauth-authorization-server"
PUBLIC = {"Access-Control-Allow-Origin": "*"}
OPENID_WELL_KNOWN = "/.well-known/openid-configuration"
PATHS = {
    "authorization_endpoint": "/authorize",
    "token_endpoint": "/token",
    "registration_endpoint": "/register",
    "revocation_endpoint": "/revoke",
    "introspection_endpoint": "/introspect",
    "userinfo_endpoint": "/userinfo",
    "pushed_authorization_request_endpoint": "/par",  # RFC 9126 5
}


def is_openid_provider(config: ServerConfig) -> bool:
    """Does this server answer OpenID Connect requests? When it knows the openid scope."""
    return "openid" in config.scopes


def publishes_keys(config: ServerConfig) -> bool:
    """Does it sign anything, ID tokens or JWT access tokens, so that a JWKS is needed?"""
    return is_openid_provider(config) or config.access_token_format == "jwt"


def server_metadata(config: ServerConfig) -> dict[str, Any]:
    """The metadata document; every URL is built on the issuer."""
    issuer = config.issuer
    auth_methods = list(CLIENT_AUTH_METHODS)  # one registry for the three endpoints
    profile = config.profile_rules()
    if profile is not None:
        # a profile allows some only (OAuth 2.1 2.4.1, FAPI 2.0 5.3.2.1)
        auth_methods = [m for m in auth_methods if m in profile.auth_methods]
    metadata: dict[str, Any] = {
        "issuer": issuer,
        **{name: issuer + path for name, path in PATHS.items()},
        "scopes_supported": list(config.scopes),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": list(GRANTS),
        "token_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_methods_supported": auth_methods,
        # RFC 7662 2.1: introspection needs authorization; a public client has none
        "introspection_endpoint_auth_methods_supported": [m for m in auth_methods if m != "none"],
        "code_challenge_methods_supported": ["S256"],
        # RFC 8414 2: the algorithms of private_key_jwt's assertions (RFC 7523), per endpoint
        **{
            f"{endpoint}_endpoint_auth_signing_alg_values_supported": list(SIGNING_ALGS)
            for endpoint in ("token", "revocation", "introspection")
        },
        # RFC 9126 5: pushed requests only, when the server (a profile) requires them
        "require_pushed_authorization_requests": config.require_pushed_authorization_requests,
        # RFC 9728 4: the APIs it issues tokens for, each a resource= value (RFC 8707)
        "protected_resources": [resource_uri(config, path) for path in PROTECTED_RESOURCES],
        # RFC 9207 3: the server sends iss in every authorization response
        "authorization_response_iss_parameter_supported": not config.lab("no_iss"),
    }
    if not config.lab("no_dpop"):
        # RFC 9449 5.1: the algorithms this server accepts for DPoP proofs
        metadata["dpop_signing_alg_values_supported"] = list(DPOP_ALGORITHMS)
    if publishes_keys(config):
        # OIDC Discovery 3: REQUIRED; the keys of ID tokens and of JWT access tokens
        metadata["jwks_uri"] = issuer + JWKS_PATH
    if not is_openid_provider(config):
        # a plain OAuth server (started with scopes without openid)
        del metadata["userinfo_endpoint"]
    else:
        metadata |= openid_provider_metadata()
    if profile is not None:
        # not a standard member: which profile is on, and what it requires
        metadata["codegrant_kit_profile"] = profile.as_metadata()
    if config.lab_switches:
        metadata["codegrant_kit_lab_switches"] = sorted(config.lab_switches)
    return metadata


def openid_provider_metadata() -> dict[str, Any]:
    """What OIDC Discovery 3 adds to RFC 8414's members."""
    return {
        # OIDC Discovery 3: REQUIRED for an OpenID Provider
        "subject_types_supported": list(SUBJECT_TYPES),
        "id_token_signing_alg_values_supported": list(ALGORITHMS),
        "claims_supported": [
            *ID_TOKEN_CLAIMS,
            *(claim for claims in CLAIMS_BY_SCOPE.values() for claim in claims),
        ],
        # prompt_values_supported (Initiating User Registration via OpenID Connect 1.0)
        "prompt_values_supported": list(PROMPTS),
        # OIDC Discovery 3: request_uri_parameter_supported is true when left out; this
        # server takes no request objects and no claims parameter
        "request_uri_parameter_supported": False,
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
    }


class MetadataEndpoint(Endpoint):
    methods = ("GET",)

    async def get(self, request: Request) -> Response:
        # public: a browser app on any origin may read it (no credentials, so "*" is safe)
        return JSONResponse(server_metadata(self.config), headers=PUBLIC)
