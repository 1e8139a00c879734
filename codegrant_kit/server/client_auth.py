"""Client authentication at the token, introspection and revocation endpoints.

RFC 6749 2.3.1: a confidential client sends its client_id and client_secret
either in an HTTP Basic header (client_secret_basic), each first encoded with
application/x-www-form-urlencoded, or in the request body (client_secret_post).
A public client (RFC 6749 2.1) registered "none" and sends its client_id alone.

Each method is a `ClientAuthMethod` in one registry (`CLIENT_AUTH_METHODS`):
registration accepts the methods in it, the metadata lists them, and
`authenticate_client` asks each whether the request uses it.
"""

from __future__ import annotations

import hmac
import json
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import ClassVar, TypeVar
from urllib.parse import unquote_plus
from weakref import WeakKeyDictionary

from starlette.requests import Request

from .client_assertions import (
    ASSERTION_TYPE,
    JtiCache,
    JwksCache,
    check_assertion,
    read_assertion,
    replay_window_end,
)
from .config import ServerConfig
from .errors import InvalidClient, InvalidRequest, TooManyAttempts
from .httpio import basic_credentials, client_address, read_form
from .params import Params
from .records import Client
from .services import Services
from .store import Store

NO_AUTHENTICATION = (
    "No client authentication: send an Authorization: Basic header, or "
    "client_id and client_secret in the body (RFC 6749 2.3.1)."
)


def parse_basic(header: str) -> tuple[str, str]:
    """Client id and secret from `Basic base64(urlencode(id):urlencode(secret))`.

    >>> parse_basic("Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW")
    ('s6BhdRkqt3', 'gX1fBat3bV')
    """
    try:
        client_id, secret = basic_credentials(header)
    except ValueError as exc:
        raise InvalidClient(str(exc)) from None
    # RFC 6749 2.3.1: both are encoded with application/x-www-form-urlencoded first
    try:
        return unquote_plus(client_id, errors="strict"), unquote_plus(secret, errors="strict")
    except UnicodeDecodeError:
        raise InvalidClient("The Basic credentials are not URL-encoded UTF-8.") from None


Headers = Mapping[str, str]  # the request's headers (Starlette's are case-insensitive)


class ClientAuthMethod(ABC):
    """One token_endpoint_auth_method (RFC 7591 2): how a client proves who it is."""

    method: ClassVar[str]
    how: ClassVar[str]  # told to a client that registered this method and used another

    @abstractmethod
    def used_by(self, headers: Headers, params: Params) -> bool:
        """Does this request authenticate with this method?"""

    @abstractmethod
    def client_id(self, headers: Headers, params: Params) -> str:
        """The client_id the request claims; InvalidClient if its credentials are malformed."""

    @abstractmethod
    def verify(
        self, config: ServerConfig, client: Client | None, headers: Headers, params: Params
    ) -> bool:
        """Do the credentials prove `client`? In the same time when `client` is None."""

    def remember(self, services: Services, client: Client, params: Params) -> None:
        """After `verify`: refuse credentials that work once only and were used (InvalidClient)."""
        return None  # a shared secret works every time


class SharedSecret(ClientAuthMethod):
    """RFC 6749 2.3.1: the client_secret the server issued, compared in constant time."""

    @abstractmethod
    def secret(self, headers: Headers, params: Params) -> str: ...

    def verify(
        self, config: ServerConfig, client: Client | None, headers: Headers, params: Params
    ) -> bool:
        # a stand-in secret for unknown clients (and public ones, which have none: an
        # empty client_secret must not match), so timing tells nothing
        known = client is not None and not client.is_public
        expected = client.client_secret if client and known else config.randomness.token(21)
        presented = self.secret(headers, params)
        matches = hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))
        # a client that registered keys (private_key_jwt) proves itself with them only
        return matches and known and client is not None and not (client.jwks or client.jwks_uri)


CLIENT_AUTH_METHODS: dict[str, ClientAuthMethod] = {}
M = TypeVar("M", bound=type[ClientAuthMethod])


def register_client_auth_method(cls: M) -> M:
    """Add a client authentication method to the server (a class decorator)."""
    CLIENT_AUTH_METHODS[cls.method] = cls()
    return cls


