"""Dynamic client registration (RFC 7591 2, 3.1, 3.2).

The Developer Portal's "create application, generate keys": a client sends its
metadata as JSON and gets a consumer key (client_id) and secret back.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from .client_assertions import check_jwks, check_jwks_uri
from .client_auth import CLIENT_AUTH_METHODS
from .endpoint import Endpoint
from .errors import InvalidClientMetadata, InvalidRedirectUri, OAuthError
from .grants import GRANTS
from .httpio import client_address, json_error, json_response, rate_limited, read_body
from .scopes import parse_scope

# The Developer Portal grants the Code grant and refresh tokens when nothing is said
DEFAULT_GRANT_TYPES = ("authorization_code", "refresh_token")
MAX_REDIRECT_URIS = 20
MAX_URI_LENGTH = 2048
REGEXP_PREFIX = "regexp="  # WSO2: a callback URL given as a regular expression
OUT_OF_BAND = "urn:ietf:wg:oauth:2.0:oob"
ALLOWED_SCHEMES = (
    "Use https, or http on this teaching server, or for a native app a private-use "
    "scheme named after a domain it owns, such as com.example.app:/callback (RFC 8252 7.1)."
)


def check_redirect_uri(uri: object, *, allow_regexp: bool = False) -> str:
    """One redirect URI, checked (RFC 6749 3.1.2).

    >>> check_redirect_uri("https://client.example.com/cb")
    'https://client.example.com/cb'
    """
    if not isinstance(uri, str) or not uri:
        raise InvalidRedirectUri("Each redirect URI must be a non-empty string.")
    if len(uri) > MAX_URI_LENGTH:
        raise InvalidRedirectUri(f"A redirect URI may be {MAX_URI_LENGTH} characters at most.")
    if allow_regexp and uri.startswith(REGEXP_PREFIX):
        # LAB: WSO2's callback pattern, matched with re.fullmatch (in bounded time,
        # callback_patterns) as WSO2 does
        try:
            re.compile(uri.removeprefix(REGEXP_PREFIX))
        except re.error as exc:
            raise InvalidRedirectUri(f"The callback pattern does not compile: {exc}.") from None
        return uri
    if any(ch.isspace() or ord(ch) < 0x20 for ch in uri):
        raise InvalidRedirectUri(
            f"The redirect URI {uri!r} holds white space or control characters."
        )
    try:
        parts = urlsplit(uri)
        hostname = parts.hostname
    except ValueError as exc:  # e.g. a broken IPv6 literal
        raise InvalidRedirectUri(f"The redirect URI {uri!r} cannot be parsed: {exc}.") from None
    # RFC 6749 3.1.2: the redirection endpoint URI MUST be an absolute URI
    if not parts.scheme or not (parts.netloc or parts.path):
        raise InvalidRedirectUri(f"The redirect URI {uri!r} is not absolute (RFC 6749 3.1.2).")
    # RFC 6749 3.1.2: the endpoint URI MUST NOT include a fragment component
    if "#" in uri:
        raise InvalidRedirectUri(f"The redirect URI {uri!r} has a fragment (RFC 6749 3.1.2).")
    if parts.scheme in ("http", "https"):
        if not hostname:
            raise InvalidRedirectUri(f"The redirect URI {uri!r} has no host.")
        # RFC 3986 7.6: "https://good.example@evil.example/" goes to evil.example
        if "@" in parts.netloc:
            raise InvalidRedirectUri(
                f"The redirect URI {uri!r} holds a user name or password before '@', which "
                "hides the real host; leave it out."
            )
        return uri
    if parts.scheme == "urn" and uri.lower().startswith(OUT_OF_BAND):
        # RFC 8252 7: native apps use a private-use scheme or a loopback port instead
        raise InvalidRedirectUri(
            f"{OUT_OF_BAND} (out-of-band, the code shown for copying) is deprecated and "
            f"not supported. {ALLOWED_SCHEMES}"
        )
    # RFC 8252 7.1: a native app's private-use scheme is a reverse domain name
    if "." not in parts.scheme:
        raise InvalidRedirectUri(
            f"The scheme {parts.scheme!r} is not allowed in a redirect URI. {ALLOWED_SCHEMES}"
        )
    return uri


def _string_list(metadata: dict[str, Any], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = metadata.get(name)
    if value is None:
        return default
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidClientMetadata(f"{name} must be a JSON array of strings.")
    return tuple(dict.fromkeys(value))


def _string(metadata: dict[str, Any], name: str, default: str) -> str:
    value = metadata.get(name, default)
    if not isinstance(value, str):
        raise InvalidClientMetadata(f"{name} must be a string.")
    return value


class RegistrationEndpoint(Endpoint):
    methods = ("POST",)

    async def post(self, request: Request) -> Response:
        limited = rate_limited(self.services, "register", request)
        if limited is not None:
            return json_error(limited)
        try:
            metadata = await self._read_json(request)
            fields = self.validate(metadata)
            try:
                client = self.store.add_client(**fields, registered_from=client_address(request))
            except OverflowError as exc:
                raise InvalidClientMetadata(f"No more applications now. {exc}") from None
        except OAuthError as exc:
            return json_error(exc)
        # RFC 7591 3.2.1: 201 Created with the client information
        return json_response(client.metadata(), status_code=201)

    async def _read_json(self, request: Request) -> dict[str, Any]:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise InvalidClientMetadata(
                "Send the client metadata as Content-Type: application/json (RFC 7591 3.1)."
            )
        try:
            data = json.loads(await read_body(request))
        except (ValueError, RecursionError):
            raise InvalidClientMetadata("The body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise InvalidClientMetadata("The client metadata must be a JSON object.")
        try:
            # RFC 8259 8.2: an escape such as "\ud800" alone is no character, and
            # UTF-8 cannot carry it: refuse it here, before anything is stored
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidClientMetadata(
                "The JSON holds a lone surrogate escape (such as \\ud800), which is no "
                "character (RFC 8259 8.2). Send text as UTF-8, or escape a character "
                "outside the BMP as a surrogate pair."
            ) from None
        return data

    def validate(self, metadata: dict[str, Any]) -> dict[str, Any]:
        """Checked metadata ready for `Store.add_client`, or an RFC 7591 3.2.2 error."""
        grant_types = _string_list(metadata, "grant_types", DEFAULT_GRANT_TYPES)
        for grant in grant_types:
            # RFC 7591 3.2.2: invalid_client_metadata for a grant type the server lacks
            if grant not in GRANTS:
                raise InvalidClientMetadata(
                    f"grant_type {grant!r} is not supported here; choose from {', '.join(GRANTS)}."
                )
        if "authorization_code" not in grant_types:
            raise InvalidClientMetadata("This server issues the authorization_code grant only.")
        response_types = _string_list(metadata, "response_types", ("code",))
        if response_types != ("code",):
            raise InvalidClientMetadata('response_types must be ["code"] (RFC 7591 2.1).')
        redirect_uris = _string_list(metadata, "redirect_uris", ())
        if not redirect_uris:
            # the portal's rule: no Code grant before a callback URL is given
            raise InvalidRedirectUri(
                "The Code grant needs at least one redirect URI (callback URL) (RFC 7591 2)."
            )
        if len(redirect_uris) > MAX_REDIRECT_URIS:
            raise InvalidRedirectUri(f"At most {MAX_REDIRECT_URIS} redirect URIs.")
        for uri in redirect_uris:
            check_redirect_uri(uri, allow_regexp=self.config.lab("regexp_redirect_uris"))
        method = _string(metadata, "token_endpoint_auth_method", "client_secret_basic")
        if method not in CLIENT_AUTH_METHODS:
            raise InvalidClientMetadata(
                f"token_endpoint_auth_method {method!r} is not supported; choose "
                f"{' or '.join(CLIENT_AUTH_METHODS)}."
            )
        profile = self.config.profile_rules()
        if profile is not None and method not in profile.auth_methods:
            # RFC 7591 3.2.2: a value the server does not accept is invalid_client_metadata
            raise InvalidClientMetadata(
                f"token_endpoint_auth_method {method} is refused by the profile {profile.name} "
                f"({profile.title}): {profile.refused_auth_methods.get(method, '')}."
            )
        keys = self._keys(metadata, method)
        par = metadata.get("require_pushed_authorization_requests", False)
        if not isinstance(par, bool):
            raise InvalidClientMetadata(
                "require_pushed_authorization_requests must be true or false (RFC 9126 6)."
            )
        client_name = _string(metadata, "client_name", "Application").strip() or "Application"
        if len(client_name) > 200:
            raise InvalidClientMetadata("client_name may be 200 characters at most.")
        raw_scope = _string(metadata, "scope", "") or None
        try:
            scope = parse_scope(raw_scope, self.config.scopes, self.config.scopes)
        except OAuthError as exc:
            raise InvalidClientMetadata(exc.description) from None
        return {
            "client_name": client_name,
            "redirect_uris": redirect_uris,
            "grant_types": grant_types,
            "token_endpoint_auth_method": method,
            "scope": scope,
            "require_pushed_authorization_requests": par,
            **keys,
        }

    def _keys(self, metadata: dict[str, Any], method: str) -> dict[str, str]:
        """jwks or jwks_uri, the public keys of a private_key_jwt client (RFC 7591 2)."""
        jwks, jwks_uri = metadata.get("jwks"), metadata.get("jwks_uri")
        # RFC 7591 2: "The jwks_uri and jwks parameters MUST NOT both be present"
        if jwks is not None and jwks_uri is not None:
            raise InvalidClientMetadata("Send jwks or jwks_uri, not both (RFC 7591 2).")
        if method == "private_key_jwt" and jwks is None and jwks_uri is None:
            raise InvalidClientMetadata(
                "token_endpoint_auth_method private_key_jwt needs the client's public keys: "
                "send jwks (a JWK Set) or jwks_uri (where to fetch it) (RFC 7591 2)."
            )
        if jwks is not None:
            return {"jwks": check_jwks(jwks)}
        if jwks_uri is not None:
            return {"jwks_uri": check_jwks_uri(jwks_uri)}
        return {}
