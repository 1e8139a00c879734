r"""The back channel: the token request (RFC 6749 Section 4.1.3), its response (5.1, 5.2),
refresh (Section 6), introspection (RFC 7662), revocation (RFC 7009), and the API call
with the bearer token (RFC 6750 Section 2.1).

Every request can be built without being sent (an ``httpx.Request``), so that a
learner can read the raw POST before pressing Send:

>>> request = token_request(
...     "https://server.example.com/token",
...     ("IZsIi6HDbB5e8VKdZAnUi_fZ3f8a", "Gm0bJ6oWV8fC5OQLLlC6jslACW8a"),
...     code="SplxlOBeZQQYbYS6WxSbIA",
...     redirect_uri="https://client.example.com/cb",
... )
>>> print(request.content.decode().replace("&", "\n&"))
grant_type=authorization_code
&code=SplxlOBeZQQYbYS6WxSbIA
&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

import httpx

from ._http import Verify, json_object, send, text_member
from .basic_auth import BasicAuthSteps, Credentials, body_credentials, credentials_of
from .discovery import Endpoints
from .dpop import DpopKey, send_with_proof
from .errors import ClientError, InvalidTokenResponse, OAuthResponseError, json_or_raise
from .explain import ParameterNote, Where, notes

AuthMethod = Literal["client_secret_basic", "client_secret_post", "none"]

_TOKEN_FIELDS: dict[str, tuple[str, str]] = {
    "access_token": (
        "the credential to send to the API, as 'Authorization: Bearer ...'",
        "RFC 6749 Section 5.1",
    ),
    "token_type": ("how to use the token: Bearer (RFC 6750)", "RFC 6749 Section 7.1"),
    "expires_in": ("seconds until the access token expires", "RFC 6749 Section 5.1"),
    "refresh_token": (
        "a longer-lived credential to get new access tokens without the user",
        "RFC 6749 Section 6",
    ),
    "scope": ("the access actually granted (may be less than asked)", "RFC 6749 Section 3.3"),
    "id_token": ("who the user is (OpenID Connect, not OAuth)", "OpenID Connect Core 3.1.3.3"),
}

_INTROSPECTION_FIELDS: dict[str, tuple[str, str]] = {
    "active": ("whether the token can be used right now", "RFC 7662 Section 2.2"),
    "scope": ("the scopes of the token", "RFC 7662 Section 2.2"),
    "client_id": ("the application the token was issued to", "RFC 7662 Section 2.2"),
    "username": ("the resource owner who authorized it", "RFC 7662 Section 2.2"),
    "token_type": ("the type of the token", "RFC 7662 Section 2.2"),
    "exp": ("when it expires, in seconds since 1970", "RFC 7662 Section 2.2"),
    "iat": ("when it was issued, in seconds since 1970", "RFC 7662 Section 2.2"),
    "nbf": ("not to be used before, in seconds since 1970", "RFC 7662 Section 2.2"),
    "sub": ("the subject, usually the user", "RFC 7662 Section 2.2"),
    "aud": ("who the token is meant for", "RFC 7662 Section 2.2"),
    "iss": ("who issued the token", "RFC 7662 Section 2.2"),
    "jti": ("the token's own identifier", "RFC 7662 Section 2.2"),
}


@dataclass(frozen=True)
class TokenResponse:
    """A successful token response (RFC 6749 Section 5.1)."""

    access_token: str
    token_type: str
    expires_in: int | None = None
    refresh_token: str | None = None
    scope: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> TokenResponse:
        access_token = body.get("access_token")
        token_type = body.get("token_type")
        # RFC 6749 Section 5.1: access_token and token_type are REQUIRED.
        if not isinstance(access_token, str) or not access_token:
            raise InvalidTokenResponse("The token response has no access_token.")
        if not isinstance(token_type, str) or not token_type:
            raise InvalidTokenResponse("The token response has no token_type.")
        expires_in = body.get("expires_in")
        if isinstance(expires_in, str) and expires_in.isdigit():
            expires_in = int(expires_in)  # some servers send a string
        return cls(
            access_token=access_token,
            token_type=token_type,
            expires_in=expires_in if isinstance(expires_in, int) else None,
            refresh_token=text_member(body, "refresh_token"),
            scope=text_member(body, "scope"),
            raw=dict(body),
        )

    @property
    def id_token(self) -> str | None:
        """The ID token of an OpenID Connect flow (Core 3.1.3.3), if the response has one."""
        return text_member(self.raw, "id_token")

    @property
    def authorization_header(self) -> str:
        # RFC 6750 Section 2.1: credentials = "Bearer" 1*SP b64token; RFC 9449 7.1: "DPoP"
        return f"{'DPoP' if self.dpop_bound else 'Bearer'} {self.access_token}"

    @property
    def dpop_bound(self) -> bool:
        """Is the token bound to the client's DPoP key (RFC 9449 5: token_type DPoP)?"""
        return self.token_type.lower() == "dpop"

    def explain(self) -> list[ParameterNote]:
        """Each field of the JSON response, what it is for, and its RFC section."""
        return notes(self.raw.items(), _TOKEN_FIELDS, "an extension field")


