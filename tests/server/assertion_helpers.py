"""Client assertions (RFC 7523) for the server's tests, signed with joserfc, not the kit.

key = ECKey.generate_key("P-256")
client = jwt_client(kit, key)               # a private_key_jwt client with this key
assertion(kit, client, key, aud=...)        # a signed JWT, claims overridable
assertion_form(...)                         # the two form fields that carry it
"""

from __future__ import annotations

import itertools
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey

from codegrant_kit.server.client_assertions import ASSERTION_TYPE
from codegrant_kit.server.store import Client

from .helpers import REDIRECT_URI, InProcess

_jti = itertools.count()


def jwt_client(kit: InProcess, key: ECKey, **fields: Any) -> Client:
    return kit.store.add_client(
        redirect_uris=fields.pop("redirect_uris", [REDIRECT_URI]),
        token_endpoint_auth_method="private_key_jwt",
        jwks=f'{{"keys": [{_public(key)}]}}',
        **fields,
    )


def _public(key: ECKey) -> str:
    import json

    return json.dumps(key.as_dict(private=False) | {"kid": "k1"})


def assertion(
    kit: InProcess,
    client: Client,
    key: ECKey,
    header: dict[str, Any] | None = None,
    **claims: Any,
) -> str:
    now = int(kit.clock.now)
    body = {
        "iss": client.client_id,
        "sub": client.client_id,
        "aud": kit.config.issuer,
        "jti": f"jti-{next(_jti)}",
        "iat": now,
        "exp": now + 60,
    }
    body.update(claims)
    for name in [name for name, value in body.items() if value is None]:
        del body[name]
    return jwt.encode({"alg": "ES256", "kid": "k1", **(header or {})}, body, key)


def assertion_form(value: str) -> dict[str, str]:
    return {"client_assertion_type": ASSERTION_TYPE, "client_assertion": value}
