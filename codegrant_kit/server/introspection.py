"""Token introspection (RFC 7662 2.1, 2.2)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .client_auth import authenticated_form
from .endpoint import Endpoint
from .errors import InvalidClient, OAuthError
from .httpio import json_error, json_response


class IntrospectionEndpoint(Endpoint):
    methods = ("POST",)

    async def post(self, request: Request) -> Response:
        try:
            # RFC 7662 2.1: the endpoint MUST require some form of authorization
            params, client = await authenticated_form(request, self.store, self.services)
            # RFC 7662 2.1: a client_id alone (a public client) is no authorization
            if client.is_public:
                raise InvalidClient(
                    "A public client cannot introspect tokens: the endpoint requires "
                    "authorization, and a client_id alone proves nothing (RFC 7662 2.1)."
                )
            # REQUIRED. The string value of the token.
            value = params.require("token")
        except OAuthError as exc:
            return json_error(exc)
        token = self.store.active_token(value)
        if token is None:
            # RFC 7662 2.2: an unknown, expired or revoked token is just inactive
            return json_response({"active": False})
        if token.client_id != client.client_id:
            # RFC 7662 4: "the authorization server MAY respond with an inactive
            # response" to a client not allowed to see this token: answer as for an unknown one
            return json_response({"active": False})
        body: dict[str, Any] = {
            "active": True,
            "scope": " ".join(token.scope),
            "client_id": token.client_id,
            "username": token.username,
            "exp": int(token.expires_at),
            "iat": int(token.issued_at),
            "sub": token.username,
            "iss": self.config.issuer,
        }
        if token.kind == "access_token":
            # RFC 9449 6.2: a DPoP-bound token is of type DPoP, its key's thumbprint in cnf
            body["token_type"] = "Bearer" if token.jkt is None else "DPoP"
        if token.jkt is not None:
            body["cnf"] = {"jkt": token.jkt}
        if token.resource is not None:
            # RFC 7662 2.2 aud; RFC 8707 2: the resource the token is for
            body["aud"] = token.resource
        return json_response(body)
