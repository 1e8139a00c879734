"""Registering an application: RFC 7591 Dynamic Client Registration.

This is what the Developer Portal does when you create an application and click
GENERATE KEYS: it sends the client metadata (RFC 7591 Section 2) and receives a
``client_id`` (WSO2's "consumer key") and ``client_secret`` ("consumer secret")
in a 201 response (Section 3.2.1). An error is a 400 with a JSON error
(Section 3.2.2), raised here as :class:`OAuthResponseError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from ._http import Verify, send, strings_member, text_member
from .discovery import Endpoints
from .errors import ClientError, json_or_raise


@dataclass(frozen=True)
class Application:
    """A registered client: its credentials and the metadata the server recorded."""

    client_id: str
    client_secret: str | None
    redirect_uris: tuple[str, ...] = ()
    grant_types: tuple[str, ...] = ("authorization_code",)
    scope: str | None = None
    client_name: str | None = None
    token_endpoint_auth_method: str = "client_secret_basic"
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def consumer_key(self) -> str:
        """WSO2's name for ``client_id``."""
        return self.client_id

    @property
    def consumer_secret(self) -> str | None:
        """WSO2's name for ``client_secret``."""
        return self.client_secret

    @property
    def redirect_uri(self) -> str | None:
        """The first registered redirect URI, the one a flow uses by default."""
        return self.redirect_uris[0] if self.redirect_uris else None

    @classmethod
    def manual(
        cls,
        client_id: str,
        client_secret: str | None,
        redirect_uri: str | None = None,
        *,
        scope: str | None = None,
        token_endpoint_auth_method: str = "client_secret_basic",
    ) -> Application:
        """Keys copied from a portal by hand (WSO2's Production Keys tab)."""
        return cls(
            client_id=client_id,
            client_secret=client_secret,
            redirect_uris=(redirect_uri,) if redirect_uri else (),
            scope=scope,
            token_endpoint_auth_method=token_endpoint_auth_method,
        )

    @classmethod
    def from_registration(cls, body: Mapping[str, Any]) -> Application:
        """Read an RFC 7591 Section 3.2.1 response."""
        client_id = body.get("client_id")
        # RFC 7591 Section 3.2.1: client_id is REQUIRED in the response.
        if not isinstance(client_id, str) or not client_id:
            raise ClientError("The registration response has no client_id.")
        method = text_member(body, "token_endpoint_auth_method")
        return cls(
            client_id=client_id,
            client_secret=text_member(body, "client_secret"),
            redirect_uris=strings_member(body, "redirect_uris"),
            # RFC 7591 Section 2: grant_types defaults to authorization_code.
            grant_types=strings_member(body, "grant_types") or ("authorization_code",),
            scope=text_member(body, "scope"),
            client_name=text_member(body, "client_name"),
            # RFC 7591 Section 2: the default method is client_secret_basic.
            token_endpoint_auth_method=method if method is not None else "client_secret_basic",
            raw=dict(body),
        )


def registration_request(
    endpoints: Endpoints,
    *,
    client_name: str,
    redirect_uris: Sequence[str],
    grant_types: Sequence[str] = ("authorization_code", "refresh_token"),
    scope: str | None = None,
    token_endpoint_auth_method: str = "client_secret_basic",
    initial_access_token: str | None = None,
    jwks: Mapping[str, Any] | None = None,
) -> httpx.Request:
    """The registration POST, built but not sent.

    ``jwks`` is the public key set of a private_key_jwt client (RFC 7591 2), e.g.
    ``client_assertion.public_jwks(key)``.
    """
    if endpoints.registration_endpoint is None:
        raise ClientError(
            "This server lists no registration_endpoint: register the application in "
            "its portal and use Application.manual(...) with the keys it shows."
        )
    metadata: dict[str, Any] = {
        "client_name": client_name,
        "redirect_uris": list(redirect_uris),
        "grant_types": list(grant_types),
        # RFC 7591 Section 2.1: the code grant goes with response type "code".
        "response_types": ["code"] if "authorization_code" in grant_types else [],
        "token_endpoint_auth_method": token_endpoint_auth_method,
    }
    if scope is not None:
        metadata["scope"] = scope
    if jwks is not None:
        metadata["jwks"] = dict(jwks)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if initial_access_token is not None:
        # RFC 7591 Section 3: an initial access token, sent as a Bearer token.
        headers["Authorization"] = f"Bearer {initial_access_token}"
    return httpx.Request(
        "POST",
        endpoints.registration_endpoint,
        headers=headers,
        content=json.dumps(metadata).encode("utf-8"),
    )


def register_client(
    endpoints: Endpoints,
    *,
    client_name: str,
    redirect_uris: Sequence[str],
    grant_types: Sequence[str] = ("authorization_code", "refresh_token"),
    scope: str | None = None,
    token_endpoint_auth_method: str = "client_secret_basic",
    initial_access_token: str | None = None,
    auth: httpx.Auth | None = None,
    http: httpx.Client | None = None,
    verify: Verify = True,
    jwks: Mapping[str, Any] | None = None,
) -> Application:
    """Register an application and return its keys.

    ``auth`` is for servers that guard registration with other credentials (WSO2
    Identity Server wants an administrator's ``httpx.BasicAuth``).
    """
    request = registration_request(
        endpoints,
        client_name=client_name,
        redirect_uris=redirect_uris,
        grant_types=grant_types,
        scope=scope,
        token_endpoint_auth_method=token_endpoint_auth_method,
        initial_access_token=initial_access_token,
        jwks=jwks,
    )
    response = send(request, http, verify, auth=auth)
    # RFC 7591 Section 3.2.1: success is 201 Created (some servers answer 200).
    body = json_or_raise(response, where="registration", ok=(200, 201))
    return Application.from_registration(body)
