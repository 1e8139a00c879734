"""The lab's OpenID Connect attacks on node-oidc-provider's real ID tokens and keys.

The honest client is the fixture's (no registration: an attack that needs a second
client of the attacker's is not run here). devInteractions signs in any login, so
mallory signs in as herself; her sub is her login, alice's is hers.
"""

from __future__ import annotations

import pytest

from codegrant_kit.lab import (
    Target,
    forged_alg_none,
    id_token_from_another_flow,
    key_confusion,
)
from codegrant_kit.lab.scenario import Account

from .fixtures import ThirdPartyServer


@pytest.fixture
def target(node_oidc_server: ThirdPartyServer) -> Target:
    server = node_oidc_server
    return Target(
        server.issuer,
        victim=Account(server.username, server.password),
        attacker=Account("mallory", "any password: devInteractions checks none"),
        application=server.application(),
        redirect_uri=server.redirect_uri,
        api_url=server.api_url,
        scope="openid",
        weak_client_id=None,
    )


@pytest.mark.parametrize("attack", [forged_alg_none, key_confusion])
def test_forgeries_on_its_keys_pass_the_naive_validator_only(target: Target, attack) -> None:
    naive = attack(target, naive=True)
    assert naive.succeeded is True, str(naive)
    assert str(naive.evidence["signed in as"]).startswith("alice")
    stopped = attack(target)
    assert stopped.succeeded is False, str(stopped)
    assert stopped.evidence["check_id_token"] == "refused at alg and kid"


def test_another_flows_id_token_is_stopped_by_the_nonce(target: Target) -> None:
    assert id_token_from_another_flow(target, naive=True).succeeded is True
    stopped = id_token_from_another_flow(target)
    assert stopped.succeeded is False, str(stopped)
    assert stopped.evidence["nonce"].startswith("fail")
    assert stopped.evidence["signature"].startswith("pass")  # node's own signature
