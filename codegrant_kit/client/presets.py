"""Ready endpoints of real servers, and what a learner will see differently on each.

Endpoint paths follow each product's documentation (RFC 6749 Section 3 leaves them
to the server). Besides the endpoints, a :class:`Preset` carries, as data, the three
things that change what a learner sees: the consent page's answers and what each
posts, whether PKCE is required (RFC 7636; RFC 9700 2.1.1 wants it), and whether a
refresh token is rotated (RFC 9700 4.14.2). WSO2 ships with a self-signed
certificate in a lab setup: pass ``verify="path/to/ca.pem"`` to the functions that
talk to it.

>>> wso2_api_manager().endpoints.token_endpoint
'https://localhost:8243/token'
>>> keycloak("http://localhost:8080", "demo").endpoints.issuer
'http://localhost:8080/realms/demo'
>>> [answer.label for answer in wso2_identity_server().consent]
['Allow', 'Deny']
"""

from __future__ import annotations

from dataclasses import dataclass

from .discovery import Endpoints


@dataclass(frozen=True)
class ConsentAnswer:
    """One button of a product's consent page: its label, the form entry it posts,
    whether it grants, and whether the server remembers it (skips the page next time)."""

    label: str
    posts: str
    grants: bool
    remembered: bool = False


@dataclass(frozen=True)
class Preset:
    """A named set of endpoints, a one-line note, and the behaviour a learner meets.

    ``pkce_required`` and ``refresh_rotated`` are the product's defaults for a new
    application; ``pkce`` and ``refresh`` say where the setting lives.
    """

    name: str
    endpoints: Endpoints
    note: str
    scope: str = ""  # the scope a first flow asks for
    consent: tuple[ConsentAnswer, ...] = ()
    consent_shown: str = ""  # when the consent page appears at all
    pkce_required: bool = False
    pkce: str = ""
    refresh_rotated: bool = False
    refresh: str = ""

    @property
    def consent_labels(self) -> list[str]:
        return [answer.label for answer in self.consent]

    def differences(self) -> list[tuple[str, str]]:
        """What a learner sees differently from this kit's server, one row a topic."""
        answers = ", ".join(
            f"{a.label} (posts {a.posts}{', remembered' if a.remembered else ''})"
            for a in self.consent
        )
        pkce = "required" if self.pkce_required else "optional"
        rotated = "rotated" if self.refresh_rotated else "not rotated"
        return [
            ("consent", f"{answers}; {self.consent_shown}"),
            ("PKCE", f"{pkce} by default: {self.pkce}"),
            ("refresh token", f"{rotated} by default: {self.refresh}"),
        ]


# This kit's own server, for comparison: the same three answers as WSO2 API Manager.
OURS = (
    ConsentAnswer("Approve Once", "consent=approve", grants=True),
    ConsentAnswer("Approve Always", "consent=approveAlways", grants=True, remembered=True),
    ConsentAnswer("Deny", "consent=deny", grants=False),
)


def wso2_api_manager(host: str = "localhost", port: int = 9443, gateway_port: int = 8243) -> Preset:
    """WSO2 API Manager 3.x (the seed's guide): authorize on the key manager, get
    tokens through the gateway."""
    return Preset(
        name="WSO2 API Manager 3.x",
        endpoints=_wso2_key_manager(
            f"https://{host}:{port}", token_endpoint=f"https://{host}:{gateway_port}/token"
        ),
        note=(
            f"The token endpoint is the gateway's {gateway_port}/token; applications and "
            "keys come from the Developer Portal, scope PRODUCTION; the issuer is the "
            "token URL; self-signed TLS: pass verify=<CA file>."
        ),
        scope="PRODUCTION",
        consent=OURS,
        consent_shown=(
            "after login.do, on the key manager's oauth2_consent.do; Approve Always "
            "skips it next time"
        ),
        pkce_required=False,
        pkce="per application, 'PKCE Mandatory' on the Developer Portal's keys page",
        refresh_rotated=True,
        refresh=(
            "a new refresh token with each refresh, the old one revoked "
            "([oauth.token_renewal] renew_refresh_token in deployment.toml)"
        ),
    )


def wso2_identity_server(host: str = "localhost", port: int = 9443) -> Preset:
    """WSO2 Identity Server 7 (also the key manager of a distributed API Manager)."""
    base = f"https://{host}:{port}"
    return Preset(
        name="WSO2 Identity Server 7",
        endpoints=_wso2_key_manager(
            base,
            token_endpoint=f"{base}/oauth2/token",
            registration_endpoint=f"{base}/api/identity/oauth2/dcr/v1.1/register",
        ),
        note=(
            "The issuer is the token URL and discovery lives at "
            "/oauth2/token/.well-known/openid-configuration; login and consent pages "
            "are redirects to /authenticationendpoint; consent is Allow or Deny; "
            "registration needs admin credentials; self-signed TLS: pass verify=<CA file>."
        ),
        scope="openid",
        consent=(
            # oauth2_consent.jsp: Allow's script posts approveAlways, whatever is asked
            ConsentAnswer("Allow", "consent=approveAlways", grants=True, remembered=True),
            ConsentAnswer("Deny", "consent=deny", grants=False),
        ),
        consent_shown=(
            "only for scopes or user attributes not approved before; there is no "
            "Approve Once: Allow is remembered"
        ),
        pkce_required=False,
        pkce="per application, Protocol tab, PKCE 'Mandatory' (off for a new application)",
        refresh_rotated=False,
        refresh=(
            "the same refresh token comes back unless the application's 'Renew refresh token' is on"
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
    )


def keycloak(base_url: str, realm: str) -> Preset:
    """Keycloak 26: one issuer per realm, OpenID Connect endpoints under it (no /auth
    prefix since Keycloak 17)."""
    issuer = f"{base_url.rstrip('/')}/realms/{realm}"
    oidc = f"{issuer}/protocol/openid-connect"
    return Preset(
        name=f"Keycloak 26, realm {realm}",
        endpoints=Endpoints.manual(
            issuer=issuer,
            authorization_endpoint=f"{oidc}/auth",
            token_endpoint=f"{oidc}/token",
            registration_endpoint=f"{issuer}/clients-registrations/openid-connect",
            revocation_endpoint=f"{oidc}/revoke",
            introspection_endpoint=f"{oidc}/token/introspect",
            jwks_uri=f"{oidc}/certs",
        ),
        note=(
            "One issuer per realm, metadata at {issuer}/.well-known/openid-configuration; "
            "access tokens are JWTs; scopes are client scopes such as openid or profile, "
            "not PRODUCTION; consent only if the client is set to ask for it."
        ),
        scope="openid profile",
        consent=(
            # login-oauth-grant.ftl: value-less submit buttons named accept and cancel
            ConsentAnswer("Yes", "accept=", grants=True, remembered=True),
            ConsentAnswer("No", "cancel=", grants=False),
        ),
        consent_shown="only if the client has 'Consent required' on (off by default)",
        pkce_required=False,
        pkce=(
            "per client, Advanced, 'Proof Key for Code Exchange Code Challenge Method' "
            "(empty: PKCE optional)"
        ),
        refresh_rotated=False,
        refresh=(
            "a new refresh token comes back, but the old one keeps working unless the "
            "realm's 'Revoke Refresh Token' is on"
        ),
    )


def all_presets() -> list[Preset]:
    """The presets with their default hosts (Keycloak on localhost:8080, realm master)."""
    return [wso2_api_manager(), wso2_identity_server(), keycloak("http://localhost:8080", "master")]
