"""What a server requires of every client: PKCE, PAR, DPoP, no client_secret_post.

A server's profile (OAuth 2.1, FAPI 2.0: `codegrant_kit.server.profiles`) turns these
optional defences into requirements. `probe_requirements` asks the server each one
with a request that leaves it out, and reports what it answered:

    >>> from codegrant_kit.lab import LabServer, probe_requirements
    >>> with LabServer(profile="fapi2") as lab:               # doctest: +SKIP
    ...     for probe in probe_requirements(lab):
    ...         print(probe)
    REQUIRED  PKCE for a confidential client: /par answered 400 invalid_request ...

Each probe registers a client of its own and sends a made-up code where a code is
needed: what it looks at is whether the server refused *before* the code, for the
missing defence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from ..client import json_object, new_client, register_client
from ..client.client_assertion import (
    assertion_fields,
    client_assertion,
    new_key,
    public_jwks,
)
from ..client.errors import ClientError
from ..client.par import par_endpoint
from .scenario import TargetLike, as_target

# RFC 7636 Appendix B's pair: any valid S256 challenge will do for a probe
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


@dataclass(frozen=True)
class Probe:
    requirement: str
    refused: bool  # the request without the defence was refused: it is required
    answer: str  # what the server said

    def __str__(self) -> str:
        status = "REQUIRED    " if self.refused else "not required"
        return f"{status} {self.requirement}: {self.answer}"


def _said(response: httpx.Response) -> str:
    body = json_object(response)
    if body is not None and "error" in body:
        return f"{response.status_code} {body['error']}: {body.get('error_description', '')}"
    if response.status_code == 200 and "password" in response.text:
        return "200, the login page"
    if "Pushed authorization request required" in response.text:
        return f"{response.status_code}, the page 'Pushed authorization request required'"
    return f"{response.status_code}"


def probe_requirements(target: TargetLike) -> list[Probe]:
    """Ask the server for each defence a profile may require, leaving it out."""
    t = as_target(target)
    endpoints = t.endpoints()
    key = new_key()
    with new_client(t.verify) as http:
        app = register_client(
            endpoints,
            client_name="Profile probe (private_key_jwt)",
            redirect_uris=[t.redirect_uri],
            scope=t.probe_scope(),
            token_endpoint_auth_method="private_key_jwt",
            jwks=public_jwks(key),
            http=http,
        )

        def signed() -> dict[str, str]:
            return assertion_fields(client_assertion(key, app.client_id, endpoints.issuer))

        request: dict[str, Any] = {
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": t.redirect_uri,
            "scope": t.probe_scope(),
            "state": "probe",
        }
        probes = []
        try:
            url = par_endpoint(endpoints)
        except ClientError:
            url = None
        if url is not None:
            # OAuth 2.1 4.1.1, FAPI 2.0 5.3.2.2: the pushed request is checked as /authorize's
            pushed = http.post(url, data={**request, **signed()})
            said = f"/par answered {_said(pushed)}"
            probes.append(Probe("PKCE for a confidential client", not pushed.is_success, said))
        with_pkce = {**request, "code_challenge": CHALLENGE, "code_challenge_method": "S256"}
        page = http.get(endpoints.authorization_endpoint, params=with_pkce)
        probes.append(
            Probe(
                "pushed authorization requests (PAR)",
                page.status_code != 200,
                f"/authorize, not pushed, answered {_said(page)}",
            )
        )
        code = {"grant_type": "authorization_code", "code": "made-up", "code_verifier": "x" * 43}
        answer = http.post(
            endpoints.token_endpoint, data={**code, "redirect_uri": t.redirect_uri, **signed()}
        )
        no_proof = (json_object(answer) or {}).get("error") == "invalid_dpop_proof"
        said = f"/token without a DPoP header answered {_said(answer)}"
        probes.append(Probe("sender-constrained tokens (DPoP)", no_proof, said))
        probes.append(_secret_post_probe(t.redirect_uri, endpoints, http, code))
    return probes


def _secret_post_probe(
    redirect_uri: str, endpoints: Any, http: httpx.Client, code: dict[str, str]
) -> Probe:
    requirement = "no client_secret_post"
    registered = http.post(
        endpoints.registration_endpoint,
        json={"redirect_uris": [redirect_uri], "token_endpoint_auth_method": "client_secret_post"},
    )
    if not registered.is_success:
        return Probe(requirement, True, f"registering it answered {_said(registered)}")
    client = registered.json()
    secret = {"client_id": client["client_id"], "client_secret": client["client_secret"]}
    answer = http.post(
        endpoints.token_endpoint, data={**code, "redirect_uri": redirect_uri, **secret}
    )
    refused = (json_object(answer) or {}).get("error") == "invalid_client"
    return Probe(requirement, refused, f"/token with the secret in the body: {_said(answer)}")
