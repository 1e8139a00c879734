"""The protected resources: the sample app's "Import Photos" API, and a calendar (RFC 6750;
RFC 9449 7).

GET /api/photos
Authorization: Bearer <access_token>

A DPoP-bound token (token_type "DPoP") comes with a proof for this request, signed
by the key the token is bound to (`dpop`); the same token sent as Bearer is refused:

GET /api/photos
Authorization: DPoP <access_token>
DPoP: <proof: htm GET, htu .../api/photos, iat, jti, ath>

Each refuses a token issued for another API (RFC 8707, `resource_indicators`), and
its 401 says where its metadata is (RFC 9728 5.1), so a client that knows only the
API finds the authorization server.
"""

from __future__ import annotations

import base64
import binascii
import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .dpop import ALGORITHMS
from .endpoint import Endpoint
from .errors import InvalidDpopProof, InvalidRequest, InvalidToken, OAuthError, UseDpopNonce
from .httpio import NO_STORE
from .records import Token
from .resource_indicators import check_audience, metadata_url
from .services import Services
from .store import Store

PHOTO_TITLES = ("Sunrise over the lake", "Tea fields in the hills", "The old lighthouse")


def photos_of(username: str) -> list[dict[str, object]]:
    return [
        {"id": n, "owner": username, "title": title, "url": f"/photos/{username}/{n}.jpg"}
        for n, title in enumerate(PHOTO_TITLES, start=1)
    ]


def bearer_challenge(
    error: OAuthError, realm: str = "codegrant-kit", resource_metadata: str | None = None
) -> str:
    # RFC 6750 3: WWW-Authenticate: Bearer realm="...", error="...", error_description="..."
    description = error.description.replace("\\", "").replace('"', "'")
    challenge = f'Bearer realm="{realm}", error="{error.error}", error_description="{description}"'
    if resource_metadata is not None:
        # RFC 9728 5.1: where the API's metadata, and so its authorization server, is
        challenge += f', resource_metadata="{resource_metadata}"'
    return challenge


def dpop_challenge(error: OAuthError) -> str:
    # RFC 9449 7.1: WWW-Authenticate: DPoP error="...", algs="ES256 ..."
    description = error.description.replace("\\", "").replace('"', "'")
    return (
        f'DPoP error="{error.error}", error_description="{description}", '
        f'algs="{" ".join(ALGORITHMS)}"'
    )


class DpopRefusal(Exception):
    """A refusal answered with the DPoP challenge (RFC 9449 7.1), not the Bearer one."""

    def __init__(self, error: OAuthError) -> None:
        super().__init__(error.description)
        self.error = error

    def response(self, headers: dict[str, str]) -> JSONResponse:
        headers = {**headers, "WWW-Authenticate": dpop_challenge(self.error)}
        if isinstance(self.error, UseDpopNonce):
            headers["DPoP-Nonce"] = self.error.nonce
        # RFC 9449 7.1, 9: every DPoP refusal at a resource is a 401
        return JSONResponse(self.error.as_dict(), status_code=401, headers=headers)


def refuse_bound_as_bearer(token: Token) -> None:
    # RFC 9449 7.2: a DPoP-bound token MUST NOT be accepted as a bearer token
    if token.jkt is not None:
        raise DpopRefusal(
            InvalidToken(
                "This access token is bound to a DPoP key: send it as "
                "'Authorization: DPoP <token>' with a DPoP proof (RFC 9449 7)."
            )
        )


def dpop_bound_token(
    store: Store, services: Services, request: Request, value: str, uris: tuple[str, ...]
) -> Token:
    """The token of `Authorization: DPoP <token>`, if the request's proof is of its key.

    `uris`: what the client may have called this resource (for the proof's htu).
    """
    token = store.active_token(value) if value else None
    if token is None or token.kind != "access_token":
        raise DpopRefusal(InvalidToken("The access token is unknown, expired or revoked."))
    if token.jkt is None:
        raise DpopRefusal(
            InvalidToken(
                "This access token is not bound to a DPoP key: send it as "
                "'Authorization: Bearer <token>' (RFC 9449 7.1)."
            )
        )
    try:
        proof = services.dpop.verify(
            request.headers.getlist("dpop"), request.method, uris, access_token=value
        )
    except (InvalidDpopProof, UseDpopNonce) as exc:
        raise DpopRefusal(exc) from None
    # RFC 9449 7.1: the public key of the proof is the one the token is bound to
    if proof.jkt != token.jkt:
        raise DpopRefusal(
            InvalidDpopProof(
                "The DPoP proof is signed by another key than the one this access token "
                "is bound to (cnf.jkt): a stolen token does not work without its key."
            )
        )
    return token