@register_client_auth_method
class ClientSecretBasic(SharedSecret):
    method = "client_secret_basic"
    how = "send client_id and client_secret in an Authorization: Basic header, not in the body"

    def used_by(self, headers: Headers, params: Params) -> bool:
        return headers.get("authorization") is not None

    def client_id(self, headers: Headers, params: Params) -> str:
        client_id, _ = parse_basic(headers.get("authorization") or "")
        body_id = params.get("client_id")
        if body_id is not None and body_id != client_id:
            raise InvalidRequest("client_id in the body differs from the one in the header.")
        return client_id

    def secret(self, headers: Headers, params: Params) -> str:
        return parse_basic(headers.get("authorization") or "")[1]


@register_client_auth_method
class ClientSecretPost(SharedSecret):
    method = "client_secret_post"
    how = "send client_id and client_secret in the body, not in an Authorization header"

    def used_by(self, headers: Headers, params: Params) -> bool:
        return params.get("client_secret") is not None

    def client_id(self, headers: Headers, params: Params) -> str:
        client_id = params.get("client_id")
        if client_id is None:
            raise InvalidClient(NO_AUTHENTICATION)
        return client_id

    def secret(self, headers: Headers, params: Params) -> str:
        return params.get("client_secret") or ""


@register_client_auth_method
class PrivateKeyJwt(ClientAuthMethod):
    """RFC 7523 2.2: a JWT signed with the client's private key (`client_assertions`)."""

    method = "private_key_jwt"
    how = (
        f"send client_assertion_type={ASSERTION_TYPE} and a client_assertion signed with "
        "the private key of the keys you registered"
    )

    def used_by(self, headers: Headers, params: Params) -> bool:
        return (
            params.get("client_assertion") is not None
            or params.get("client_assertion_type") is not None
        )

    def client_id(self, headers: Headers, params: Params) -> str:
        # RFC 7521 4.2: client_assertion_type MUST be the JWT bearer URN (RFC 7523 2.2)
        if params.get("client_assertion_type") != ASSERTION_TYPE:
            raise InvalidClient(f"client_assertion_type must be {ASSERTION_TYPE} (RFC 7523 2.2).")
        assertion = params.get("client_assertion")
        if assertion is None:
            raise InvalidClient("client_assertion_type was sent without a client_assertion.")
        # read, not trusted: verify checks that the client's key signed it
        sub = read_assertion(assertion)[1].get("sub")
        if not isinstance(sub, str) or not sub:
            raise InvalidClient("client_assertion has no sub, the client_id (RFC 7523 3).")
        # RFC 7521 4.2: a client_id beside the assertion must name the same client
        body_id = params.get("client_id")
        if body_id is not None and body_id != sub:
            raise InvalidClient("client_id in the body differs from the assertion's sub.")
        return sub

    def verify(
        self, config: ServerConfig, client: Client | None, headers: Headers, params: Params
    ) -> bool:
        # no secret to guess here: the signature needs the client's private key, so an
        # unknown client_id may be answered at once (client ids are public anyway)
        if client is None or not (client.jwks or client.jwks_uri):
            return False
        jwks = json.loads(client.jwks) if client.jwks else JWKS_CACHE.get(client.jwks_uri or "")
        check_assertion(config, client, params.get("client_assertion") or "", jwks)
        return True

    def remember(self, services: Services, client: Client, params: Params) -> None:
        claims = read_assertion(params.get("client_assertion") or "")[1]
        jtis = JTI_CACHES.get(services)
        if jtis is None:
            jtis = JTI_CACHES[services] = JtiCache(services.config.clock)
        # RFC 7523 3 item 7: the server MAY ensure a JWT is not replayed, by its jti
        refused = jtis.add(client.client_id, claims["jti"], replay_window_end(claims))
        if refused is not None:
            raise InvalidClient(f"client_assertion refused: {refused} (RFC 7523 3).")


