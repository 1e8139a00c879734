"""The UserInfo endpoint (OpenID Connect Core 1.0 5.3): the claims about the signed-in user.

    GET /userinfo                       POST /userinfo
    Authorization: Bearer <token>       Content-Type: application/x-www-form-urlencoded
                                        access_token=<token>      (RFC 6750 2.2)
    200 {"sub": "...", "name": ..., "preferred_username": ..., "email": ...,
         "email_verified": false}       the claims of the token's scopes (`claims`)

The sub is the one of the ID token (`subjects`): OIDC Core 5.3.2, "the sub Claim
in the UserInfo Response MUST be verified to exactly match the sub Claim in the ID
Token". Errors are RFC 6750 3.1's, with WWW-Authenticate: Bearer:

    401 invalid_token        no token, or one unknown, expired or revoked
    403 insufficient_scope   a token granted without openid
    400 invalid_request      the token in the URL, or sent two ways at once

A DPoP-bound token (RFC 9449 7) comes as `Authorization: DPoP <token>` with a proof,
as at the photos API (`resource`); sent as a bearer token it is refused.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .claims import user_claims
from .config import ServerConfig
from .endpoint import Endpoint
from .errors import InsufficientScope, InvalidRequest, InvalidToken, OAuthError
from .httpio import NO_STORE, read_form
from .metadata import PATHS
from .records import Token
from .resource import DpopRefusal, bearer_challenge, dpop_bound_token, refuse_bound_as_bearer
from .services import Services
from .store import Store
from .subjects import Subjects


class UserinfoEndpoint(Endpoint):
    # OIDC Core 5.3.1: "MUST support the use of the HTTP GET and HTTP POST methods"
    methods = ("GET", "POST")

    def __init__(
        self,
        config: ServerConfig,
        store: Store,
        services: Services | None = None,
        *,
        subjects: Subjects,
    ) -> None:
        super().__init__(config, store, services)
        self.subjects = subjects

    async def get(self, request: Request) -> Response:
        return await self.answer(request)

    async def post(self, request: Request) -> Response:
        return await self.answer(request, from_body=True)

    async def answer(self, request: Request, *, from_body: bool = False) -> Response:
        try:
            token = await self.authenticate(request, from_body)
            # OIDC Core 5.3: userinfo answers for an access token of an OpenID request
            if "openid" not in token.scope:
                raise InsufficientScope(
                    "This access token was granted without the openid scope, so it does not "
                    "let a client ask who the user is; ask for scope=openid (OIDC Core 5.3)."
                )
        except DpopRefusal as refusal:
            return refusal.response(NO_STORE)
        except OAuthError as exc:
            challenge = bearer_challenge(exc)
            if isinstance(exc, InsufficientScope):
                challenge += ', scope="openid"'  # RFC 6750 3: the scope that is needed
            headers = {**NO_STORE, "WWW-Authenticate": challenge}
            return JSONResponse(exc.as_dict(), status_code=exc.status_code, headers=headers)
        claims = {"sub": self.subjects.sub(token.username)}
        claims.update(user_claims(token.username, token.scope))
        return JSONResponse(claims, headers=NO_STORE)

    async def authenticate(self, request: Request, from_body: bool) -> Token:
        # RFC 9700 4.3.2, RFC 6750 2.3: access tokens never in URLs
        if b"access_token=" in request.scope["query_string"]:
            raise InvalidRequest(
                "Send the access token in the Authorization header (or a POST body), never "
                "in the URL, where logs and browser history keep it (RFC 9700 4.3.2)."
            )
        header = request.headers.get("authorization") or None
        in_body = None
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if from_body and content_type == "application/x-www-form-urlencoded":
            form = await read_form(request)
            # RFC 6749 3.1: parameters MUST NOT be included more than once
            form.check_not_repeated("access_token")
            in_body = form.get("access_token")
        # RFC 6750 2: "Clients MUST NOT use more than one method to transmit the token"
        if header is not None and in_body is not None:
            raise InvalidRequest(
                "The access token was sent both in the Authorization header and in the body; "
                "send it one way only (RFC 6750 2)."
            )
        if in_body is not None:
            value = in_body
        else:
            scheme, _, value = (header or "").partition(" ")
            # RFC 9110 5.5: spaces and tabs around a field value are not part of it
            value = value.strip(" \t")
            if scheme.lower() == "dpop":
                uris = (self.config.issuer + PATHS["userinfo_endpoint"], str(request.url))
                return dpop_bound_token(self.store, self.services, request, value, uris)
            # as at the photos API: invalid_token also when no token was sent, so a
            # learner always sees why (RFC 6750 3.1 only says SHOULD NOT here)
            if scheme.lower() != "bearer" or not value:
                raise InvalidToken(
                    "No bearer access token was sent: use Authorization: Bearer <token> "
                    "(RFC 6750 2.1) or a POST body access_token=<token> (RFC 6750 2.2)."
                )
        token = self.store.active_token(value)
        if token is None or token.kind != "access_token":
            raise InvalidToken("The access token is unknown, expired or revoked.")
        refuse_bound_as_bearer(token)
        return token
