import httpx
import pytest

from codegrant_kit.client import (
    DiscoveryError,
    Endpoints,
    MetadataIssuerMismatch,
    discover,
    fetch_jwks,
    keycloak,
    metadata_urls,
    wso2_api_manager,
    wso2_identity_server,
)
from codegrant_kit.client.presets import all_presets

METADATA = {
    "issuer": "https://as.example",
    "authorization_endpoint": "https://as.example/authorize",
    "token_endpoint": "https://as.example/token",
    "revocation_endpoint": "https://as.example/revoke",
    "code_challenge_methods_supported": ["S256", 7],
    "authorization_response_iss_parameter_supported": True,
    "scopes_supported": "not a list",
}


def metadata_server(documents):
    """Answers each URL in ``documents`` with its JSON, everything else with 404."""
    seen = []

    def handler(request):
        seen.append(str(request.url))
        body = documents.get(str(request.url))
        return httpx.Response(404) if body is None else httpx.Response(200, json=body)

    return httpx.Client(transport=httpx.MockTransport(handler)), seen


def test_rfc8414_well_known_uri_is_tried_first():
    http, seen = metadata_server(
        {"https://as.example/.well-known/oauth-authorization-server": METADATA}
    )
    endpoints = discover("https://as.example", http=http)
    assert seen == ["https://as.example/.well-known/oauth-authorization-server"]
    assert endpoints.token_endpoint == "https://as.example/token"
    assert endpoints.revocation_endpoint == "https://as.example/revoke"
    assert endpoints.registration_endpoint is None
    assert endpoints.authorization_response_iss_parameter_supported
    assert endpoints.code_challenge_methods_supported == ("S256",)
    assert endpoints.scopes_supported == ()
    assert endpoints.metadata["issuer"] == "https://as.example"


def test_openid_configuration_is_the_fallback_for_an_issuer_with_a_path():
    issuer = "https://kc.example/realms/demo"
    document = dict(METADATA, issuer=issuer)
    http, seen = metadata_server({f"{issuer}/.well-known/openid-configuration": document})
    assert discover(issuer, http=http).issuer == issuer
    assert seen == metadata_urls(issuer)
    assert seen[0] == "https://kc.example/.well-known/oauth-authorization-server/realms/demo"


OIDC_METADATA = dict(
    METADATA,
    jwks_uri="https://as.example/jwks",
    userinfo_endpoint="https://as.example/userinfo",
    id_token_signing_alg_values_supported=["RS256", "none", 3],
)


def test_a_client_asking_for_openid_tries_openid_configuration_first():
    http, seen = metadata_server(
        {
            "https://as.example/.well-known/oauth-authorization-server": METADATA,
            "https://as.example/.well-known/openid-configuration": OIDC_METADATA,
        }
    )
    endpoints = discover("https://as.example", openid=True, http=http)
    assert seen == ["https://as.example/.well-known/openid-configuration"]
    assert endpoints.userinfo_endpoint == "https://as.example/userinfo"
    assert endpoints.id_token_signing_alg_values_supported == ("RS256", "none")
    assert endpoints.urls()["userinfo_endpoint"] == "https://as.example/userinfo"
    # without openid, RFC 8414's document, which need not list userinfo
    seen.clear()
    assert discover("https://as.example", http=http).userinfo_endpoint is None
    assert seen == ["https://as.example/.well-known/oauth-authorization-server"]


def test_openid_falls_back_to_rfc8414_metadata():
    http, seen = metadata_server(
        {"https://as.example/.well-known/oauth-authorization-server": OIDC_METADATA}
    )
    endpoints = discover("https://as.example", openid=True, http=http)
    assert seen == metadata_urls("https://as.example", openid=True)
    assert endpoints.userinfo_endpoint == "https://as.example/userinfo"
    # the issuer check holds on OpenID's URI too (Discovery 1.0 4.3)
    http, _ = metadata_server(
        {"https://as.example/.well-known/openid-configuration": dict(METADATA, issuer="https://x")}
    )
    with pytest.raises(MetadataIssuerMismatch):
        discover("https://as.example", openid=True, http=http)


def test_the_issuer_in_the_document_must_be_the_one_asked_for_rfc8414_3_3():
    http, _ = metadata_server(
        {
            "https://as.example/.well-known/oauth-authorization-server": dict(
                METADATA, issuer="https://evil.example"
            )
        }
    )
    with pytest.raises(MetadataIssuerMismatch, match="impersonation") as caught:
        discover("https://as.example", http=http)
    assert caught.value.received == "https://evil.example"
    # A trailing slash is another string, so another issuer.
    http, _ = metadata_server(
        {"https://as.example/.well-known/oauth-authorization-server": METADATA}
    )
    with pytest.raises(MetadataIssuerMismatch):
        discover("https://as.example/", http=http)


def test_nothing_found_lists_what_was_tried():
    http, _ = metadata_server({})
    with pytest.raises(DiscoveryError, match="404 Not Found") as caught:
        discover("https://as.example", http=http)
    assert str(caught.value).count("->") == 2


