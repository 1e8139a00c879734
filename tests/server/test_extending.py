"""The README's "Extending" recipes, followed: a new grant, a new client authentication method.

Each is registered exactly as the README says; the metadata, registration and the
token endpoint then pick it up, with no other edit. The fixtures take them out
again, so the rest of the suite sees the server as shipped.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from codegrant_kit.server.client_auth import (
    CLIENT_AUTH_METHODS,
    Headers,
    SharedSecret,
    register_client_auth_method,
)
from codegrant_kit.server.errors import InvalidClient
from codegrant_kit.server.grants import GRANTS, Grant, TokenResponse, register_grant
from codegrant_kit.server.params import Params
from codegrant_kit.server.records import Client
from codegrant_kit.server.scopes import parse_scope

from .helpers import FORM, REDIRECT_URI, assert_json_error, basic, introspect, token_request


class ClientCredentialsGrant(Grant):
    """RFC 6749 4.4: the client asks for a token on its own behalf."""

    grant_type = "client_credentials"

    def handle(self, params: Params, client: Client) -> TokenResponse:
        # RFC 6749 4.4.2: scope OPTIONAL, as in 3.3
        scope = parse_scope(params.get("scope"), client.scope, client.scope)
        grant_id = self.config.randomness.token(16)
        self.store.start_grant(grant_id, self.store.now())
        # RFC 6749 4.4.3: a refresh token SHOULD NOT be included
        return self.issue(client, client.client_id, scope, grant_id, refresh_scope=None)


class ClientSecretHeader(SharedSecret):
    """A toy method: the client's id and secret in two headers of their own."""

    method = "urn:example:client_secret_header"
    how = "send X-Client-Id and X-Client-Secret headers"

    def used_by(self, headers: Headers, params: Params) -> bool:
        return headers.get("x-client-secret") is not None

    def client_id(self, headers: Headers, params: Params) -> str:
        client_id = headers.get("x-client-id")
        if client_id is None:
            raise InvalidClient("X-Client-Secret was sent without X-Client-Id.")
        return client_id

    def secret(self, headers: Headers, params: Params) -> str:
        return headers.get("x-client-secret") or ""


@pytest.fixture
def with_client_credentials() -> Iterator[None]:
    register_grant(ClientCredentialsGrant)
    yield
    del GRANTS["client_credentials"]


@pytest.fixture
def with_header_auth() -> Iterator[None]:
    register_client_auth_method(ClientSecretHeader)
    yield
    del CLIENT_AUTH_METHODS[ClientSecretHeader.method]


def register(browser, **metadata):
    body = {"redirect_uris": [REDIRECT_URI], **metadata}
    return browser.post("/register", json=body)


# -- a new grant ----------------------------------------------------------------


def test_an_unregistered_grant_is_unknown_everywhere(server, browser):
    metadata = browser.get("/.well-known/oauth-authorization-server").json()
    assert "client_credentials" not in metadata["grant_types_supported"]
    response = register(browser, grant_types=["authorization_code", "client_credentials"])
    assert_json_error(response, "invalid_client_metadata")
    answer = token_request(browser, server.client, {"grant_type": "client_credentials"})
    assert_json_error(answer, "unsupported_grant_type")


def test_a_registered_grant_is_listed_accepted_and_dispatched(
    server, browser, with_client_credentials
):
    metadata = browser.get("/.well-known/oauth-authorization-server").json()
    assert metadata["grant_types_supported"] == [
        "authorization_code",
        "refresh_token",
        "client_credentials",
    ]
    response = register(browser, grant_types=["authorization_code", "client_credentials"])
    assert response.status_code == 201, response.text
    app = response.json()
    client = server.store.get_client(app["client_id"])
    answer = token_request(
        browser, client, {"grant_type": "client_credentials", "scope": "SANDBOX"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}  # no refresh
    assert body["scope"] == "SANDBOX"
    seen = introspect(browser, client, body["access_token"])
    assert seen["active"] and seen["username"] == client.client_id


def test_a_registered_grant_still_needs_the_client_to_have_registered_it(
    server, browser, with_client_credentials
):
    # the preloaded client registered authorization_code and refresh_token only
    answer = token_request(browser, server.client, {"grant_type": "client_credentials"})
    assert_json_error(answer, "unauthorized_client")


# -- a new client authentication method -------------------------------------------


def test_a_registered_auth_method_is_listed_accepted_and_enforced(
    server, browser, with_header_auth
):
    metadata = browser.get("/.well-known/oauth-authorization-server").json()
    for endpoint in ("token", "revocation", "introspection"):
        listed = metadata[f"{endpoint}_endpoint_auth_methods_supported"]
        assert ClientSecretHeader.method in listed
    response = register(browser, token_endpoint_auth_method=ClientSecretHeader.method)
    assert response.status_code == 201, response.text
    app = response.json()
    headers = {**FORM, "X-Client-Id": app["client_id"], "X-Client-Secret": app["client_secret"]}
    # authenticated by the new method: past authentication, to the grant's own check
    answer = browser.post("/token", content="grant_type=refresh_token", headers=headers)
    assert_json_error(answer, "invalid_request")  # no refresh_token: authentication passed
    wrong = {**headers, "X-Client-Secret": "not-the-secret"}
    answer = browser.post("/token", content="grant_type=refresh_token", headers=wrong)
    assert_json_error(answer, "invalid_client", 401)
    # the token endpoint enforces the registered method, and says how to use it
    basic_auth = {**FORM, "Authorization": basic(app["client_id"], app["client_secret"])}
    answer = browser.post("/token", content="grant_type=refresh_token", headers=basic_auth)
    assert (
        ClientSecretHeader.how in assert_json_error(answer, "invalid_client")["error_description"]
    )


def test_an_unregistered_auth_method_is_refused_at_registration(server, browser):
    response = register(browser, token_endpoint_auth_method=ClientSecretHeader.method)
    assert_json_error(response, "invalid_client_metadata")
