"""What a transcript records: each :class:`Exchange` (a request and its response), and
each :class:`Note` of what happened off the wire.

An exchange prints as the seed page prints its examples (RFC 9112 Sections 3 and
4: request line or status line, header fields, a blank line, the body), with its
credentials masked on request (see ``masking``). A token response's ``id_token``
is also shown decoded, next to its raw form (:meth:`Exchange.decoded_id_token`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import httpx

from ._http import json_object
from .errors import JwtFormatError
from .jwt import decode_jwt
from .masking import mask_header, mask_json, mask_pairs, mask_url

_SPECIAL_NAMES = {
    "www-authenticate": "WWW-Authenticate",
    "etag": "ETag",
    "te": "TE",
    "dpop": "DPoP",  # RFC 9449 4.1
    "dpop-nonce": "DPoP-Nonce",  # RFC 9449 8.1
}


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
            text = mask_url(text) if name.lower() == "location" else mask_header(name, text)
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


def request_body(request: httpx.Request) -> bytes:
    """The request's body, or nothing if it is a stream not read yet."""
    try:
        return request.content
    except httpx.RequestNotRead:
        return b""


@dataclass
class Exchange:
    """One request and, once it came, its response."""

    actor: str
    request: httpx.Request
    response: httpx.Response | None = None
    started: float = field(default_factory=time.perf_counter)
    elapsed: float | None = None
    # wall-clock time the request was made, for exports (HAR's startedDateTime)
    started_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

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
            target = mask_url(target)
        lines = [f"{request.method} {target} {self.http_version}"]
        lines += _headers(request.headers.raw, headers, mask, as_sent)
        content = request_body(request)
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

    def decoded_id_token(self) -> str | None:
        """The response's ``id_token`` decoded: header and claims, which are only
        base64url (RFC 7515 7.1), readable by anyone; None without one. Decoding checks
        nothing: ``check_id_token`` does (OpenID Connect Core 3.1.3.7).

        The claims are not credentials (the signature is what makes a token), so they
        are shown even when the raw token is masked.
        """
        body = json_object(self.response) if self.response is not None else None
        id_token = body.get("id_token") if body is not None else None
        if not isinstance(id_token, str):
            return None
        head = "id_token, decoded (base64url only: this says nothing of its signature):"
        try:
            jwt = decode_jwt(id_token)
        except JwtFormatError as exc:
            return f"{head}\nnot a JWT: {exc}"
        dates = "".join(f"\n  {name}: {date}" for name, date in jwt.dates().items())
        return (
            f"{head}\nheader: {json.dumps(jwt.header, ensure_ascii=False)}\n"
            f"claims: {json.dumps(jwt.claims, indent=2, ensure_ascii=False)}"
            + (f"\ndates (UTC):{dates}" if dates else "")
        )

    def __str__(self) -> str:
        return self.raw_request() + "\n\n" + self.raw_response()


@dataclass(frozen=True)
class Note:
    """Something that happened off the wire, such as the code handed to the client."""

    text: str
    over: tuple[str, ...] = ("Browser", "Client")
