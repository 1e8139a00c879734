"""Ready endpoints of real servers, each with a note of what differs from the RFCs' picture.

Endpoint paths follow each product's documentation (RFC 6749 Section 3 leaves them
to the server). Both products ship with a self-signed certificate in a lab setup:
pass ``verify="path/to/ca.pem"`` to the functions that talk to them.

>>> wso2_api_manager().endpoints.token_endpoint
'https://localhost:8243/token'
>>> keycloak("http://localhost:8080", "demo").endpoints.issuer
'http://localhost:8080/realms/demo'
"""

from __future__ import annotations

from dataclasses import dataclass

from .discovery import Endpoints


@dataclass(frozen=True)
class Preset:
    """A named set of endpoints and a one-line note of what differs."""

    name: str
    endpoints: Endpoints
    note: str


def wso2_api_manager(host: str = "localhost", port: int = 9443, gateway_port: int = 8243) -> Preset:
    """WSO2 API Manager: authorize on the key manager, get tokens through the gateway."""
    return Preset(
        name="WSO2 API Manager",
        endpoints=_wso2_key_manager(
            f"https://{host}:{port}", token_endpoint=f"https://{host}:{gateway_port}/token"
        ),
        note=(
            f"The token endpoint is the gateway's {gateway_port}/token; applications and "
            "keys come from the Developer Portal, scope PRODUCTION; the issuer is the "
            "token URL; self-signed TLS: pass verify=<CA file>."
        ),
    )


def wso2_identity_server(host: str = "localhost", port: int = 9443) -> Preset:
    """WSO2 Identity Server (also the key manager of a distributed API Manager)."""
    base = f"https://{host}:{port}"
    return Preset(
        name="WSO2 Identity Server",
        endpoints=_wso2_key_manager(
            base,
            token_endpoint=f"{base}/oauth2/token",
            registration_endpoint=f"{base}/api/identity/oauth2/dcr/v1.1/register",
        ),
        note=(
            "The issuer is the token URL and discovery lives at "
            "/oauth2/token/.well-known/openid-configuration; login and consent pages "
            "are redirects to /authenticationendpoint; registration needs admin "
            "credentials; self-signed TLS: pass verify=<CA file>."
        ),
    )


def _wso2_key_manager(
    base: str, *, token_endpoint: str, registration_endpoint: str | None = None
) -> Endpoints:
    # The key manager's /oauth2 paths, the same in API Manager and Identity Server;
    # the issuer is the token URL of the key manager, not of the gateway.
    return Endpoints.manual(
        issuer=f"{base}/oauth2/token",
        authorization_endpoint=f"{base}/oauth2/authorize",
        token_endpoint=token_endpoint,
        registration_endpoint=registration_endpoint,
        revocation_endpoint=f"{base}/oauth2/revoke",
        introspection_endpoint=f"{base}/oauth2/introspect",
        jwks_uri=f"{base}/oauth2/jwks",
        userinfo_endpoint=f"{base}/oauth2/userinfo",
    )


def keycloak(base_url: str, realm: str) -> Preset:
    """Keycloak: one issuer per realm, OpenID Connect endpoints under it."""
    issuer = f"{base_url.rstrip('/')}/realms/{realm}"
    oidc = f"{issuer}/protocol/openid-connect"
    return Preset(
        name=f"Keycloak realm {realm}",
        endpoints=Endpoints.manual(
            issuer=issuer,
            authorization_endpoint=f"{oidc}/auth",
            token_endpoint=f"{oidc}/token",
            registration_endpoint=f"{issuer}/clients-registrations/openid-connect",
            revocation_endpoint=f"{oidc}/revoke",
            introspection_endpoint=f"{oidc}/token/introspect",
            jwks_uri=f"{oidc}/certs",
            userinfo_endpoint=f"{oidc}/userinfo",
        ),
        note=(
            "One issuer per realm, metadata at {issuer}/.well-known/openid-configuration; "
            "access tokens are JWTs; scopes are client scopes such as openid or profile, "
            "not PRODUCTION; consent only if the client is set to ask for it."
        ),
    )


def all_presets() -> list[Preset]:
    """The presets with their default hosts (Keycloak on localhost:8080, realm master)."""
    return [wso2_api_manager(), wso2_identity_server(), keycloak("http://localhost:8080", "master")]
