"""The learner's side of the authorization code grant, over httpx, against any server.

Modules, one step each:

- ``discovery``: the server's endpoints from RFC 8414 metadata, or by hand;
  ``presets``: WSO2 API Manager 3.x, WSO2 Identity Server 7, Keycloak 26, with
  what a learner sees differently on each (consent answers, PKCE, refresh tokens).
- ``registration``: an application and its keys (RFC 7591).
- ``authorize_url``: the authorization request, state and PKCE (RFC 6749 4.1.1,
  RFC 7636).
- ``browser``: the user-agent's login and consent (RFC 6749 4.1, steps A-C);
  ``pages``: which kind of page an answer is, and what its forms send;
  ``choices``: a consent page's answers, whatever the product, and what each click
  sends; ``forms``: the HTML forms as a browser reads them.
- ``redirect``: the redirect taken apart and checked (RFC 6749 4.1.2, RFC 9207).
- ``basic_auth``: client authentication step by step (RFC 6749 2.3.1).
- ``token``: token request, refresh, introspection, revocation, API call (RFC 6749
  4.1.3, 5, 6; RFC 7662; RFC 7009; RFC 6750).
- ``dpop``: the DPoP proof step by step: key, RFC 7638 thumbprint, claims, ath
  (RFC 9449); sent with a retry for the server's nonce.
- ``jwt``: a JWT access token decoded and its RS256 signature checked (RFC 9068).
- ``id_token``: an OpenID Connect ID token checked step by step (OIDC Core 3.1.3.7),
  its signature by ``jws`` (RSA and ECDSA keys of a JWK Set, never an HMAC);
  ``userinfo``: who signed in, its sub checked against the ID token's (Core 5.3).
- ``transcript``: every exchange recorded, as raw HTTP (``exchange``, with
  ``masking`` for credentials) and as a Mermaid diagram (``mermaid``);
  ``export``: the transcript as HAR 1.2, a curl script, the Mermaid source.
- ``explain``: every error code in plain words; ``errors``: the exceptions;
  ``outcome``: a step's result or the OAuth error it met, on one line;
  ``history``: what a flow did to its codes and tokens, read from its transcript,
  so that an error's likely cause is the one that happened.
- ``new_client``: the ``httpx.Client`` every step uses (never follows a redirect);
  ``json_object``: a response's JSON object body, or None.
- ``flow``: one flow's state, one method per step.
"""

from __future__ import annotations

from ._http import Verify, json_object, new_client, parse_www_authenticate
from .authorize_url import (
    AuthorizationRequest,
    PkcePair,
    TokenFactory,
    new_nonce,
    new_state,
    s256,
    seeded_token_factory,
)
from .basic_auth import (
    BasicAuthSteps,
    Credentials,
    DecodedBasic,
    body_credentials,
    decode_basic,
    form_urlencode,
    unencoded_basic,
)
from .browser import (
    Browser,
    Choice,
    ConsentChoice,
    Field,
    Form,
    Page,
    PageKind,
    parse_forms,
    read_page,
)
from .discovery import Endpoints, asks_openid, discover, fetch_jwks, metadata_urls
from .dpop import DecodedProof, DpopKey, DpopProofSteps, decode_proof, jwk_thumbprint
from .errors import (
    BrowserError,
    ClientError,
    DiscoveryError,
    InvalidAuthorizationResponse,
    InvalidIdToken,
    InvalidTokenResponse,
    InvalidUserinfoResponse,
    IssuerMismatch,
    JwtFormatError,
    MalformedAuthorizationResponse,
    MetadataIssuerMismatch,
    OAuthResponseError,
    RedirectUriMismatch,
    StateMismatch,
    StepOutOfOrder,
    UserinfoSubjectMismatch,
)
from .explain import Explanation, ParameterNote, explain_error, known_errors
from .export import har_text, mermaid_source, to_curl, to_har
from .flow import Flow
from .id_token import IdTokenCheck, IdTokenStep, check_id_token
from .jwt import DecodedJwt, JwtCheck, check_jwt, decode_jwt
from .outcome import Outcome, attempt
from .presets import (
    ConsentAnswer,
    Preset,
    all_presets,
    keycloak,
    wso2_api_manager,
    wso2_identity_server,
)
from .redirect import AuthorizationResponse, explain_redirect, parse_redirect
from .registration import Application, register_client, registration_request
from .resource_metadata import (
    ProtectedResource,
    fetch_resource_metadata,
    find_protected_resource,
    resource_metadata_from_challenge,
)
from .token import (
    AuthMethod,
    Introspection,
    TokenResponse,
    api_request,
    call_api,
    client_authenticated_request,
    exchange_code,
    introspect,
    introspection_request,
    refresh,
    refresh_request,
    revocation_request,
    revoke,
    send_token_request,
    token_request,
)
from .transcript import Exchange, Note, Transcript, mask_value
from .userinfo import UserInfo, fetch_userinfo, userinfo_request

__all__ = [
    "Application",
    "AuthMethod",
    "AuthorizationRequest",
    "AuthorizationResponse",
    "BasicAuthSteps",
    "Browser",
    "BrowserError",
    "Choice",
    "ClientError",
    "ConsentAnswer",
    "ConsentChoice",
    "Credentials",
    "DecodedBasic",
    "DecodedJwt",
    "DecodedProof",
    "DiscoveryError",
    "DpopKey",
    "DpopProofSteps",
    "Endpoints",
    "Exchange",
    "Explanation",
    "Field",
    "Flow",
    "Form",
    "IdTokenCheck",
    "IdTokenStep",
    "Introspection",
    "InvalidAuthorizationResponse",
    "InvalidIdToken",
    "InvalidTokenResponse",
    "InvalidUserinfoResponse",
    "IssuerMismatch",
    "JwtCheck",
    "JwtFormatError",
    "MalformedAuthorizationResponse",
    "MetadataIssuerMismatch",
    "Note",
    "OAuthResponseError",
    "Outcome",
    "Page",
    "PageKind",
    "ParameterNote",
    "PkcePair",
    "Preset",
    "ProtectedResource",
    "RedirectUriMismatch",
    "StateMismatch",
    "StepOutOfOrder",
    "TokenFactory",
    "TokenResponse",
    "Transcript",
    "UserInfo",
    "UserinfoSubjectMismatch",
    "Verify",
    "all_presets",
    "api_request",
    "asks_openid",
    "attempt",
    "body_credentials",
    "call_api",
    "check_id_token",
    "check_jwt",
    "client_authenticated_request",
    "decode_basic",
    "decode_jwt",
    "decode_proof",
    "discover",
    "exchange_code",
    "explain_error",
    "explain_redirect",
    "fetch_jwks",
    "fetch_resource_metadata",
    "fetch_userinfo",
    "find_protected_resource",
    "form_urlencode",
    "har_text",
    "introspect",
    "introspection_request",
    "json_object",
    "jwk_thumbprint",
    "keycloak",
    "known_errors",
    "mask_value",
    "mermaid_source",
    "metadata_urls",
    "new_client",
    "new_nonce",
    "new_state",
    "parse_forms",
    "parse_redirect",
    "parse_www_authenticate",
    "read_page",
    "refresh",
    "refresh_request",
    "register_client",
    "registration_request",
    "resource_metadata_from_challenge",
    "revocation_request",
    "revoke",
    "s256",
    "seeded_token_factory",
    "send_token_request",
    "to_curl",
    "to_har",
    "token_request",
    "unencoded_basic",
    "userinfo_request",
    "wso2_api_manager",
    "wso2_identity_server",
]
