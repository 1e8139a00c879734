"""Resource indicators (RFC 8707) and protected resource metadata (RFC 9728).

This server serves two protected resources, each an API with its own identifier:

    https://issuer/api/photos      the sample app's "Import Photos" API
    https://issuer/api/calendar    a second API, to show a token replayed at the wrong one

A client that does not know which authorization server guards an API asks the API
(RFC 9728 5.1): its 401 carries `resource_metadata="…"` in WWW-Authenticate, and that
document (RFC 9728 3.1: the well-known path inserted before the resource's path)
names the `authorization_servers`:

    GET /.well-known/oauth-protected-resource/api/photos
    {"resource": "https://issuer/api/photos", "authorization_servers": ["https://issuer"],
     "bearer_methods_supported": ["header"], "scopes_supported": ["photos:read"]}

The client then sends `resource=https://issuer/api/photos` in the authorization and
token requests (RFC 8707 2), and the access token is issued for that API alone: its
audience (`aud` of a JWT access token, RFC 9068 3; of introspection, RFC 7662 2.2).
Another API refuses it (RFC 8707 1, RFC 9068 4: the resource server MUST check the
audience). MCP clients find their authorization server exactly so: the MCP
authorization spec builds on RFC 9728 and RFC 8707.

A request without `resource` gets a token for every API of this server, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .config import ServerConfig
from .endpoint import Endpoint
from .errors import InvalidTarget, InvalidToken
from .params import Params
from .records import Token

WELL_KNOWN = "/.well-known/oauth-protected-resource"


@dataclass(frozen=True)
class ProtectedResource:
    path: str  # where it is served; its identifier is the issuer followed by it
    name: str  # RFC 9728 2 resource_name
    scopes: tuple[str, ...]  # RFC 9728 2 scopes_supported


PROTECTED_RESOURCES = {
    r.path: r
    for r in (
        ProtectedResource("/api/photos", "Import Photos API", ("photos:read",)),
        ProtectedResource("/api/calendar", "Calendar API", ()),
    )
}


def resource_uri(config: ServerConfig, path: str) -> str:
    """The resource identifier of the API at `path`: an absolute https URI, no fragment.

    >>> resource_uri(ServerConfig(issuer="https://as.example"), "/api/photos")
    'https://as.example/api/photos'
    """
    return config.issuer + path


def metadata_url(config: ServerConfig, path: str) -> str:
    """Where the API's metadata is: RFC 9728 3.1 inserts the well-known path before `path`.

    >>> metadata_url(ServerConfig(issuer="https://as.example"), "/api/photos")
    'https://as.example/.well-known/oauth-protected-resource/api/photos'

    (Behind a proxy that adds a path prefix, the prefix stays in front, where this
    server is reached.)
    """
    return config.issuer + WELL_KNOWN + path


def resource_metadata(config: ServerConfig, path: str) -> dict[str, Any]:
    """RFC 9728 2: the protected resource's metadata document."""
    api = PROTECTED_RESOURCES[path]
    document: dict[str, Any] = {
        # RFC 9728 3.3: resource MUST be the identifier the well-known URL was made from
        "resource": resource_uri(config, path),
        "authorization_servers": [config.issuer],
        # RFC 9728 2: "header" is RFC 6750 2.1; this API refuses tokens in the URL
        "bearer_methods_supported": ["header"],
        "resource_name": api.name,
    }
    if api.scopes:
        document["scopes_supported"] = list(api.scopes)
    return document


def requested_resource(config: ServerConfig, params: Params) -> str | None:
    """The request's `resource`, checked (RFC 8707 2), or None when it has none.

    RFC 8707 2: "an absolute URI ... MUST NOT include a fragment component"; a value
    that is not one of this server's APIs gets invalid_target. This server binds a
    token to one API, so the parameter may be sent once.
    """
    if "resource" in params.repeated:
        raise InvalidTarget(
            "Send one resource parameter: this server issues a token for one API at a "
            "time (RFC 8707 2 allows several; ask for a token per API)."
        )
    value = params.get("resource")
    if value is None:
        return None
    parts = urlsplit(value)
    # RFC 8707 2: an absolute URI (RFC 3986 4.3) without a fragment component
    if not parts.scheme or not parts.netloc or "#" in value:
        raise InvalidTarget(
            f"resource {value[:200]!r} must be an absolute URI without a fragment, such as "
            f"{resource_uri(config, '/api/photos')} (RFC 8707 2)."
        )
    known = [resource_uri(config, path) for path in PROTECTED_RESOURCES]
    if value not in known:
        raise InvalidTarget(
            f"resource {value[:200]!r} is not an API of this server; its APIs are "
            f"{', '.join(known)} (RFC 8707 2)."
        )
    return value


def narrowed_resource(config: ServerConfig, params: Params, granted: str | None) -> str | None:
    """The token request's resource: one the grant allows (RFC 8707 2.2), or the grant's."""
    asked = requested_resource(config, params)
    # RFC 8707 2.2: the token request may name a resource the grant covers, no other
    if asked is not None and granted is not None and asked != granted:
        raise InvalidTarget(
            f"The authorization request asked for resource {granted}; a token for "
            f"{asked} needs an authorization request of its own (RFC 8707 2.2)."
        )
    return asked or granted


def check_audience(config: ServerConfig, token: Token, path: str) -> None:
    """RFC 8707 1, RFC 9068 4: an API refuses a token issued for another resource."""
    own = resource_uri(config, path)
    if (
        token.resource is not None
        and token.resource != own
        and not config.lab("audience_unchecked")
    ):
        raise InvalidToken(
            f"This access token was issued for {token.resource}, not for this API ({own}): "
            "ask for a token with resource=" + own + " (RFC 8707 2)."
        )


class ProtectedResourceMetadataEndpoint(Endpoint):
    """GET /.well-known/oauth-protected-resource/<path of the API> (RFC 9728 3)."""

    methods = ("GET",)

    async def get(self, request: Request) -> Response:
        path = request.url.path.removeprefix(request.scope.get("root_path", ""))
        document = resource_metadata(self.config, path.removeprefix(WELL_KNOWN))
        # public, like the server's own metadata: any page may read it (no credentials)
        return JSONResponse(document, headers={"Access-Control-Allow-Origin": "*"})