class PhotosEndpoint(Endpoint):
    methods = ("GET",)
    path = "/api/photos"  # its resource identifier is the issuer followed by it (RFC 8707 2)

    async def get(self, request: Request) -> Response:
        headers = dict(NO_STORE)
        if self.config.dpop_nonce:
            # RFC 9449 9: the nonce for the client's next proof
            headers["DPoP-Nonce"] = self.services.dpop.nonce()
        try:
            token = self.authenticate(request)
            check_audience(self.config, token, self.path)  # RFC 8707, RFC 9068 4
        except DpopRefusal as refusal:
            return refusal.response(headers)
        except OAuthError as exc:
            headers["WWW-Authenticate"] = bearer_challenge(
                exc, resource_metadata=metadata_url(self.config, self.path)
            )
            status = exc.status_code if isinstance(exc, InvalidToken) else 400
            return JSONResponse(exc.as_dict(), status_code=status, headers=headers)
        self.store.note_api_call(token)
        # a user's photos are theirs: no shared cache may keep them (RFC 9111 5.2.2.5)
        return JSONResponse(self.body(token), headers=headers)

    def body(self, token: Token) -> dict[str, object]:
        return {"user": token.username, "photos": photos_of(token.username)}

    def authenticate(self, request: Request) -> Token:
        query_token = request.query_params.get("access_token")
        if query_token and self.config.lab("token_in_query"):
            header = f"Bearer {query_token}"  # LAB: RFC 6750 2.3's URI query parameter
        elif b"access_token=" in request.scope["query_string"]:
            # RFC 9700 4.3.2, RFC 6750 2.3: access tokens never in URLs
            raise InvalidRequest(
                "Send the access token in the Authorization header, never in the URL, "
                "where logs and browser history keep it (RFC 9700 4.3.2)."
            )
        else:
            header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        # RFC 9110 5.5: spaces and tabs around a field value are not part of it (str.strip()
        # would drop a no-break space too, and accept a token that is not this one)
        value = value.strip(" \t")
        if scheme.lower() == "dpop":
            uris = (self.config.issuer + self.path, str(request.url))
            return dpop_bound_token(self.store, self.services, request, value, uris)
        # The kit's contract answers error="invalid_token" also when no token was sent,
        # so a learner always sees why; RFC 6750 3.1 only says SHOULD NOT here.
        if scheme.lower() != "bearer" or not value:
            raise InvalidToken("No bearer access token was sent (RFC 6750 2.1).")
        token = self.store.active_token(value)
        if token is None and looks_like_id_token(value):
            # OIDC Core 2: the ID token's aud is the client; it grants nothing at an API
            raise InvalidToken(
                "This looks like an ID token (a JWT whose typ is JWT): it tells the client "
                "who signed in, and is meant for the client (its aud), not for this API. "
                "Send the token response's access_token (OIDC Core 2)."
            )
        if token is None or token.kind != "access_token":
            raise InvalidToken("The access token is unknown, expired or revoked.")
        refuse_bound_as_bearer(token)
        return token


def looks_like_id_token(value: str) -> bool:
    """Whether a bearer value is a JWT whose header's typ is "JWT", as this server's ID
    tokens are; its JWT access tokens say "at+jwt" (RFC 9068 2.1).

    >>> looks_like_id_token("eyJ0eXAiOiJKV1QifQ.e30.c2ln"), looks_like_id_token("x.y.z")
    (True, False)
    """
    head, dot, _ = value.partition(".")
    if not dot or len(head) > 4096:
        return False
    try:
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (ValueError, binascii.Error, RecursionError):
        return False
    return isinstance(header, dict) and header.get("typ") == "JWT"


class CalendarEndpoint(PhotosEndpoint):
    """A second API on the same server (GET /api/calendar): a token for it is not for photos."""

    path = "/api/calendar"

    def body(self, token: Token) -> dict[str, object]:
        events = [{"date": "2026-06-21", "title": "Midsummer photo walk"}]
        return {"user": token.username, "events": events}
