"""The recorded transcript notebook 05 shows: the kit's Flow on each third-party server.

Notebook 05 cannot start these servers in its kernel (a pip-installed kit has
neither Django's site nor node's packages), so it shows this recording, labelled
as one. ``python tests/thirdparty/record.py`` starts both servers, runs the flow
and prints the recording; tests/thirdparty/test_recording.py checks that the
notebook's copy is what the servers do today.

Each line is one HTTP exchange as the kit saw it: who sent it, the request line
with the query's parameter names (their values change every run), the status, the
Location's path and parameter names, and the kit's reading of the page.
"""

from __future__ import annotations

import contextlib
import re
import sys
import tempfile
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

if __package__ in (None, ""):  # run as a script: tests/ on the path, as pytest puts it
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from codegrant_kit.client import (
    AuthorizationRequest,
    Flow,
    OAuthResponseError,
    Page,
    PkcePair,
    json_object,
    new_state,
    parse_www_authenticate,
    read_page,
)
from thirdparty.fixtures import ThirdPartyServer, running_dot, running_node_oidc

# a path segment that is an id made for this run (node's interaction uid)
_RUN_ID = re.compile(r"/(?=[^/]*[A-Z0-9])[A-Za-z0-9_-]{21,}")


def _path(url: str, origin: str) -> str:
    parts = urlsplit(url)
    where = "" if url.startswith(origin) else f"{parts.scheme}://{parts.netloc}"
    names = [name for name, _ in parse_qsl(parts.query, keep_blank_values=True)]
    query = ("?" + "&".join(names)) if names else ""
    return where + _RUN_ID.sub("/<uid>", parts.path) + query


def outline(flow: Flow, origin: str) -> list[str]:
    """The flow's exchanges, one line each, without the values that change every run."""
    lines = []
    for exchange in flow.transcript.exchanges:
        request, response = exchange.request, exchange.response
        line = f"{exchange.actor:7} {request.method:4} {_path(str(request.url), origin)}"
        if response is None:
            lines.append(line + " -> no answer")
            continue
        line += f" -> {response.status_code}"
        location = response.headers.get("location")
        if location is not None:
            line += f" {_path(str(response.request.url.join(location)), origin)}"
        if exchange.actor == "Browser" and location is None:
            line += f" [{_reading(read_page(response))}]"
        elif exchange.actor != "Browser":
            line += _answer(response)
        lines.append(line)
    return lines


def _answer(response: httpx.Response) -> str:
    """A JSON answer's member names (or its error), and a refusal's challenge."""
    body = json_object(response)
    note = ""
    if body is not None and isinstance(body.get("error"), str):
        note = f" error={body['error']}"
    elif body is not None and len(body) <= 8:
        note = " {" + ", ".join(sorted(body)) + "}"
    elif body is not None:
        note = f" {{{len(body)} members}}"
    if response.status_code in (401, 403):
        challenge = dict(parse_www_authenticate(response.headers.get("www-authenticate", "")))
        note += (
            f" WWW-Authenticate: error={challenge.get('error')}"
            if challenge
            else " (no WWW-Authenticate)"
        )
    return note


def _reading(page: Page) -> str:
    if page.kind == "consent":
        return "consent: " + ", ".join(repr(choice.label) for choice in page.consent_choices)
    return page.kind


def record(server: ThirdPartyServer) -> list[str]:
    """Discovery, sign-in, consent, redirect, tokens, API, refresh, revocation, API."""
    with Flow.discover(
        server.issuer,
        application=server.application(),
        scope=server.scope,
        api_url=server.api_url,
    ) as flow:
        # the request as the kit's Flow.authorize builds it (state, PKCE S256, no nonce),
        # spelled out so that a new default parameter does not change the recording
        pkce = PkcePair.generate()
        request = AuthorizationRequest(
            authorization_endpoint=flow.endpoints.authorization_endpoint,
            client_id=server.client_id,
            redirect_uri=server.redirect_uri,
            scope=server.scope,
            state=new_state(),
            code_challenge=pkce.code_challenge,
            code_challenge_method=pkce.code_challenge_method,
            # OpenID Connect Core 11: node grants offline_access only with prompt=consent
            prompt="consent" if "offline_access" in server.scope.split() else None,
        )
        flow.use_request(request, pkce)
        flow.open_authorization_page()
        flow.login(server.username, server.password)
        flow.consent("approve")
        flow.receive_redirect()
        flow.exchange_code()
        flow.call_api()
        if flow.tokens is not None and flow.tokens.refresh_token is not None:
            flow.refresh()
        flow.revoke()
        with contextlib.suppress(OAuthResponseError):
            flow.call_api()  # the revoked token, refused
        return outline(flow, server.origin)


def recording(dot: ThirdPartyServer, node: ThirdPartyServer) -> str:
    """The block notebook 05 shows, both servers."""
    parts = []
    for server in (dot, node):
        issuer = re.sub(r":\d+", ":PORT", server.issuer)
        parts.append(f"# {server.name} {server.version}, issuer {issuer}")
        parts.extend(record(server))
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        dot_dir, node_dir = Path(directory, "dot"), Path(directory, "node")
        dot_dir.mkdir()
        node_dir.mkdir()
        with running_dot(dot_dir) as dot, running_node_oidc(node_dir) as node:
            print(recording(dot, node), end="")


if __name__ == "__main__":
    main()
