"""From an API to its authorization server: protected resource metadata (RFC 9728).

A client that knows only an API's URL calls it without a token. The 401 names the
API's metadata (RFC 9728 Section 5.1), and that document names the authorization
servers; the client then discovers one (RFC 8414) and asks for a token for this API
alone with ``resource=`` (RFC 8707). MCP clients find the authorization server of an
MCP server exactly so (the MCP authorization spec builds on RFC 9728 and RFC 8707).

    >>> metadata_url("https://api.example.com/v1/photos")
    'https://api.example.com/.well-known/oauth-protected-resource/v1/photos'

    api = find_protected_resource("http://127.0.0.1:8000/api/photos")
    api.resource                 # 'http://127.0.0.1:8000/api/photos'
    api.authorization_servers    # ('http://127.0.0.1:8000',)
    endpoints = discover(api.authorization_servers[0])
    flow = Flow(endpoints, application=app, resource=api.resource)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from ._http import Verify, json_object, parse_www_authenticate, strings_member, using
from .errors import DiscoveryError

WELL_KNOWN = "/.well-known/oauth-protected-resource"


@dataclass(frozen=True)
class ProtectedResource:
    """RFC 9728 Section 2: what an API says about itself, and how it was found."""

    resource: str  # its identifier: the value of resource= (RFC 8707)
    authorization_servers: tuple[str, ...]  # issuers, each for RFC 8414 discovery
    bearer_methods_supported: tuple[str, ...] = ()
    scopes_supported: tuple[str, ...] = ()
    metadata_url: str = ""  # where the document was read
    challenge: str | None = None  # the 401's WWW-Authenticate that pointed there
    metadata: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


def metadata_url(resource: str) -> str:
    """RFC 9728 Section 3.1: the well-known path goes between the host and the path."""
    parts = urlsplit(resource)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"A resource identifier is an absolute http(s) URL, not {resource!r}.")
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, WELL_KNOWN + path, parts.query, ""))


def resource_metadata_from_challenge(response: httpx.Response) -> str | None:
    """The resource_metadata URL in a 401's WWW-Authenticate (RFC 9728 Section 5.1), or None."""
    challenge = response.headers.get("www-authenticate")
    if response.status_code != 401 or not challenge:
        return None
    return parse_www_authenticate(challenge).get("resource_metadata")


def fetch_resource_metadata(
    url: str,
    *,
    expected_resource: str | None = None,
    http: httpx.Client | None = None,
    verify: Verify = True,
) -> ProtectedResource:
    """Read and check one protected resource metadata document (RFC 9728 Sections 2, 3.3)."""
    with using(http, verify) as client:
        try:
            response = client.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise DiscoveryError(f"Could not reach {url}: {exc}") from exc
    body = json_object(response)
    if response.status_code != 200 or body is None:
        raise DiscoveryError(
            f"{url} answered {response.status_code} {response.reason_phrase} without a JSON "
            "object: no protected resource metadata there (RFC 9728 Section 3)."
        )
    resource = body.get("resource")
    if not isinstance(resource, str):
        raise DiscoveryError(f"{url} has no 'resource' string (RFC 9728 Section 2: REQUIRED).")
    # RFC 9728 Section 3.3: the resource value MUST be identical to the identifier the
    # client used (the one the URL was built from, or the API it called); else an
    # impostor's document could send the client to the impostor's server
    if expected_resource is not None and resource != expected_resource:
        raise DiscoveryError(
            f"{url} describes resource {resource!r}, not {expected_resource!r}: RFC 9728 "
            "Section 3.3 says to use no metadata whose resource differs."
        )
    servers = strings_member(body, "authorization_servers")
    if not servers:
        raise DiscoveryError(
            f"{url} names no authorization_servers: the client cannot tell where to ask "
            "for a token (RFC 9728 Section 2)."
        )
    return ProtectedResource(
        resource=resource,
        authorization_servers=servers,
        bearer_methods_supported=strings_member(body, "bearer_methods_supported"),
        scopes_supported=strings_member(body, "scopes_supported"),
        metadata_url=url,
        metadata=body,
    )


def find_protected_resource(
    api_url: str, *, http: httpx.Client | None = None, verify: Verify = True
) -> ProtectedResource:
    """Call the API without a token and follow its 401 to its metadata, as an MCP client does.

    Without resource_metadata in the challenge, the well-known URL built from the
    API's URL is tried (RFC 9728 Section 3.1). The document's resource must be the
    API's URL or a prefix of it on the same origin (an API may serve many paths).
    """
    with using(http, verify) as client:
        try:
            first = client.get(api_url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise DiscoveryError(f"Could not reach {api_url}: {exc}") from exc
        url = resource_metadata_from_challenge(first) or metadata_url(api_url)
        found = fetch_resource_metadata(url, http=client)
    if not _covers(found.resource, api_url):
        raise DiscoveryError(
            f"{url} describes resource {found.resource!r}, which is not {api_url!r} nor a "
            "prefix of it on its origin: RFC 9728 Section 3.3 says not to use it."
        )
    challenge = first.headers.get("www-authenticate")
    return ProtectedResource(
        resource=found.resource,
        authorization_servers=found.authorization_servers,
        bearer_methods_supported=found.bearer_methods_supported,
        scopes_supported=found.scopes_supported,
        metadata_url=url,
        challenge=challenge,
        metadata=found.metadata,
    )


def _covers(resource: str, api_url: str) -> bool:
    base = api_url.split("?")[0].split("#")[0]
    return base == resource or base.startswith(resource.rstrip("/") + "/")
