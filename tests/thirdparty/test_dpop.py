"""The kit's DPoP client (RFC 9449) against node-oidc-provider, which it did not write.

node-oidc-provider here demands its nonce in every DPoP proof (`fixtures`), so the
flow meets use_dpop_nonce at the token endpoint and retries once; the nonce it then
keeps for node's origin serves its userinfo (/me) too. (node issues refresh tokens
only with prompt=consent, which `Flow.authorize` does not send: no refresh here.)
"""

from __future__ import annotations

from codegrant_kit.client import Flow, decode_proof

from .fixtures import ThirdPartyServer


def test_a_dpop_bound_flow_on_node_oidc_provider(node_oidc_server: ThirdPartyServer):
    server = node_oidc_server
    with Flow.discover(
        server.issuer,
        application=server.application(),
        scope=server.scope,
        api_url=server.api_url,
        dpop=True,
    ) as flow:
        assert "ES256" in flow.endpoints.metadata["dpop_signing_alg_values_supported"]
        key = flow.dpop_key
        assert key is not None
        flow.authorize()
        page = flow.open_authorization_page()
        if page.kind == "login":
            page = flow.login(server.username, server.password)
        while page.kind == "consent":  # node asks once per missing grant
            page = flow.consent("approve")
        assert page.kind == "redirect", page.describe()
        flow.receive_redirect()
        tokens = flow.exchange_code()
        assert tokens.token_type == "DPoP"
        # RFC 7662, RFC 9449 6.2: node's introspection names the key the token is bound to
        info = flow.introspect()
        assert info.active and info.raw["cnf"] == {"jkt": key.thumbprint}
        assert flow.call_api().json()["sub"] == server.subject
        assert flow.call_api().status_code == 200  # a fresh proof: a new jti, the same key

        token_calls = [
            e for e in flow.transcript.exchanges if e.request.url == flow.endpoints.token_endpoint
        ]
        first = token_calls[0]
        assert first.response is not None and first.response.status_code == 400
        assert first.response.json()["error"] == "use_dpop_nonce"
        nonce = first.response.headers["dpop-nonce"]
        assert decode_proof(token_calls[1].request.headers["dpop"]).claims["nonce"] == nonce