def test_broken_documents_and_bad_issuers():
    url = "https://as.example/.well-known/oauth-authorization-server"
    http = httpx.Client(
        transport=httpx.MockTransport(lambda request: httpx.Response(200, text="<html>"))
    )
    with pytest.raises(DiscoveryError, match="did not answer JSON"):
        discover("https://as.example", http=http)
    http, _ = metadata_server({url: ["a", "list"]})
    with pytest.raises(DiscoveryError, match="not an object"):
        discover("https://as.example", http=http)
    http, _ = metadata_server({url: {"issuer": "https://as.example"}})
    with pytest.raises(DiscoveryError, match="no authorization_endpoint, token_endpoint"):
        discover("https://as.example", http=http)
    with pytest.raises(DiscoveryError, match="no query or fragment"):
        discover("https://as.example?tenant=1")
    with pytest.raises(ValueError, match="absolute"):
        discover("as.example")


def test_unreachable_server():
    def refuse(request):
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(DiscoveryError, match="Could not reach"):
        discover("https://as.example", http=httpx.Client(transport=httpx.MockTransport(refuse)))


def test_manual_endpoints_take_a_userinfo_endpoint():
    endpoints = Endpoints.manual(
        authorization_endpoint="https://op.example/authorize",
        token_endpoint="https://op.example/token",
        userinfo_endpoint="https://op.example/userinfo",
    )
    assert endpoints.userinfo_endpoint == "https://op.example/userinfo"
    with pytest.raises(ValueError, match="userinfo_endpoint"):
        Endpoints.manual(
            authorization_endpoint="https://op.example/authorize",
            token_endpoint="https://op.example/token",
            userinfo_endpoint="/userinfo",
        )


def test_manual_endpoints():
    endpoints = Endpoints.manual(
        authorization_endpoint="https://localhost:9443/oauth2/authorize",
        token_endpoint="https://localhost:8243/token",
        revocation_endpoint="https://localhost:9443/oauth2/revoke",
    )
    assert endpoints.issuer == "https://localhost:9443"
    assert endpoints.urls() == {
        "authorization_endpoint": "https://localhost:9443/oauth2/authorize",
        "token_endpoint": "https://localhost:8243/token",
        "revocation_endpoint": "https://localhost:9443/oauth2/revoke",
    }
    with pytest.raises(ValueError, match="token_endpoint must be an absolute"):
        Endpoints.manual(authorization_endpoint="https://a/x", token_endpoint="/token")


def test_wso2_presets_use_the_seed_pages_ports():
    apim = wso2_api_manager().endpoints
    assert apim.authorization_endpoint == "https://localhost:9443/oauth2/authorize"
    assert apim.token_endpoint == "https://localhost:8243/token"
    assert apim.revocation_endpoint == "https://localhost:9443/oauth2/revoke"
    assert apim.introspection_endpoint == "https://localhost:9443/oauth2/introspect"
    server = wso2_identity_server().endpoints
    assert server.token_endpoint == "https://localhost:9443/oauth2/token"
    assert server.issuer == server.token_endpoint
    assert "8243" in wso2_api_manager().note
    assert wso2_api_manager("apim.lab", 9444, 8244).endpoints.token_endpoint == (
        "https://apim.lab:8244/token"
    )


def test_keycloak_preset():
    preset = keycloak("https://kc.example/", "demo")
    base = "https://kc.example/realms/demo/protocol/openid-connect"
    assert preset.endpoints.issuer == "https://kc.example/realms/demo"
    assert preset.endpoints.authorization_endpoint == f"{base}/auth"
    assert preset.endpoints.token_endpoint == f"{base}/token"
    assert preset.endpoints.revocation_endpoint == f"{base}/revoke"
    assert preset.endpoints.introspection_endpoint == f"{base}/token/introspect"
    # Keycloak's documented OpenID Connect endpoints, for check_id_token and userinfo
    assert preset.endpoints.jwks_uri == f"{base}/certs"
    assert preset.endpoints.userinfo_endpoint == f"{base}/userinfo"


def test_wso2_presets_know_their_userinfo_endpoint():
    for preset in (wso2_api_manager(), wso2_identity_server()):
        assert preset.endpoints.userinfo_endpoint == "https://localhost:9443/oauth2/userinfo"
        assert preset.endpoints.jwks_uri == "https://localhost:9443/oauth2/jwks"


def test_every_preset_has_a_one_line_note():
    for preset in all_presets():
        assert preset.note and "\n" not in preset.note
        assert preset.name


def test_fetch_jwks_wants_a_jwk_set_rfc7517_5():
    jwks = {"keys": [{"kty": "RSA", "kid": "k1", "n": "AQAB", "e": "AQAB"}]}
    good = "https://as.example/jwks"
    http, seen = metadata_server({good: jwks, "https://as.example/list": ["keys"]})
    assert fetch_jwks(good, http=http) == jwks
    assert seen == [good]
    with pytest.raises(DiscoveryError, match="404 Not Found without a JWK Set"):
        fetch_jwks("https://as.example/missing", http=http)
    with pytest.raises(DiscoveryError, match="without a JWK Set"):
        fetch_jwks("https://as.example/list", http=http)
    http, _ = metadata_server({good: {"keys": "k1"}})
    with pytest.raises(DiscoveryError, match="'keys' array"):
        fetch_jwks(good, http=http)
    with pytest.raises(ValueError, match="absolute"):
        fetch_jwks("/jwks")
