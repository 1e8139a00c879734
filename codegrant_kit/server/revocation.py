"""Token revocation (RFC 7009 2.1, 2.2)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from .client_auth import authenticated_form
from .endpoint import Endpoint
from .errors import OAuthError, UnauthorizedClient
from .httpio import json_error, json_response


class RevocationEndpoint(Endpoint):
    methods = ("POST",)

    async def post(self, request: Request) -> Response:
        try:
            params, client = await authenticated_form(request, self.store, self.services)
            # REQUIRED. The token that the client wants to get revoked.
            token = self.store.active_token(params.require("token"))
            if token is not None and token.client_id != client.client_id:
                # RFC 7009 2.1: a token of another client is refused, and the client told
                raise UnauthorizedClient("This token was issued to another client.")
        except OAuthError as exc:
            return json_error(exc)
        if token is not None and token.kind == "refresh_token":
            # RFC 7009 2.1: revoking a refresh token revokes its grant's access tokens too
            self.store.revoke_grant(token.grant_id)
        elif token is not None:
            self.store.delete_token(token)
        # RFC 7009 2.2: 200 whether or not the token was valid
        return json_response({})
