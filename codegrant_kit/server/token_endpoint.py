"""The token endpoint (RFC 6749 3.2, 4.1.3, 5.1, 5.2, 6; RFC 7636 4.5, 4.6).

Client                                     Authorization server
  | (D) POST /token                              |
  |     Authorization: Basic base64(key:secret)   |  authenticate the client (2.3.1)
  |     grant_type=authorization_code&code=...    |  the code: once, for this client,
  |     &redirect_uri=...[&code_verifier=...]     |  this redirect_uri, this PKCE pair
  |<--------------------------------------------- |
  | (E) 200 {"access_token", "token_type": "Bearer", "expires_in",
  |          "refresh_token", "scope"}   Cache-Control: no-store
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from . import pkce
from .client_auth import authenticated_form
from .config import ServerConfig
from .errors import (
    InvalidGrant,
    InvalidRequest,
    OAuthError,
    UnauthorizedClient,
    UnsupportedGrantType,
)
from .httpio import (
    json_error,
    json_response,
    method_not_allowed,
    rate_limited,
)
from .jwt_access_tokens import JwtSigner, access_token_claims
from .params import Params
from .scopes import parse_scope
from .store import AuthorizationCode, Client, Store, Token


class TokenEndpoint:
    def __init__(self, config: ServerConfig, store: Store, signer: JwtSigner | None = None) -> None:
        self.config = config
        self.store = store
        self.signer = signer

    def _encoder(
        self, client_id: str, username: str, scope: tuple[str, ...]
    ) -> Callable[[str, float, float], str] | None:
        """How the access token is written: opaque, or a signed JWT (RFC 9068)."""
        signer = self.signer
        if signer is None:
            return None

        def encode(jti: str, issued_at: float, expires_at: float) -> str:
            return signer.sign(
                access_token_claims(
                    issuer=self.config.issuer,
                    audience=self.config.issuer + "/api",
                    username=username,
                    client_id=client_id,
                    scope=scope,
                    issued_at=issued_at,
                    expires_at=expires_at,
                    jti=jti,
                )
            )

        return encode

    async def handle(self, request: Request) -> Response:
        if request.method != "POST":
            return method_not_allowed("POST")
        limited = rate_limited(self.store, "token", request)
        if limited is not None:
            return json_error(limited)
        try:
            params, client = await authenticated_form(request, self.store, token_endpoint=True)
            grant_type = params.require("grant_type")
            if grant_type == "authorization_code":
                access, refresh = self.authorization_code(params, client)
            elif grant_type == "refresh_token":
                access, refresh = self.refresh_token(params, client)
            else:
                raise UnsupportedGrantType(
                    f"grant_type {grant_type!r} is not supported here; use "
                    "authorization_code or refresh_token."
                )
        except OAuthError as exc:
            return json_error(exc)
        return json_response(self.token_response(access, refresh))

    def authorization_code(self, params: Params, client: Client) -> tuple[Token, Token | None]:
        self._check_grant_allowed(client, "authorization_code")
        # REQUIRED. The authorization code received from the authorization server.
        value = params.require("code")
        redirect_uri = params.get("redirect_uri")
        verifier = params.get("code_verifier")
        if verifier is not None and not pkce.is_valid_verifier(verifier):
            raise InvalidRequest(
                "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 4.1)."
            )

        def check(code: AuthorizationCode) -> None:
            # RFC 6749 4.1.3: ensure the code was issued to the authenticated client
            if code.client_id != client.client_id:
                raise InvalidGrant("This authorization code was issued to another client.")
            # RFC 6749 4.1.3: redirect_uri REQUIRED if it was in the request, and identical
            if code.redirect_uri is not None and redirect_uri is None:
                raise InvalidRequest(
                    "Missing 'redirect_uri': the authorization request included one, so the "
                    "token request must repeat it (RFC 6749 4.1.3)."
                )
            expected = code.redirect_uri or client.redirect_uris[0]
            if redirect_uri is not None and redirect_uri != expected:
                raise InvalidGrant(
                    "redirect_uri differs from the one the code was issued for (RFC 6749 4.1.3)."
                )
            if code.code_challenge is None:
                if verifier is not None and not self.config.lab("pkce_downgrade"):
                    # RFC 9700 2.1.1: no PKCE downgrade
                    raise InvalidGrant(
                        "A code_verifier was sent for a code issued without a code_challenge "
                        "(a PKCE downgrade, RFC 9700 2.1.1)."
                    )
            elif verifier is None:
                raise InvalidRequest(
                    "Missing 'code_verifier': this code was issued for a code_challenge "
                    "(RFC 7636 4.5)."
                )
            elif not pkce.verify(verifier, code.code_challenge):
                # RFC 7636 4.6: if the values are not equal, invalid_grant
                raise InvalidGrant(
                    "code_verifier does not match the code_challenge (RFC 7636 4.6)."
                )

        code = self.store.redeem_code(value, check)
        refresh_scope = code.scope if "refresh_token" in client.grant_types else None
        return self.store.issue_tokens(
            client_id=client.client_id,
            username=code.username,
            scope=code.scope,
            grant_id=code.grant_id,
            refresh_scope=refresh_scope,
            encode_access=self._encoder(client.client_id, code.username, code.scope),
        )

    def refresh_token(self, params: Params, client: Client) -> tuple[Token, Token | None]:
        self._check_grant_allowed(client, "refresh_token")
        # REQUIRED. The refresh token issued to the client.
        value = params.require("refresh_token")

        def narrowed(old: Token) -> tuple[str, ...]:
            # RFC 6749 6: the scope MUST NOT include any scope not originally granted
            return parse_scope(params.get("scope"), old.scope, old.scope)

        old = self.store.rotate_refresh_token(value, client.client_id, check=narrowed)
        scope = narrowed(old)
        # RFC 6749 6: a new refresh token keeps the scope of the one it replaces
        return self.store.issue_tokens(
            client_id=client.client_id,
            username=old.username,
            scope=scope,
            grant_id=old.grant_id,
            refresh_scope=old.scope,
            encode_access=self._encoder(client.client_id, old.username, scope),
        )

    def _check_grant_allowed(self, client: Client, grant_type: str) -> None:
        if grant_type not in client.grant_types:
            raise UnauthorizedClient(
                f"This application is not allowed the {grant_type} grant; it registered "
                f"{', '.join(client.grant_types)}."
            )

    def token_response(self, access: Token, refresh: Token | None) -> dict[str, object]:
        # RFC 6749 5.1
        body: dict[str, object] = {
            "access_token": access.value,
            "token_type": "Bearer",
            "expires_in": round(access.expires_at - access.issued_at),
        }
        if refresh is not None:
            body["refresh_token"] = refresh.value
        body["scope"] = " ".join(access.scope)
        return body
