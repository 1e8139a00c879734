import json
from urllib.parse import parse_qsl

import httpx
import pytest

from codegrant_kit.client import (
    Application,
    Endpoints,
    InvalidTokenResponse,
    OAuthResponseError,
    TokenResponse,
    api_request,
    call_api,
    decode_basic,
    introspection_request,
    parse_www_authenticate,
    refresh_request,
    registration_request,
    revocation_request,
    token_request,
)
from codegrant_kit.client.errors import ClientError

ENDPOINTS = Endpoints.manual(
    issuer="https://as.example",
    authorization_endpoint="https://as.example/authorize",
    token_endpoint="https://as.example/token",
    introspection_endpoint="https://as.example/introspect",
    revocation_endpoint="https://as.example/revoke",
    registration_endpoint="https://as.example/register",
)
APP = Application.manual("my key", "s:cret", "https://client.example.com/cb")


def form(request):
    return parse_qsl(request.content.decode())


def test_token_request_with_basic_auth():
    request = token_request(
        ENDPOINTS, APP, code="c0de", redirect_uri=APP.redirect_uri, code_verifier="v" * 43
    )
    assert (request.method, str(request.url)) == ("POST", "https://as.example/token")
    assert list(request.headers.keys())[:4] == [
        "host",
        "authorization",
        "content-type",
        "accept",
    ]
    decoded = decode_basic(request.headers["authorization"])
    assert (decoded.client_id, decoded.client_secret) == ("my key", "s:cret")
    assert decoded.joined == "my+key:s%3Acret"
    assert form(request) == [
        ("grant_type", "authorization_code"),
        ("code", "c0de"),
        ("redirect_uri", "https://client.example.com/cb"),
        ("code_verifier", "v" * 43),
    ]


def test_token_request_with_body_credentials_and_for_a_public_client():
    post = token_request(ENDPOINTS, APP, code="c", redirect_uri=None, auth="client_secret_post")
    assert "authorization" not in post.headers
    assert form(post) == [
        ("grant_type", "authorization_code"),
        ("code", "c"),
        ("client_id", "my key"),
        ("client_secret", "s:cret"),
    ]
    public = token_request(
        "https://t.example/token", ("pub", None), code="c", redirect_uri=None, auth="none"
    )
    assert form(public)[-1] == ("client_id", "pub")
    assert "authorization" not in public.headers
    with pytest.raises(ValueError, match="needs a client_secret"):
        token_request(ENDPOINTS, ("pub", None), code="c", redirect_uri=None)
    with pytest.raises(ValueError, match="Unknown client authentication"):
        token_request(ENDPOINTS, APP, code="c", redirect_uri=None, auth="tls")  # type: ignore[arg-type]


def test_refresh_introspection_revocation_and_api_requests():
    assert form(refresh_request(ENDPOINTS, APP, refresh_token="r", scope="a")) == [
        ("grant_type", "refresh_token"),
        ("refresh_token", "r"),
        ("scope", "a"),
    ]
    intro = introspection_request(ENDPOINTS, APP, token="t", token_type_hint="access_token")
    assert str(intro.url) == "https://as.example/introspect"
    assert form(intro) == [("token", "t"), ("token_type_hint", "access_token")]
    assert str(revocation_request(ENDPOINTS, APP, token="t").url) == "https://as.example/revoke"
    api = api_request("https://api.example/photos", "tok")
    assert api.headers["authorization"] == "Bearer tok"
    bare = Endpoints.manual(authorization_endpoint="https://a/x", token_endpoint="https://a/t")
    with pytest.raises(ClientError, match="no introspection_endpoint"):
        introspection_request(bare, APP, token="t")
    with pytest.raises(ClientError, match="no revocation_endpoint"):
        revocation_request(bare, APP, token="t")
    with pytest.raises(ClientError, match=r"Application\.manual"):
        registration_request(bare, client_name="x", redirect_uris=[])


