"""The authorization code grant at the token endpoint (RFC 6749 4.1.3, 4.1.2; RFC 7636 4.5, 4.6).

Client                                     Authorization server
  | (D) POST /token                              |
  |     Authorization: Basic base64(key:secret)   |  authenticate the client (2.3.1)
  |     grant_type=authorization_code&code=...    |  the code: once, for this client,
  |     &redirect_uri=...[&code_verifier=...]     |  this redirect_uri, this PKCE pair
  |<--------------------------------------------- |
  | (E) 200 {"access_token", "token_type": "Bearer", "expires_in",
  |          "refresh_token", "scope"[, "id_token"]}   Cache-Control: no-store

With openid in the code's scope the response carries an ID token (OIDC Core
3.1.3.3, `id_tokens`) with the nonce the authorization request bound to the code.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import pkce
from ..errors import InvalidGrant, InvalidRequest
from ..params import Params
from ..records import AuthorizationCode, Client
from ..resource_indicators import narrowed_resource
from ..store import Store
from .base import Grant, TokenResponse, register_grant


def redeem_code(
    store: Store, value: str, check: Callable[[AuthorizationCode], None]
) -> AuthorizationCode:
    """Take a code out, once, if `check` (client, redirect_uri, PKCE) passes.

    A request that fails `check` leaves the code to its rightful client.
    """
    with store.lock:
        code, used = store.find_code(value)
        if code is None:
            raise InvalidGrant("The authorization code is unknown or has expired.")
        # RFC 6749 4.1.2: "If an authorization code is used more than once, the
        # authorization server MUST deny the request and SHOULD revoke (when
        # possible) all tokens previously issued based on that authorization code."
        if used:
            store.revoke_grant(code.grant_id)
            raise InvalidGrant(
                "This authorization code was used already: a code works once "
                "(RFC 6749 4.1.2), and the tokens issued from it are now revoked."
            )
        if code.expires_at <= store.now():
            raise InvalidGrant(
                f"The authorization code expired: codes live "
                f"{store.config.code_lifetime} s (RFC 6749 4.1.2)."
            )
        check(code)
        # LAB code_replay: the code stays redeemable
        store.code_redeemed(code, single_use=not store.config.lab("code_replay"))
        return code


@register_grant
class AuthorizationCodeGrant(Grant):
    grant_type = "authorization_code"

    def handle(self, params: Params, client: Client) -> TokenResponse:
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
            # RFC 9449 10: the proof's key "matches the dpop_jkt parameter value in the
            # authorization request. If they do not match, it MUST reject the request."
            if code.dpop_jkt is not None and code.dpop_jkt != self.dpop_jkt:
                raise InvalidGrant(
                    "This code is bound to a DPoP key (dpop_jkt): send a DPoP proof signed by "
                    "that key (RFC 9449 10)."
                )
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

        def check_resource(code: AuthorizationCode) -> None:
            check(code)
            resources.append(narrowed_resource(self.config, params, code.resource))

        resources: list[str | None] = []
        code = redeem_code(self.store, value, check_resource)
        refresh_scope = code.scope if "refresh_token" in client.grant_types else None
        # OIDC Core 3.1.3.3: with openid in the scope, an ID token with the code's nonce;
        # a replayed code never gets here (redeem_code), so it never gets a second one
        return self.issue(
            client,
            code.username,
            code.scope,
            code.grant_id,
            refresh_scope,
            auth_time=code.auth_time,
            nonce=code.nonce,
            resource=resources[0],  # RFC 8707 2: the token's audience
            granted_resource=code.resource,
        )
