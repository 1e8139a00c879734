"""Where the authorization server's endpoints are: RFC 8414 metadata, or by hand.

RFC 8414 Section 3 puts the metadata at a well-known URI built from the issuer: the
string ``/.well-known/oauth-authorization-server`` goes between the host and the
issuer's path. Servers that grew out of OpenID Connect (Keycloak, WSO2 Identity
Server) serve the same document at ``{issuer}/.well-known/openid-configuration``
(OpenID Connect Discovery 1.0 Section 4), so :func:`discover` tries both; a client
that asks for the ``openid`` scope tries OpenID's first, since only that document
is sure to list the ``userinfo_endpoint`` and the ID token's signing algorithms.

>>> Endpoints.manual(
...     authorization_endpoint="https://localhost:9443/oauth2/authorize",
...     token_endpoint="https://localhost:9443/oauth2/token",
... ).issuer
'https://localhost:9443'
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from ._http import Verify, json_object, strings_member, text_member, using
from .errors import DiscoveryError, MetadataIssuerMismatch

RFC8414_SUFFIX = "/.well-known/oauth-authorization-server"
OIDC_SUFFIX = "/.well-known/openid-configuration"


@dataclass(frozen=True)
class Endpoints:
    """The URLs of one authorization server, and the few facts the client checks."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    registration_endpoint: str | None = None
    revocation_endpoint: str | None = None
    introspection_endpoint: str | None = None
    jwks_uri: str | None = None
    # OpenID Connect Discovery 1.0 Section 3
    userinfo_endpoint: str | None = None
    # RFC 9207 Section 3: if true, every authorization response carries iss.
    authorization_response_iss_parameter_supported: bool = False
    code_challenge_methods_supported: tuple[str, ...] = ()
    scopes_supported: tuple[str, ...] = ()
    id_token_signing_alg_values_supported: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def manual(
        cls,
        *,
        authorization_endpoint: str,
        token_endpoint: str,
        issuer: str | None = None,
        registration_endpoint: str | None = None,
        revocation_endpoint: str | None = None,
        introspection_endpoint: str | None = None,
        jwks_uri: str | None = None,
        userinfo_endpoint: str | None = None,
        iss_parameter_supported: bool = False,
    ) -> Endpoints:
        """Endpoints given by hand; the issuer defaults to the authorization endpoint's origin."""
        urls = {
            "authorization_endpoint": authorization_endpoint,
            "token_endpoint": token_endpoint,
            "registration_endpoint": registration_endpoint,
            "revocation_endpoint": revocation_endpoint,
            "introspection_endpoint": introspection_endpoint,
            "jwks_uri": jwks_uri,
            "userinfo_endpoint": userinfo_endpoint,
        }
        for name, url in urls.items():
            if url is not None:
                _require_absolute(name, url)
        if issuer is None:
            parts = urlsplit(authorization_endpoint)
            issuer = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        _require_absolute("issuer", issuer)
        return cls(
            issuer=issuer,
            authorization_endpoint=authorization_endpoint,
            token_endpoint=token_endpoint,
            registration_endpoint=registration_endpoint,
            revocation_endpoint=revocation_endpoint,
            introspection_endpoint=introspection_endpoint,
            jwks_uri=jwks_uri,
            userinfo_endpoint=userinfo_endpoint,
            authorization_response_iss_parameter_supported=iss_parameter_supported,
        )

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, Any]) -> Endpoints:
        """Read an RFC 8414 Section 2 metadata document."""
        missing = [
            name
            for name in ("issuer", "authorization_endpoint", "token_endpoint")
            if not isinstance(metadata.get(name), str)
        ]
        if missing:
            # RFC 8414 Section 2: issuer is REQUIRED, and so are the two endpoints
            # whenever the code grant is supported.
            raise DiscoveryError(f"The metadata has no {', '.join(missing)}.")
        return cls(
            issuer=metadata["issuer"],
            authorization_endpoint=metadata["authorization_endpoint"],
            token_endpoint=metadata["token_endpoint"],
            registration_endpoint=text_member(metadata, "registration_endpoint"),
            revocation_endpoint=text_member(metadata, "revocation_endpoint"),
            introspection_endpoint=text_member(metadata, "introspection_endpoint"),
            jwks_uri=text_member(metadata, "jwks_uri"),
            userinfo_endpoint=text_member(metadata, "userinfo_endpoint"),
            authorization_response_iss_parameter_supported=(
                metadata.get("authorization_response_iss_parameter_supported") is True
            ),
            code_challenge_methods_supported=strings_member(
                metadata, "code_challenge_methods_supported"
            ),
            scopes_supported=strings_member(metadata, "scopes_supported"),
            id_token_signing_alg_values_supported=strings_member(
                metadata, "id_token_signing_alg_values_supported"
            ),
            metadata=dict(metadata),
        )

    def urls(self) -> dict[str, str]:
        """Each endpoint that is known, by its metadata name."""
        names = (
            "authorization_endpoint",
            "token_endpoint",
            "registration_endpoint",
            "revocation_endpoint",
            "introspection_endpoint",
            "jwks_uri",
            "userinfo_endpoint",
        )
        return {name: url for name in names if (url := getattr(self, name)) is not None}


