"""The kit's client pushes its request (RFC 9126) and authenticates with private_key_jwt
(RFC 7523) at node-oidc-provider, a certified server the kit did not write."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from codegrant_kit.client import Application, Flow
from codegrant_kit.client.client_assertion import private_key_from_jwk

from .fixtures import ThirdPartyServer


def test_a_pushed_request_and_private_key_jwt(node_oidc_server: ThirdPartyServer) -> None:
    server = node_oidc_server
    jwt_client = server.private_key_jwt
    assert jwt_client is not None
    key = private_key_from_jwk(jwt_client.private_jwk)
    kid = str(jwt_client.private_jwk["kid"])
    application = Application(
        client_id=jwt_client.client_id,
        client_secret=None,
        redirect_uris=(jwt_client.redirect_uri,),
        token_endpoint_auth_method="private_key_jwt",
    )
    with Flow.discover(server.issuer, application=application, scope="openid") as flow:
        pushed_to = flow.endpoints.metadata["pushed_authorization_request_endpoint"]
        flow.authorize()
        pushed = flow.push_authorization_request(client_key=key, kid=kid)
        assert pushed.request_uri.startswith("urn:ietf:params:oauth:request_uri:")
        assert pushed.expires_in > 0
        page = flow.open_authorization_page()
        if page.kind == "login":
            page = flow.login(server.username, server.password)
        if page.kind == "consent":
            page = flow.consent("approve")
        assert page.kind == "redirect", page.describe()
        response = flow.receive_redirect()
        tokens = flow.exchange_code(flow.assertion_token_request(key, kid=kid))
    assert response.code is not None
    assert tokens.access_token
    assert tokens.id_token
    # the transcript shows the push with its assertion, then a front channel of two fields
    exchanges = list(flow.transcript.exchanges)
    pushes = [e for e in exchanges if str(e.request.url) == pushed_to]
    assert len(pushes) == 1 and b"client_assertion=" in pushes[0].request.content
    assert pushes[0].response is not None and pushes[0].response.status_code == 201
    opened = [
        dict(parse_qsl(urlsplit(str(e.request.url)).query))
        for e in exchanges
        if e.actor == "Browser"
        and str(e.request.url).startswith(flow.endpoints.authorization_endpoint)
    ]
    assert set(opened[0]) == {"client_id", "request_uri"}
