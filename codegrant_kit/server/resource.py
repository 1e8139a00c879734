"""The protected resource: the sample app's "Import Photos" API (RFC 6750).

GET /api/photos
Authorization: Bearer <access_token>
"""

from __future__ import annotations

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
        # RFC 9110 5.5: spaces and tabs around a field value are not part of it (str.strip()
        # would drop a no-break space too, and accept a token that is not this one)
        value = value.strip(" \t")
        # The kit's contract answers error="invalid_token" also when no token was sent,
        # so a learner always sees why; RFC 6750 3.1 only says SHOULD NOT here.
        if scheme.lower() != "bearer" or not value:
            raise InvalidToken("No bearer access token was sent (RFC 6750 2.1).")
        token = self.store.active_token(value)
        if token is None or token.kind != "access_token":
            raise InvalidToken("The access token is unknown, expired or revoked.")
        return token
