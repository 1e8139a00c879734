"""The protected resource: the sample app's "Import Photos" API (RFC 6750).

GET /api/photos
Authorization: Bearer <access_token>
"""

from __future__ import annotations

import base64
import binascii
import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .endpoint import Endpoint
from .errors import InvalidRequest, InvalidToken, OAuthError
from .httpio import NO_STORE
from .records import Token

PHOTO_TITLES = ("Sunrise over the lake", "Tea fields in the hills", "The old lighthouse")


def photos_of(username: str) -> list[dict[str, object]]:
    return [
        {"id": n, "owner": username, "title": title, "url": f"/photos/{username}/{n}.jpg"}
        for n, title in enumerate(PHOTO_TITLES, start=1)
    ]


def bearer_challenge(error: OAuthError, realm: str = "codegrant-kit") -> str:
    # RFC 6750 3: WWW-Authenticate: Bearer realm="...", error="...", error_description="..."
    description = error.description.replace("\\", "").replace('"', "'")
    return f'Bearer realm="{realm}", error="{error.error}", error_description="{description}"'


class PhotosEndpoint(Endpoint):
    methods = ("GET",)

    async def get(self, request: Request) -> Response:
        try:
            token = self.authenticate(request)
        except OAuthError as exc:
            headers = {**NO_STORE, "WWW-Authenticate": bearer_challenge(exc)}
            status = exc.status_code if isinstance(exc, InvalidToken) else 400
            return JSONResponse(exc.as_dict(), status_code=status, headers=headers)
        self.store.note_api_call(token)
        # a user's photos are theirs: no shared cache may keep them (RFC 9111 5.2.2.5)
        body = {"user": token.username, "photos": photos_of(token.username)}
        return JSONResponse(body, headers=NO_STORE)

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
        # The kit's contract answers error="invalid_token" also when no token was sent,
        # so a learner always sees why; RFC 6750 3.1 only says SHOULD NOT here.
        if scheme.lower() != "bearer" or not value.strip():
            raise InvalidToken("No bearer access token was sent (RFC 6750 2.1).")
        token = self.store.active_token(value.strip())
        if token is None and looks_like_id_token(value.strip()):
            # OIDC Core 2: the ID token's aud is the client; it grants nothing at an API
            raise InvalidToken(
                "This looks like an ID token (a JWT whose typ is JWT): it tells the client "
                "who signed in, and is meant for the client (its aud), not for this API. "
                "Send the token response's access_token (OIDC Core 2)."
            )
        if token is None or token.kind != "access_token":
            raise InvalidToken("The access token is unknown, expired or revoked.")
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
