"""A record of every HTTP exchange of a flow, shown as raw HTTP/1.1 and as a diagram.

httpx calls event hooks with each request before it is sent and each response as it
arrives; :class:`Transcript` hooks into both and keeps the pair as an
:class:`Exchange`. An exchange prints as the seed page prints its examples
(RFC 9112 Sections 3 and 4: request line or status line, header fields, a blank
line, the body)::

    POST /token HTTP/1.1
    Host: server.example.com
    Authorization: Basic SVpzSWk2SERiQjVlOFZLZFpBblVpX2ZaM2Y4YTpHbTBi...
    Content-Type: application/x-www-form-urlencoded

    grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&redirect_uri=...

and the whole transcript as a Mermaid ``sequenceDiagram`` of the traffic that really
happened. ``mask=True`` hides credentials (the Authorization header, client_secret,
passwords, codes and tokens) for display.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from ._http import Verify, new_client
from .discovery import Endpoints

AUTHORIZATION_SERVER = "Authorization Server"
RESOURCE_SERVER = "Resource Server"

# Fields whose values are credentials; passwords are hidden completely.
SECRET_FIELDS = frozenset(
    {
        "password",
        "client_secret",
        "code",
        "code_verifier",
        "access_token",
        "refresh_token",
        "id_token",
        "token",
        "registration_access_token",
    }
)
_FULLY_HIDDEN = frozenset({"password"})
_SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie"})
_ALIASES = {
    "Browser": "B",
    "Client": "C",
    AUTHORIZATION_SERVER: "AS",
    RESOURCE_SERVER: "RS",
}
_ORDER = ("Browser", "Client", AUTHORIZATION_SERVER, RESOURCE_SERVER)


def mask_value(value: str, *, name: str = "") -> str:
    """Keep the first four characters of a credential so it can still be recognised.

    >>> mask_value("SplxlOBeZQQYbYS6WxSbIA"), mask_value("admin", name="password")
    ('Splx…', '********')
    """
    if name in _FULLY_HIDDEN or len(value) <= 8:
        return "********"
    return value[:4] + "…"


def mask_pairs(text: str) -> str:
    """Mask the secret fields of an ``a=1&b=2`` string, keeping its encoding as it is.

    >>> mask_pairs("grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA")
    'grant_type=authorization_code&code=Splx…'
    """
    parts = []
    for pair in text.split("&"):
        name, sep, value = pair.partition("=")
        if sep and name in SECRET_FIELDS and value:
            value = mask_value(value, name=name)
        parts.append(f"{name}{sep}{value}")
    return "&".join(parts)


def mask_json(text: str) -> str:
    """Mask string values of secret keys in JSON text, keeping its layout."""

    def replace(match: re.Match[str]) -> str:
        return f'{match.group(1)}"{mask_value(match.group(3), name=match.group(2))}"'

    pattern = r'("(' + "|".join(sorted(SECRET_FIELDS)) + r')"\s*:\s*)"((?:[^"\\]|\\.)*)"'
    return re.sub(pattern, replace, text)


def mask_header(name: str, value: str) -> str:
    if name.lower() not in _SECRET_HEADERS:
        return value
    if name.lower() == "authorization":
        scheme, _, credentials = value.partition(" ")
        return f"{scheme} {mask_value(credentials)}" if credentials else mask_value(value)
    # Cookie and Set-Cookie: hide each value, keep names and attributes.
    return re.sub(r"(^|;\s*)([^=;\s]+)=([^;]*)", lambda m: f"{m[1]}{m[2]}=****", value, count=1)


def _mask_url(target: str) -> str:
    base, sep, query = target.partition("?")
    return base + sep + mask_pairs(query) if sep else target


_SPECIAL_NAMES = {"www-authenticate": "WWW-Authenticate", "etag": "ETag", "te": "TE"}


def canonical_name(name: str) -> str:
    """A field name in its usual capitalization (RFC 9110 Section 5.1: case-insensitive).

    >>> canonical_name("content-type"), canonical_name("www-authenticate")
    ('Content-Type', 'WWW-Authenticate')
    """
    lower = name.lower()
    return _SPECIAL_NAMES.get(lower) or "-".join(part.capitalize() for part in lower.split("-"))


def _headers(
    raw: Iterable[tuple[bytes, bytes]], only: Iterable[str] | None, mask: bool, as_sent: bool
) -> list[str]:
    wanted = None if only is None else {name.lower() for name in only}
    lines = []
    for key, value in raw:
        name, text = key.decode("latin-1"), value.decode("latin-1")
        if wanted is not None and name.lower() not in wanted:
            continue
        if mask:
            text = _mask_url(text) if name.lower() == "location" else mask_header(name, text)
        lines.append(f"{name if as_sent else canonical_name(name)}: {text}")
    return lines


def _body(text: str, content_type: str, mask: bool, limit: int | None) -> str:
    if mask:
        if "json" in content_type:
            text = mask_json(text)
        elif "x-www-form-urlencoded" in content_type:
            text = mask_pairs(text)
    if limit is not None and len(text) > limit:
        text = text[:limit] + f"\n… ({len(text) - limit} more characters)"
    return text


@dataclass
class Exchange:
    """One request and, once it came, its response."""

    actor: str
    request: httpx.Request
    response: httpx.Response | None = None
    started: float = field(default_factory=time.perf_counter)
    elapsed: float | None = None

    @property
    def http_version(self) -> str:
        """The version httpx spoke: HTTP/1.1, or HTTP/2 where negotiated.

        A server may answer in an older version (wsgiref says HTTP/1.0) but the
        request line shows what was sent.
        """
        if self.response is not None and self.response.http_version == "HTTP/2":
            return "HTTP/2"
        return "HTTP/1.1"

    def raw_request(
        self,
        *,
        mask: bool = False,
        headers: Iterable[str] | None = None,
        as_sent: bool = False,
    ) -> str:
        """The request: request line, header fields, blank line, body.

        ``headers`` keeps only the named fields; field names are shown in their usual
        capitalization unless ``as_sent`` (servers such as uvicorn send them in
        lower case, and HTTP/2 always does).
        """
        request = self.request
        target = request.url.raw_path.decode("ascii")
        if mask:
            target = _mask_url(target)
        lines = [f"{request.method} {target} {self.http_version}"]
        lines += _headers(request.headers.raw, headers, mask, as_sent)
        try:
            content = request.content
        except httpx.RequestNotRead:
            content = b""
        if content:
            text = content.decode("utf-8", errors="replace")
            content_type = request.headers.get("content-type", "")
            lines += ["", _body(text, content_type, mask, None)]
        return "\n".join(lines)

    def raw_response(
        self,
        *,
        mask: bool = False,
        headers: Iterable[str] | None = None,
        max_body: int | None = None,
        as_sent: bool = False,
    ) -> str:
        """The response: status line, header fields, blank line, body (see raw_request)."""
        response = self.response
        if response is None:
            return "(no response)"
        lines = [f"{response.http_version} {response.status_code} {response.reason_phrase}"]
        lines += _headers(response.headers.raw, headers, mask, as_sent)
        text = response.text
        if text:
            content_type = response.headers.get("content-type", "")
            lines += ["", _body(text, content_type, mask, max_body)]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.raw_request() + "\n\n" + self.raw_response()


@dataclass(frozen=True)
class Note:
    """Something that happened off the wire, such as the code handed to the client."""

    text: str
    over: tuple[str, ...] = ("Browser", "Client")


class Transcript:
    """Every exchange made through clients wired with :meth:`http_client` or :meth:`attach`.

    ``endpoints`` tells the authorization server's URLs from the resource server's
    for the diagram; without it, a request carrying a bearer token counts as a call
    to the resource server (RFC 6750 Section 2.1) and the rest as calls to the
    authorization server.
    """

    def __init__(self, endpoints: Endpoints | None = None) -> None:
        self.endpoints = endpoints
        self.entries: list[Exchange | Note] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<Transcript: {len(self.exchanges)} exchanges>"

    def __len__(self) -> int:
        return len(self.exchanges)

    def __iter__(self) -> Iterator[Exchange]:
        return iter(self.exchanges)

    @property
    def exchanges(self) -> list[Exchange]:
        return [entry for entry in self.entries if isinstance(entry, Exchange)]

    @property
    def last(self) -> Exchange | None:
        exchanges = self.exchanges
        return exchanges[-1] if exchanges else None

    def clear(self) -> None:
        with self._lock:
            self.entries.clear()

    def note(self, text: str, over: tuple[str, ...] = ("Browser", "Client")) -> None:
        with self._lock:
            self.entries.append(Note(text, over))

    def hooks(self, actor: str = "Client") -> dict[str, list[Any]]:
        """httpx event hooks that record into this transcript as ``actor``."""

        def on_request(request: httpx.Request) -> None:
            with self._lock:
                self.entries.append(Exchange(actor, request))

        def on_response(response: httpx.Response) -> None:
            # Read the body now: the caller may never read it, or only as a stream.
            response.read()
            with self._lock:
                for entry in reversed(self.entries):
                    if isinstance(entry, Exchange) and entry.request is response.request:
                        entry.response = response
                        entry.elapsed = time.perf_counter() - entry.started
                        return
                self.entries.append(Exchange(actor, response.request, response, elapsed=0.0))

        return {"request": [on_request], "response": [on_response]}

    def attach(self, client: httpx.Client, actor: str = "Client") -> httpx.Client:
        """Add the recording hooks to an existing client."""
        hooks = self.hooks(actor)
        client.event_hooks = {
            "request": [*client.event_hooks["request"], *hooks["request"]],
            "response": [*client.event_hooks["response"], *hooks["response"]],
        }
        return client

    def http_client(
        self, actor: str = "Client", *, verify: Verify = True, **kwargs: Any
    ) -> httpx.Client:
        """A new client (no automatic redirects) whose traffic is recorded."""
        return self.attach(new_client(verify, **kwargs), actor)

    def to_text(
        self,
        *,
        mask: bool = False,
        headers: Iterable[str] | None = None,
        max_body: int | None = None,
    ) -> str:
        """Every exchange as raw HTTP, one after the other."""
        only = None if headers is None else tuple(headers)
        blocks = []
        for exchange in self.exchanges:
            blocks.append(exchange.raw_request(mask=mask, headers=only))
            blocks.append(exchange.raw_response(mask=mask, headers=only, max_body=max_body))
        return "\n\n".join(blocks)

    def participant(self, exchange: Exchange) -> str:
        """Who answered this exchange: the authorization or the resource server."""
        url = str(exchange.request.url.copy_with(query=None, fragment=None))
        if exchange.actor == "Browser" or "/.well-known/" in url:
            return AUTHORIZATION_SERVER
        if self.endpoints is not None:
            known = set(self.endpoints.urls().values())
            return AUTHORIZATION_SERVER if url in known else RESOURCE_SERVER
        authorization = exchange.request.headers.get("authorization", "")
        return (
            RESOURCE_SERVER
            if authorization.lower().startswith("bearer ")
            else (AUTHORIZATION_SERVER)
        )

    def to_mermaid(self, *, detail: bool = False) -> str:
        """A Mermaid ``sequenceDiagram`` of the recorded traffic.

        Arrows carry the method and path (never the query: it holds codes and
        state); with ``detail`` they also name the parameters sent and, for a
        redirect, where it points and with which parameters. Values are never shown.
        """
        lines = ["sequenceDiagram"]
        arrows: list[str] = []
        seen: list[str] = []

        def alias(name: str) -> str:
            if name not in seen:
                seen.append(name)
            return _ALIASES.get(name, f"P{seen.index(name)}")

        for entry in self.entries:
            if isinstance(entry, Note):
                names = [alias(name) for name in entry.over]
                arrows.append(f"    Note over {','.join(names)}: {_escape(entry.text)}")
                continue
            source, target = alias(entry.actor), alias(self.participant(entry))
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

    def markdown(self, *, detail: bool = False) -> str:
        """The diagram in a fenced block, for ``IPython.display.Markdown``."""
        return f"```mermaid\n{self.to_mermaid(detail=detail)}\n```"


def _parameter_names(request: httpx.Request) -> list[str]:
    names = [name for name, _ in parse_qsl(request.url.query.decode(), keep_blank_values=True)]
    content_type = request.headers.get("content-type", "")
    try:
        content = request.content
    except httpx.RequestNotRead:
        content = b""
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