@dataclass(frozen=True)
class Introspection:
    """What the server says about a token (RFC 7662 Section 2.2)."""

    active: bool
    scope: str | None = None
    client_id: str | None = None
    username: str | None = None
    exp: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> Introspection:
        active = body.get("active")
        # RFC 7662 Section 2.2: active is REQUIRED and a boolean.
        if not isinstance(active, bool):
            raise InvalidTokenResponse("The introspection response has no boolean 'active'.")
        exp = body.get("exp")
        return cls(
            active=active,
            scope=text_member(body, "scope"),
            client_id=text_member(body, "client_id"),
            username=text_member(body, "username"),
            exp=exp if isinstance(exp, int) and not isinstance(exp, bool) else None,
            raw=dict(body),
        )

    def explain(self) -> list[ParameterNote]:
        return notes(self.raw.items(), _INTROSPECTION_FIELDS, "an extension field")


def client_authenticated_request(
    url: str,
    client: Credentials,
    form: Sequence[tuple[str, str]],
    *,
    auth: AuthMethod = "client_secret_basic",
) -> httpx.Request:
    """A form POST with the client's credentials in a Basic header or in the body."""
    client_id, client_secret = credentials_of(client)
    headers: dict[str, str] = {}
    fields = list(form)
    if auth == "client_secret_basic":
        if client_secret is None:
            raise ValueError("client_secret_basic needs a client_secret.")
        # RFC 6749 Section 2.3.1: clients in possession of a password MUST support
        # the HTTP Basic authentication scheme.
        headers["Authorization"] = BasicAuthSteps(client_id, client_secret).header_value
    elif auth == "client_secret_post":
        if client_secret is None:
            raise ValueError("client_secret_post needs a client_secret.")
        fields.extend(body_credentials(client_id, client_secret).items())
    elif auth == "none":
        # RFC 6749 Section 4.1.3: client_id is REQUIRED if the client is not
        # authenticating with the authorization server.
        fields.append(("client_id", client_id))
    else:
        raise ValueError(f"Unknown client authentication method {auth!r}.")
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    headers["Accept"] = "application/json"
    return httpx.Request("POST", url, headers=headers, content=urlencode(fields).encode("ascii"))


def token_request(
    endpoints: Endpoints | str,
    client: Credentials,
    *,
    code: str,
    redirect_uri: str | None,
    code_verifier: str | None = None,
    auth: AuthMethod = "client_secret_basic",
    resource: str | None = None,
) -> httpx.Request:
    """The authorization code exchange (RFC 6749 Section 4.1.3), built but not sent.

    `resource` (RFC 8707 Section 2) asks for a token for that API alone; a public
    client passes ``auth="none"`` and its ``code_verifier`` (RFC 7636), no secret.
    """
    form = [("grant_type", "authorization_code"), ("code", code)]
    if redirect_uri is not None:
        # RFC 6749 Section 4.1.3: REQUIRED if it was in the authorization request,
        # and the values MUST be identical.
        form.append(("redirect_uri", redirect_uri))
    if code_verifier is not None:
        # RFC 7636 Section 4.5: the verifier whose challenge went out in the request.
        form.append(("code_verifier", code_verifier))
    if resource is not None:
        # RFC 8707 Section 2: the token's audience, one the authorization request allowed
        form.append(("resource", resource))
    return client_authenticated_request(_token_url(endpoints), client, form, auth=auth)


def refresh_request(
    endpoints: Endpoints | str,
    client: Credentials,
    *,
    refresh_token: str,
    scope: str | None = None,
    auth: AuthMethod = "client_secret_basic",
) -> httpx.Request:
    """A refresh (RFC 6749 Section 6), built but not sent."""
    form = [("grant_type", "refresh_token"), ("refresh_token", refresh_token)]
    if scope is not None:
        # RFC 6749 Section 6: the scope MUST NOT include any scope not originally granted.
        form.append(("scope", scope))
    return client_authenticated_request(_token_url(endpoints), client, form, auth=auth)


def introspection_request(
    endpoints: Endpoints,
    client: Credentials,
    *,
    token: str,
    token_type_hint: str | None = None,
    auth: AuthMethod = "client_secret_basic",
) -> httpx.Request:
    """An introspection request (RFC 7662 Section 2.1), built but not sent."""
    url = endpoints.introspection_endpoint
    return _about_token(url, "introspection_endpoint", client, token, token_type_hint, auth)


def revocation_request(
    endpoints: Endpoints,
    client: Credentials,
    *,
    token: str,
    token_type_hint: str | None = None,
    auth: AuthMethod = "client_secret_basic",
) -> httpx.Request:
    """A revocation request (RFC 7009 Section 2.1), built but not sent."""
    url = endpoints.revocation_endpoint
    return _about_token(url, "revocation_endpoint", client, token, token_type_hint, auth)