def metadata_urls(issuer: str, *, openid: bool = False) -> list[str]:
    """The URLs where an issuer's metadata may live, in the order they are tried;
    OpenID's first when the client asks for ``openid``.

    >>> metadata_urls("https://kc.example/realms/demo")  # doctest: +NORMALIZE_WHITESPACE
    ['https://kc.example/.well-known/oauth-authorization-server/realms/demo',
     'https://kc.example/realms/demo/.well-known/oauth-authorization-server',
     'https://kc.example/realms/demo/.well-known/openid-configuration']
    >>> metadata_urls("https://op.example", openid=True)  # doctest: +NORMALIZE_WHITESPACE
    ['https://op.example/.well-known/openid-configuration',
     'https://op.example/.well-known/oauth-authorization-server']
    """
    parts = urlsplit(issuer)
    path = parts.path.rstrip("/")
    # RFC 8414 Section 3.1: insert the well-known string between host and path.
    urls = [urlunsplit((parts.scheme, parts.netloc, RFC8414_SUFFIX + path, "", ""))]
    base = issuer.rstrip("/")
    if path:
        # Some servers (Keycloak) append it to the issuer instead.
        urls.append(base + RFC8414_SUFFIX)
    # OpenID Connect Discovery 1.0 Section 4: appended to the issuer.
    oidc = base + OIDC_SUFFIX
    return [oidc, *urls] if openid else [*urls, oidc]


def asks_openid(scope: str | None) -> bool:
    """Whether a scope asks for OpenID Connect (Core 3.1.2.1: it MUST contain openid).

    >>> asks_openid("openid profile"), asks_openid("PRODUCTION"), asks_openid(None)
    (True, False, False)
    """
    return scope is not None and "openid" in scope.split()


def discover(
    issuer: str,
    *,
    openid: bool = False,
    http: httpx.Client | None = None,
    verify: Verify = True,
) -> Endpoints:
    """Fetch and check the issuer's metadata at the first well-known URI that has it:
    RFC 8414's first, or OpenID's first when ``openid``."""
    _require_absolute("issuer", issuer)
    # RFC 8414 Section 2: the issuer has no query or fragment.
    if urlsplit(issuer).query or urlsplit(issuer).fragment:
        raise DiscoveryError(f"An issuer has no query or fragment: {issuer!r}.")
    tried: list[str] = []
    with using(http, verify) as client:
        for url in metadata_urls(issuer, openid=openid):
            try:
                response = client.get(url, headers={"Accept": "application/json"})
            except httpx.HTTPError as exc:
                raise DiscoveryError(f"Could not reach {url}: {exc}") from exc
            if response.status_code != 200:
                tried.append(f"{url} -> {response.status_code} {response.reason_phrase}")
                continue
            try:
                metadata = response.json()
            except json.JSONDecodeError as exc:
                raise DiscoveryError(f"{url} did not answer JSON.") from exc
            if not isinstance(metadata, dict):
                raise DiscoveryError(f"{url} answered JSON that is not an object.")
            # RFC 8414 Section 3.3 (and OpenID Connect Discovery 1.0 Section 4.3): the
            # issuer value returned MUST be identical to the one in the well-known URI.
            if metadata.get("issuer") != issuer:
                raise MetadataIssuerMismatch(issuer, metadata.get("issuer"))
            return Endpoints.from_metadata(metadata)
    raise DiscoveryError("No metadata found. Tried:\n  " + "\n  ".join(tried))


def fetch_jwks(
    jwks_uri: str, *, http: httpx.Client | None = None, verify: Verify = True
) -> dict[str, Any]:
    """The server's public keys: the JWK Set at its metadata's jwks_uri (RFC 8414 2)."""
    _require_absolute("jwks_uri", jwks_uri)
    with using(http, verify) as client:
        try:
            response = client.get(jwks_uri, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise DiscoveryError(f"Could not reach {jwks_uri}: {exc}") from exc
    body = json_object(response)
    # RFC 7517 5: a JWK Set is a JSON object whose "keys" member is an array
    if response.status_code != 200 or body is None or not isinstance(body.get("keys"), list):
        raise DiscoveryError(
            f"{jwks_uri} answered {response.status_code} {response.reason_phrase} without "
            "a JWK Set: a JSON object with a 'keys' array (RFC 7517 5)."
        )
    return body


def _require_absolute(name: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{name} must be an absolute http(s) URL, not {url!r}.")