@register_client_auth_method
class NoAuthentication(ClientAuthMethod):
    """RFC 6749 2.1, 3.2.1: a public client has no secret and sends only its client_id.

    RFC 7591 2 names this method "none". Only a client that registered it passes: a
    confidential client's client_id alone proves nothing. PKCE is then the only proof
    that the app redeeming a code is the one that asked for it (`authorize.py`).
    """

    method = "none"
    how = "send only client_id in the body, without a secret or an Authorization header"

    def used_by(self, headers: Headers, params: Params) -> bool:
        others = ("client_secret", "client_assertion", "client_assertion_type")
        return (
            headers.get("authorization") is None
            and params.get("client_id") is not None
            and all(params.get(name) is None for name in others)
        )

    def client_id(self, headers: Headers, params: Params) -> str:
        return params.get("client_id") or ""

    def verify(
        self, config: ServerConfig, client: Client | None, headers: Headers, params: Params
    ) -> bool:
        return client is not None and client.is_public


# fetched JWK Sets are public keys, shared by the servers of one process; the jti of
# each server's accepted assertions are its own
JWKS_CACHE = JwksCache(time.time)
JTI_CACHES: WeakKeyDictionary[Services, JtiCache] = WeakKeyDictionary()


def authenticate_client(
    store: Store,
    services: Services,
    headers: Headers,
    params: Params,
    address: str = "unknown",
    *,
    token_endpoint: bool = False,
) -> Client:
    """The client that this request authenticates, or InvalidClient.

    At the token endpoint the client must use the method it registered.
    """
    used = [m for m in CLIENT_AUTH_METHODS.values() if m.used_by(headers, params)]
    # RFC 6749 2.3: the client MUST NOT use more than one authentication method
    if len(used) > 1:
        raise InvalidRequest(
            f"The client authenticated {len(used)} ways ({', '.join(m.method for m in used)}); "
            "use one method (RFC 6749 2.3)."
        )
    if not used:
        raise InvalidClient(NO_AUTHENTICATION)
    [method] = used
    profile = store.config.profile_rules()
    # a profile (OAuth 2.1 2.4.1, FAPI 2.0 5.3.2.1) allows some methods only
    if profile is not None and method.method not in profile.auth_methods:
        raise InvalidClient(
            f"This server runs the profile {profile.name} ({profile.title}), which refuses "
            f"{method.method}: {profile.refused_auth_methods.get(method.method, 'not allowed')}."
        )
    client_id = method.client_id(headers, params)
    # per client AND address: client ids are public, so a count per client alone
    # would let anyone lock the real client out
    keys = [("client", f"{client_id} {address}"), ("address", address)]
    wait = services.throttle.retry_after(keys)
    if wait is not None:
        raise TooManyAttempts(
            f"Too many failed client authentications from this client or address; try "
            f"again in {wait} s (RFC 6749 10.10).",
            wait,
        )
    client = store.get_client(client_id)
    try:
        verified = method.verify(store.config, client, headers, params)
    except InvalidClient:  # a client assertion says what is wrong with it
        services.throttle.failed(keys)
        raise
    if not verified or client is None:
        services.throttle.failed(keys)
        if client is not None and method.method == "none":
            its = CLIENT_AUTH_METHODS.get(client.token_endpoint_auth_method)
            raise InvalidClient(
                "client_secret is missing: this application is confidential (it registered "
                f"token_endpoint_auth_method {client.token_endpoint_auth_method}) and must "
                f"authenticate: {its.how if its else 'use that method'} "
                "(RFC 6749 2.3.1)."
            )
        raise InvalidClient("Client authentication failed: unknown client or wrong secret.")
    method.remember(services, client, params)
    # RFC 7591 2: token_endpoint_auth_method, the method the client registered; the
    # introspection and revocation endpoints have their own (RFC 8414 2): any works there
    registered = client.token_endpoint_auth_method
    if token_endpoint and method.method != registered:
        known = CLIENT_AUTH_METHODS.get(registered)
        how = known.how if known else "authenticate with that method"
        raise InvalidClient(
            f"This application registered token_endpoint_auth_method {registered}: {how} "
            "(RFC 7591 2)."
        )
    return client


async def authenticated_form(
    request: Request, store: Store, services: Services, *, token_endpoint: bool = False
) -> tuple[Params, Client]:
    """The form of a client-authenticated POST and the client it authenticates.

    Used by the token, introspection and revocation endpoints; RFC 6749 3.2: each
    parameter at most once.
    """
    params = await read_form(request)
    params.check_not_repeated()
    client = authenticate_client(
        store,
        services,
        request.headers,
        params,
        client_address(request),
        token_endpoint=token_endpoint,
    )
    return params, client
