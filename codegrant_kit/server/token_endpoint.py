"""The token endpoint (RFC 6749 3.2, 5.1, 5.2): client authentication, then the grant type.

The grant types are in `grants` (one registry, `GRANTS`); the client
authentication methods in `client_auth` (`CLIENT_AUTH_METHODS`); DPoP proofs
are checked in `dpop` (RFC 9449 5). This module only dispatches between them.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from .client_auth import authenticated_form
from .config import ServerConfig
from .endpoint import Endpoint
from .errors import InvalidDpopProof, OAuthError, UnsupportedGrantType
from .grants import GRANTS
from .grants.base import Signer
from .httpio import json_error, json_response, rate_limited
from .id_tokens import IdTokens
from .jwt_access_tokens import JwtSigner
from .metadata import PATHS
from .services import Services
from .store import Store


class TokenEndpoint(Endpoint):
    methods = ("POST",)

    def __init__(
        self,
        config: ServerConfig,
        store: Store,
        signer: JwtSigner | Signer | None = None,
        services: Services | None = None,
        id_tokens: IdTokens | None = None,
    ) -> None:
        super().__init__(config, store, services)
        self.signer = signer  # of JWT access tokens; None: opaque ones
        self.id_tokens = id_tokens

    async def post(self, request: Request) -> Response:
        limited = rate_limited(self.services, "token", request)
        if limited is not None:
            return json_error(limited)
        try:
            params, client = await authenticated_form(
                request, self.store, self.services, token_endpoint=True
            )
            grant_type = params.require("grant_type")
            grant = GRANTS.get(grant_type)
            if grant is None:
                # RFC 6749 5.2 unsupported_grant_type
                raise UnsupportedGrantType(
                    f"grant_type {grant_type!r} is not supported here; use {' or '.join(GRANTS)}."
                )
            handler = grant(self.config, self.store, self.services, self.signer, self.id_tokens)
            handler.check_client_allowed(client)  # RFC 6749 5.2 unauthorized_client
            handler.dpop_jkt = self.dpop_key(request)
            issued = handler.handle(params, client)
        except OAuthError as exc:
            return self.with_nonce(json_error(exc))
        return self.with_nonce(json_response(issued.body()))

    def dpop_key(self, request: Request) -> str | None:
        """The thumbprint of the key of the request's DPoP proof (RFC 9449 5); None without."""
        proofs = request.headers.getlist("dpop")
        profile = self.config.profile_rules()
        # FAPI 2.0 5.3.2.1: "shall only issue sender-constrained access tokens"; RFC 9449
        # 5.2: a server that requires DPoP MUST reject a token request without the header
        if not proofs and profile is not None and profile.dpop:
            raise InvalidDpopProof(
                f"This server runs the profile {profile.name} ({profile.title}), which "
                "issues sender-constrained tokens only: send a DPoP header with a proof "
                "signed by your key (RFC 9449 4, 5); a bearer token is not issued."
            )
        # LAB no_dpop: the server ignores DPoP, as one that does not know it (RFC 9449 5)
        if not proofs or self.config.lab("no_dpop"):
            return None
        uris = (self.config.issuer + PATHS["token_endpoint"], str(request.url))
        return self.services.dpop.verify(proofs, "POST", uris).jkt

    def with_nonce(self, response: Response) -> Response:
        # RFC 9449 8.2: the server may send a fresh nonce with any response
        if self.config.dpop_nonce and "DPoP-Nonce" not in response.headers:
            response.headers["DPoP-Nonce"] = self.services.dpop.nonce()
        return response
