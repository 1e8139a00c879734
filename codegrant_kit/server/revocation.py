"""Token revocation (RFC 7009 2.1, 2.2)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from .client_auth import authenticated_form
from .config import ServerConfig
from .errors import OAuthError, UnauthorizedClient
from .httpio import json_error, json_response, method_not_allowed
from .store import Store


class RevocationEndpoint:
    def __init__(self, config: ServerConfig, store: Store) -> None:
        self.config = config
        self.store = store

    async def handle(self, request: Request) -> Response:
        if request.method != "POST":
            return method_not_allowed("POST")
        try:
            params, client = await authenticated_form(request, self.store)
            # REQUIRED. The token that the client wants to get revoked.
            token = self.store.active_token(params.require("token"))
            if token is not None and token.client_id != client.client_id:
                # RFC 7009 2.1: a token of another client is refused, and the client told
                raise UnauthorizedClient("This token was issued to another client.")
        except OAuthError as exc:
            return json_error(exc)
        if token is not None:
            self.store.revoke_token(token)
        # RFC 7009 2.2: 200 whether or not the token was valid
        return json_response({})