def test_registration_request_carries_rfc7591_metadata():
    request = registration_request(
        ENDPOINTS,
        client_name="Photo printer",
        redirect_uris=["https://client.example.com/cb"],
        scope="PRODUCTION",
        initial_access_token="iat",
    )
    assert json.loads(request.content) == {
        "client_name": "Photo printer",
        "redirect_uris": ["https://client.example.com/cb"],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_basic",
        "scope": "PRODUCTION",
    }
    assert request.headers["authorization"] == "Bearer iat"


def test_token_response_fields_and_explanations():
    tokens = TokenResponse.from_json(
        {
            "access_token": "a",
            "token_type": "Bearer",
            "expires_in": "3600",
            "refresh_token": "r",
            "scope": "PRODUCTION",
            "vendor": 1,
        }
    )
    assert (tokens.expires_in, tokens.refresh_token, tokens.scope) == (3600, "r", "PRODUCTION")
    assert tokens.authorization_header == "Bearer a"
    rows = {row.parameter: row for row in tokens.explain()}
    assert rows["expires_in"].section == "RFC 6749 Section 5.1"
    assert rows["refresh_token"].section == "RFC 6749 Section 6"
    assert rows["vendor"].purpose == "an extension field"
    with pytest.raises(InvalidTokenResponse, match="no access_token"):
        TokenResponse.from_json({"token_type": "Bearer"})
    with pytest.raises(InvalidTokenResponse, match="no token_type"):
        TokenResponse.from_json({"access_token": "a"})


def test_error_responses_are_explained():
    response = httpx.Response(
        401,
        json={"error": "invalid_client", "error_description": "Client secret is wrong"},
        request=httpx.Request("POST", "https://as.example/token"),
    )
    error = OAuthResponseError.from_response(response, where="token")
    assert (error.status, error.error) == (401, "invalid_client")
    assert error.explanation is not None
    assert error.explanation.likely_cause == "The consumer secret is wrong."
    assert str(error).startswith("HTTP 401: invalid_client (RFC 6749 Section 5.2")
    html = httpx.Response(502, html="<h1>Bad gateway</h1>")
    plain = OAuthResponseError.from_response(html, where="token")
    assert plain.error is None and plain.explanation is None
    assert "without an OAuth error code: '<h1>Bad gateway</h1>'" in str(plain)


def test_an_error_only_in_the_challenge_is_found_there():
    response = httpx.Response(
        401,
        text="Unauthorized",
        headers={"WWW-Authenticate": 'Basic realm="as", error="invalid_client"'},
    )
    error = OAuthResponseError.from_response(response, where="token")
    assert (error.status, error.error, error.error_description) == (401, "invalid_client", None)


def test_www_authenticate_parsing_rfc6750_3():
    params = parse_www_authenticate(
        'Bearer realm="photos", error="invalid_token", '
        'error_description="The token \\"x\\" expired", scope=read'
    )
    assert params == {
        "scheme": "Bearer",
        "realm": "photos",
        "error": "invalid_token",
        "error_description": 'The token "x" expired',
        "scope": "read",
    }
    assert parse_www_authenticate("") == {}


def test_call_api_raises_with_the_bearer_challenge():
    def resource(request):
        if request.headers["authorization"] == "Bearer good":
            return httpx.Response(200, json=[1])
        return httpx.Response(
            401,
            headers={
                "WWW-Authenticate": 'Bearer error="invalid_token", error_description="expired"'
            },
        )

    http = httpx.Client(transport=httpx.MockTransport(resource))
    assert call_api("https://api.example/photos", "good", http=http).json() == [1]
    with pytest.raises(OAuthResponseError) as caught:
        call_api("https://api.example/photos", "bad", http=http)
    assert caught.value.error == "invalid_token"
    assert caught.value.explanation is not None
    assert caught.value.explanation.likely_cause == "The access token has expired."
