"""The recorded traffic as a Mermaid ``sequenceDiagram``: who spoke to whom, in order.

A browser's requests and the metadata look-ups go to the authorization server; the
client's other requests go to it too if their URL is one of its endpoints, and to
the resource server otherwise (without the endpoints: if they carry a bearer token,
RFC 6750 Section 2.1).

>>> print(sequence_diagram([Note("the code goes to the client")], lambda exchange: "?"))
sequenceDiagram
    participant B as Browser
    participant C as Client
    Note over B,C: the code goes to the client
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl, urlsplit

import httpx

from .discovery import Endpoints
from .exchange import Exchange, Note, request_body

AUTHORIZATION_SERVER = "Authorization Server"
RESOURCE_SERVER = "Resource Server"

_ALIASES = {
    "Browser": "B",
    "Client": "C",
    AUTHORIZATION_SERVER: "AS",
    RESOURCE_SERVER: "RS",
}
_ORDER = ("Browser", "Client", AUTHORIZATION_SERVER, RESOURCE_SERVER)


def participant(exchange: Exchange, endpoints: Endpoints | None) -> str:
    """Who answered this exchange: the authorization or the resource server."""
    url = str(exchange.request.url.copy_with(query=None, fragment=None))
    if exchange.actor == "Browser" or "/.well-known/" in url:
        return AUTHORIZATION_SERVER
    if endpoints is not None:
        known = set(endpoints.urls().values())
        return AUTHORIZATION_SERVER if url in known else RESOURCE_SERVER
    authorization = exchange.request.headers.get("authorization", "")
    return RESOURCE_SERVER if authorization.lower().startswith("bearer ") else AUTHORIZATION_SERVER


def sequence_diagram(
    entries: Iterable[Exchange | Note],
    answered_by: Callable[[Exchange], str],
    *,
    detail: bool = False,
) -> str:
    """The diagram of ``entries``, each exchange drawn to the participant ``answered_by``
    names (see :meth:`~codegrant_kit.client.transcript.Transcript.to_mermaid`)."""
    lines = ["sequenceDiagram"]
    arrows: list[str] = []
    seen: list[str] = []

    def alias(name: str) -> str:
        if name not in seen:
            seen.append(name)
        return _ALIASES.get(name, f"P{seen.index(name)}")

    for entry in entries:
        if isinstance(entry, Note):
            names = [alias(name) for name in entry.over]
            arrows.append(f"    Note over {','.join(names)}: {_escape(entry.text)}")
            continue
        source, target = alias(entry.actor), alias(answered_by(entry))
        request = entry.request
        label = f"{request.method} {request.url.path}"
        if detail:
            names = _parameter_names(request)
            label += f" ({', '.join(names)})" if names else ""
        arrows.append(f"    {source}->>{target}: {_escape(label)}")
        response = entry.response
        if response is None:
            arrows.append(f"    Note over {source},{target}: no response")
            continue
        answer = f"{response.status_code} {response.reason_phrase}"
        location = response.headers.get("location")
        if detail and location:
            parts = urlsplit(location)
            names = [name for name, _ in parse_qsl(parts.query, keep_blank_values=True)]
            answer += f" to {parts.path}" + (f" ({', '.join(names)})" if names else "")
        arrows.append(f"    {target}-->>{source}: {_escape(answer)}")
    ordered = [name for name in _ORDER if name in seen] + [
        name for name in seen if name not in _ORDER
    ]
    for name in ordered:
        lines.append(f"    participant {alias(name)} as {name}")
    return "\n".join(lines + arrows)


def _parameter_names(request: httpx.Request) -> list[str]:
    names = [name for name, _ in parse_qsl(request.url.query.decode(), keep_blank_values=True)]
    content_type = request.headers.get("content-type", "")
    content = request_body(request)
    if "x-www-form-urlencoded" in content_type:
        names += [name for name, _ in parse_qsl(content.decode(), keep_blank_values=True)]
    elif "json" in content_type and content:
        try:
            body = json.loads(content)
        except json.JSONDecodeError:
            body = None
        if isinstance(body, dict):
            names += list(body)
    return names


def _escape(text: str) -> str:
    # Mermaid ends a message at ';' and reads '#...;' as an entity.
    entities = {"#": "#35;", ";": "#59;", "\n": " "}
    return re.sub(r"[#;\n]", lambda match: entities[match.group(0)], text)