def _about_token(
    url: str | None,
    endpoint: str,
    client: Credentials,
    token: str,
    token_type_hint: str | None,
    auth: AuthMethod,
) -> httpx.Request:
    # RFC 7009 Section 2.1 and RFC 7662 Section 2.1 send the same form: the token,
    # and a hint of its type if the client knows it.
    if url is None:
        raise ClientError(f"This server lists no {endpoint}.")
    form = [("token", token)]
    if token_type_hint is not None:
        form.append(("token_type_hint", token_type_hint))
    return client_authenticated_request(url, client, form, auth=auth)


def api_request(url: str, access_token: str, *, method: str = "GET") -> httpx.Request:
    """A call to a protected resource (RFC 6750 Section 2.1), built but not sent."""
    return httpx.Request(
        method,
        url,
        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
    )


def send_token_request(
    request: httpx.Request,
    *,
    http: httpx.Client | None = None,
    verify: Verify = True,
    dpop: DpopKey | None = None,
) -> TokenResponse:
    """Send a request built by :func:`token_request` or :func:`refresh_request`;
    with `dpop`, with a DPoP proof of that key (RFC 9449 5), retried once for a nonce."""
    if dpop is None:
        response = send(request, http, verify)
    else:
        response = send_with_proof(request, dpop, lambda r: send(r, http, verify))
    # RFC 6749 Section 5.1: success is 200 with a JSON object; anything else is an error.
    body = json_or_raise(response, where="token")
    return TokenResponse.from_json(body)


def exchange_code(
    endpoints: Endpoints | str,
    client: Credentials,
    *,
    code: str,
    redirect_uri: str | None,
    code_verifier: str | None = None,
    auth: AuthMethod = "client_secret_basic",
    http: httpx.Client | None = None,
    verify: Verify = True,
    resource: str | None = None,
) -> TokenResponse:
    """Exchange an authorization code for tokens (RFC 6749 Section 4.1.3; RFC 8707 2)."""
    request = token_request(
        endpoints,
        client,
        code=code,
        redirect_uri=redirect_uri,
        code_verifier=code_verifier,
        auth=auth,
        resource=resource,
    )
    return send_token_request(request, http=http, verify=verify)


def refresh(
    endpoints: Endpoints | str,
    client: Credentials,
    refresh_token: str,
    *,
    scope: str | None = None,
    auth: AuthMethod = "client_secret_basic",
    http: httpx.Client | None = None,
    verify: Verify = True,
    dpop: DpopKey | None = None,
) -> TokenResponse:
    """New tokens from a refresh token (RFC 6749 Section 6), with a DPoP proof if `dpop`."""
    request = refresh_request(
        endpoints, client, refresh_token=refresh_token, scope=scope, auth=auth
    )
    return send_token_request(request, http=http, verify=verify, dpop=dpop)


def introspect(
    endpoints: Endpoints,
    client: Credentials,
    token: str,
    *,
    token_type_hint: str | None = None,
    auth: AuthMethod = "client_secret_basic",
    http: httpx.Client | None = None,
    verify: Verify = True,
) -> Introspection:
    """Ask the server whether a token is active, and what it carries (RFC 7662)."""
    request = introspection_request(
        endpoints, client, token=token, token_type_hint=token_type_hint, auth=auth
    )
    # RFC 7662 Section 2.2: the answer is a 200 with a JSON object.
    body = json_or_raise(send(request, http, verify), where="token")
    return Introspection.from_json(body)


def revoke(
    endpoints: Endpoints,
    client: Credentials,
    token: str,
    *,
    token_type_hint: str | None = None,
    auth: AuthMethod = "client_secret_basic",
    http: httpx.Client | None = None,
    verify: Verify = True,
) -> None:
    """Revoke a token (RFC 7009); an unknown token counts as revoked (Section 2.2)."""
    request = revocation_request(
        endpoints, client, token=token, token_type_hint=token_type_hint, auth=auth
    )
    response = send(request, http, verify)
    # RFC 7009 Section 2.2: the server responds with HTTP status code 200 if the
    # token has been revoked successfully or if the client submitted an invalid token.
    if response.status_code != 200:
        where: Where = "revocation" if _error_of(response) == "unsupported_token_type" else "token"
        raise OAuthResponseError.from_response(response, where=where)


def call_api(
    url: str,
    access_token: str,
    *,
    method: str = "GET",
    http: httpx.Client | None = None,
    verify: Verify = True,
    dpop: DpopKey | None = None,
) -> httpx.Response:
    """Call a protected resource with the access token; raise on an RFC 6750 error.

    With `dpop`, the token goes as ``Authorization: DPoP`` with a proof of that key
    for this request (RFC 9449 7), retried once if the resource asks for a nonce.
    """
    request = api_request(url, access_token, method=method)
    if dpop is None:
        response = send(request, http, verify)
    else:
        response = send_with_proof(
            request, dpop, lambda r: send(r, http, verify), access_token=access_token
        )
    if response.is_success:
        return response
    raise OAuthResponseError.from_response(response, where="resource")


def _token_url(endpoints: Endpoints | str) -> str:
    return endpoints if isinstance(endpoints, str) else endpoints.token_endpoint


def _error_of(response: httpx.Response) -> object:
    return (json_object(response) or {}).get("error")
