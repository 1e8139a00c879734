"""The protected resources: the sample app's "Import Photos" API, and a calendar (RFC 6750).

GET /api/photos
Authorization: Bearer <access_token>

Each refuses a token issued for another API (RFC 8707, `resource_indicators`), and
its 401 says where its metadata is (RFC 9728 5.1), so a client that knows only the
API finds the authorization server.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .endpoint import Endpoint
from .errors import InvalidRequest, InvalidToken, OAuthError
from .httpio import NO_STORE
from .records import Token
from .resource_indicators import check_audience, metadata_url

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


class PhotosEndpoint(Endpoint):
    methods = ("GET",)
    path = "/api/photos"  # its resource identifier is the issuer followed by it (RFC 8707 2)

    async def get(self, request: Request) -> Response:
        try:
            token = self.authenticate(request)
            check_audience(self.config, token, self.path)  # RFC 8707, RFC 9068 4
        except OAuthError as exc:
            challenge = bearer_challenge(
                exc, resource_metadata=metadata_url(self.config, self.path)
            )
            headers = {**NO_STORE, "WWW-Authenticate": challenge}
            status = exc.status_code if isinstance(exc, InvalidToken) else 400
            return JSONResponse(exc.as_dict(), status_code=status, headers=headers)
        self.store.note_api_call(token)
        # a user's photos are theirs: no shared cache may keep them (RFC 9111 5.2.2.5)
        return JSONResponse(self.body(token), headers=NO_STORE)

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
        # The kit's contract answers error="invalid_token" also when no token was sent,
        # so a learner always sees why; RFC 6750 3.1 only says SHOULD NOT here.
        if scheme.lower() != "bearer" or not value:
            raise InvalidToken("No bearer access token was sent (RFC 6750 2.1).")
        token = self.store.active_token(value)
        if token is None or token.kind != "access_token":
            raise InvalidToken("The access token is unknown, expired or revoked.")
        return token


class CalendarEndpoint(PhotosEndpoint):
    """A second API on the same server (GET /api/calendar): a token for it is not for photos."""

    path = "/api/calendar"

    def body(self, token: Token) -> dict[str, object]:
        events = [{"date": "2026-06-21", "title": "Midsummer photo walk"}]
        return {"user": token.username, "events": events}
