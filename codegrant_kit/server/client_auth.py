"""Client authentication at the token, introspection and revocation endpoints.

RFC 6749 2.3.1: a confidential client sends its client_id and client_secret
either in an HTTP Basic header (client_secret_basic), each first encoded with
application/x-www-form-urlencoded, or in the request body (client_secret_post).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from urllib.parse import unquote_plus

from starlette.requests import Request

from .errors import InvalidClient, InvalidRequest, TooManyAttempts
from .httpio import client_address, read_form
from .params import Params
from .store import Client, Store


def parse_basic(header: str) -> tuple[str, str]:
    """Client id and secret from `Basic base64(urlencode(id):urlencode(secret))`.

    >>> parse_basic("Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW")
    ('s6BhdRkqt3', 'gX1fBat3bV')
    """
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise InvalidClient("The Authorization header is not HTTP Basic (RFC 7617).")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidClient("The Basic credentials are not valid base64 of UTF-8 text.") from None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise InvalidClient("The Basic credentials hold no ':' between client id and secret.")
    # RFC 6749 2.3.1: both are encoded with application/x-www-form-urlencoded first
    return unquote_plus(client_id, errors="strict"), unquote_plus(secret, errors="strict")


def authenticate_client(
    store: Store,
    authorization: str | None,
    params: Params,
    address: str = "unknown",
    *,
    token_endpoint: bool = False,
) -> Client:
    """The client that this request authenticates, or InvalidClient.

    At the token endpoint the client must use the method it registered.
    """
    body_id, body_secret = params.get("client_id"), params.get("client_secret")
    if authorization is not None:
        # RFC 6749 2.3: the client MUST NOT use more than one authentication method
        if body_secret is not None:
            raise InvalidRequest(
                "The client authenticated twice, in the Authorization header and with "
                "client_secret in the body; use one method (RFC 6749 2.3)."
            )
        try:
            client_id, secret = parse_basic(authorization)
        except UnicodeDecodeError:
            raise InvalidClient("The Basic credentials are not URL-encoded UTF-8.") from None
        if body_id is not None and body_id != client_id:
            raise InvalidRequest("client_id in the body differs from the one in the header.")
        method = "client_secret_basic"
    elif body_id is not None and body_secret is not None:
        client_id, secret = body_id, body_secret
        method = "client_secret_post"
    elif body_id is not None:
        raise InvalidClient(
            "client_secret is missing: this server's clients are confidential and must "
            "authenticate (RFC 6749 2.3.1)."
        )
    else:
        raise InvalidClient(
            "No client authentication: send an Authorization: Basic header, or "
            "client_id and client_secret in the body (RFC 6749 2.3.1)."
        )
    # per client AND address: client ids are public, so a count per client alone
    # would let anyone lock the real client out
    keys = [("client", f"{client_id} {address}"), ("address", address)]
    wait = store.throttle.retry_after(keys)
    if wait is not None:
        raise TooManyAttempts(
            f"Too many failed client authentications from this client or address; try "
            f"again in {wait} s (RFC 6749 10.10).",
            wait,
        )
    client = store.get_client(client_id)
    expected = client.client_secret if client else store.new_secret(21)
    # compare in constant time, and spend it for unknown clients too
    matches = hmac.compare_digest(secret.encode("utf-8"), expected.encode("utf-8"))
    if client is None or not matches:
        store.throttle.failed(keys)
        raise InvalidClient("Client authentication failed: unknown client or wrong secret.")
    # RFC 7591 2: token_endpoint_auth_method, the method the client registered; the
    # introspection and revocation endpoints have their own (RFC 8414 2): either works there
    registered = client.token_endpoint_auth_method
    if token_endpoint and method != registered:
        how = _HOW.get(registered, "authenticate with that method")
        raise InvalidClient(
            f"This application registered token_endpoint_auth_method {registered}: {how} "
            "(RFC 7591 2)."
        )
    return client


_HOW = {
    "client_secret_basic": "send client_id and client_secret in an Authorization: Basic "
    "header, not in the body",
    "client_secret_post": "send client_id and client_secret in the body, not in an "
    "Authorization header",
}


async def authenticated_form(
    request: Request, store: Store, *, token_endpoint: bool = False
) -> tuple[Params, Client]:
    """The form of a client-authenticated POST and the client it authenticates.

    Used by the token, introspection and revocation endpoints; RFC 6749 3.2: each
    parameter at most once.
    """
    params = await read_form(request)
    params.check_not_repeated()
    client = authenticate_client(
        store,
        request.headers.get("authorization"),
        params,
        client_address(request),
        token_endpoint=token_endpoint,
    )
    return params, client
