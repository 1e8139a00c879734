"""A transcript taken out of the notebook: as HAR 1.2, as a curl script, as Mermaid.

- :func:`to_har`: the HTTP Archive format 1.2 (W3C Web Performance draft, "HTTP
  Archive (HAR) format"), which a browser's developer tools import (Network tab,
  "Import HAR file") and HAR readers such as haralyzer parse.
- :func:`to_curl`: a POSIX shell script with one ``curl`` per back-channel request
  (discovery, registration, token, introspection, revocation, API call), each with
  the header fields and body that were sent; the browser's front-channel requests
  are listed as comments, since a replay of a login needs the browser's session.
- :func:`mermaid_source`: the sequence diagram's source (module ``mermaid``).

Credentials are masked as the transcript view masks them (module ``masking``)
unless ``reveal=True``. A masked export is for sharing; only a revealed curl
script can replay anything.

>>> from codegrant_kit.client.transcript import Transcript
>>> to_har(Transcript())["log"]["version"]
'1.2'
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qsl

import httpx

from .exchange import Exchange, Note, request_body
from .masking import SECRET_FIELDS, mask_header, mask_json, mask_pairs, mask_url, mask_value
from .transcript import Transcript

__all__ = ["har_text", "mermaid_source", "to_curl", "to_har"]

CREATOR = {"name": "codegrant-kit", "version": "1"}
PAGE_ID = "flow"
Entries = Transcript | Iterable[Exchange | Note]


def _entries(source: Entries) -> list[Exchange | Note]:
    return list(source.entries if isinstance(source, Transcript) else source)


def _exchanges(source: Entries) -> list[Exchange]:
    return [entry for entry in _entries(source) if isinstance(entry, Exchange)]


# --- HAR 1.2 -------------------------------------------------------------------------


def _field_value(name: str, value: str, reveal: bool) -> str:
    if reveal:
        return value
    return mask_url(value) if name.lower() == "location" else mask_header(name, value)


def _har_headers(headers: httpx.Headers, reveal: bool) -> list[dict[str, str]]:
    # HAR 1.2 "headers": a list of {name, value}, in the order sent, repeats kept
    return [
        {"name": name, "value": _field_value(name, value, reveal)} for name, value in _raw(headers)
    ]


def _raw(headers: httpx.Headers) -> list[tuple[str, str]]:
    # the fields as sent: their names' case kept, which multi_items() lowers
    return [(key.decode("latin-1"), value.decode("latin-1")) for key, value in headers.raw]


def _pairs(text: str, reveal: bool) -> list[dict[str, str]]:
    return [
        {"name": name, "value": _secret(name, value, reveal)}
        for name, value in parse_qsl(text, keep_blank_values=True)
    ]


def _secret(name: str, value: str, reveal: bool) -> str:
    if reveal or name not in SECRET_FIELDS or not value:
        return value
    return mask_value(value, name=name)


def _text(text: str, content_type: str, reveal: bool) -> str:
    if reveal:
        return text
    if "json" in content_type:
        return mask_json(text)
    if "x-www-form-urlencoded" in content_type:
        return mask_pairs(text)
    return text


def _request_cookies(request: httpx.Request, reveal: bool) -> list[dict[str, str]]:
    cookies = []
    for header in request.headers.get_list("cookie"):
        for pair in header.split(";"):
            name, sep, value = pair.strip().partition("=")
            if sep:
                cookies.append({"name": name, "value": value if reveal else "****"})
    return cookies


def _response_cookies(response: httpx.Response, reveal: bool) -> list[dict[str, Any]]:
    cookies: list[dict[str, Any]] = []
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(header)
        except CookieError:
            continue
        for morsel in jar.values():
            cookie: dict[str, Any] = {
                "name": morsel.key,
                "value": morsel.value if reveal else "****",
                "httpOnly": bool(morsel["httponly"]),
                "secure": bool(morsel["secure"]),
            }
            if morsel["path"]:
                cookie["path"] = morsel["path"]
            cookies.append(cookie)
    return cookies


def _har_request(exchange: Exchange, reveal: bool) -> dict[str, Any]:
    request = exchange.request
    url = str(request.url)
    body = request_body(request)
    har: dict[str, Any] = {
        "method": request.method,
        "url": url if reveal else mask_url(url),
        "httpVersion": exchange.http_version,
        "cookies": _request_cookies(request, reveal),
        "headers": _har_headers(request.headers, reveal),
        "queryString": _pairs(request.url.query.decode("ascii"), reveal),
        # -1: httpx does not report the size of the header block it wrote
        "headersSize": -1,
        "bodySize": len(body),
    }
    if body:
        content_type = request.headers.get("content-type", "")
        text = body.decode("utf-8", errors="replace")
        post: dict[str, Any] = {"mimeType": content_type, "text": _text(text, content_type, reveal)}
        if "x-www-form-urlencoded" in content_type:
            post["params"] = _pairs(text, reveal)
        har["postData"] = post
    return har


def _har_response(exchange: Exchange, reveal: bool) -> dict[str, Any]:
    response = exchange.response
    if response is None:
        # HAR 1.2 has no "no response": status 0 is what browsers write for one.
        return {
            "status": 0,
            "statusText": "",
            "httpVersion": exchange.http_version,
            "cookies": [],
            "headers": [],
            "content": {"size": 0, "mimeType": "x-unknown"},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
            "comment": "no response was recorded",
        }
    content_type = response.headers.get("content-type", "x-unknown")
    location = response.headers.get("location", "")
    return {
        "status": response.status_code,
        "statusText": response.reason_phrase,
        "httpVersion": response.http_version,
        "cookies": _response_cookies(response, reveal),
        "headers": _har_headers(response.headers, reveal),
        "content": {
            "size": len(response.content),
            "mimeType": content_type,
            "text": _text(response.text, content_type, reveal),
        },
        "redirectURL": location if reveal else mask_url(location),
        "headersSize": -1,
        # the bytes on the wire, before any Content-Encoding was undone
        "bodySize": response.num_bytes_downloaded,
    }


def _har_entry(exchange: Exchange, reveal: bool) -> dict[str, Any]:
    wait = round((exchange.elapsed or 0.0) * 1000, 3)
    return {
        "pageref": PAGE_ID,
        "startedDateTime": exchange.started_at.isoformat(timespec="milliseconds"),
        # HAR 1.2: "time" is the sum of the timings that are not -1
        "time": wait,
        "request": _har_request(exchange, reveal),
        "response": _har_response(exchange, reveal),
        "cache": {},
        # httpx times the whole exchange only: it all counts as waiting for the answer
        "timings": {"blocked": -1, "dns": -1, "connect": -1, "send": 0, "wait": wait, "receive": 0},
        "comment": exchange.actor,
    }


def to_har(source: Entries, *, reveal: bool = False) -> dict[str, Any]:
    """The exchanges as a HAR 1.2 ``log``; ``json.dumps`` it to a ``.har`` file.

    Each entry's ``comment`` says who sent it (Browser or Client); the notes of
    what happened off the wire become the page's comment.
    """
    entries = _entries(source)
    exchanges = [entry for entry in entries if isinstance(entry, Exchange)]
    notes = [entry.text for entry in entries if isinstance(entry, Note)]
    started = exchanges[0].started_at if exchanges else None
    log: dict[str, Any] = {
        "version": "1.2",
        "creator": dict(CREATOR),
        "pages": [],
        "entries": [_har_entry(exchange, reveal) for exchange in exchanges],
        "comment": (
            "real values: this file holds live credentials"
            if reveal
            else "credentials masked (codes, tokens, secrets, passwords, cookies)"
        ),
    }
    if started is not None:
        log["pages"].append(
            {
                "startedDateTime": started.isoformat(timespec="milliseconds"),
                "id": PAGE_ID,
                "title": "OAuth 2.0 authorization code flow",
                "pageTimings": {"onContentLoad": -1, "onLoad": -1},
                "comment": "; ".join(notes),
            }
        )
    return {"log": log}


# --- curl ----------------------------------------------------------------------------

# curl works these out itself from the URL and the body it sends.
_CURL_COMPUTES = frozenset({"content-length"})


def _curl_command(number: int, exchange: Exchange, reveal: bool) -> list[str]:
    request = exchange.request
    url = str(request.url)
    lines = [f"echo {shlex.quote(f'### {number}. {request.method} {request.url.path}')}"]
    # ${1+"$@"}: the script's arguments, and none under `set -u` in any POSIX shell
    parts = ['curl ${1+"$@"} --silent --show-error --include']
    parts.append("--http2" if exchange.http_version == "HTTP/2" else "--http1.1")
    parts.append(f"--request {shlex.quote(request.method)}")
    for name, value in _raw(request.headers):
        if name.lower() in _CURL_COMPUTES:
            continue
        parts.append(f"--header {shlex.quote(f'{name}: {_field_value(name, value, reveal)}')}")
    body = request_body(request)
    if body:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            lines.insert(0, f"# the {len(body)}-byte body is not text and is not replayed")
        else:
            content_type = request.headers.get("content-type", "")
            parts.append(f"--data-raw {shlex.quote(_text(text, content_type, reveal))}")
    parts.append(shlex.quote(url if reveal else mask_url(url)))
    lines.append(" \\\n  ".join(parts))
    lines.append("echo")
    return lines


def to_curl(source: Entries, *, reveal: bool = False) -> str:
    """A shell script that sends the back-channel requests again with ``curl``.

    Arguments to the script go to every ``curl`` (``sh replay.sh --cacert ca.pem``).
    Each request is sent as recorded: a code or a revoked token used again gets the
    server's error, which is itself a lesson (RFC 6749 Section 4.1.2: a code is
    single-use).
    """
    header = [
        "#!/bin/sh",
        "# The back-channel requests of an OAuth 2.0 flow, as codegrant-kit recorded them.",
    ]
    if reveal:
        header.append("# Real values: this script holds live credentials; keep it private.")
    else:
        header += [
            "# MASKED: codes, tokens, secrets and passwords are cut short (e.g. 'Splx…'),",
            "# so this script CANNOT replay anything; export with reveal=True to replay.",
        ]
    lines = [*header, "set -eu", ""]
    number = 0
    for entry in _entries(source):
        if isinstance(entry, Note):
            lines.append(f"# ({entry.text})")
            continue
        if entry.actor == "Browser":
            target = entry.request.url.copy_with(query=None, fragment=None)
            lines.append(f"# browser, front channel, not replayed: {entry.request.method} {target}")
            continue
        number += 1
        lines += ["", *_curl_command(number, entry, reveal)]
    return "\n".join(lines).rstrip("\n") + "\n"


def mermaid_source(source: Transcript, *, detail: bool = True) -> str:
    """The Mermaid ``sequenceDiagram`` source, for a ``.mmd`` file or mermaid.live."""
    return source.to_mermaid(detail=detail)


def har_text(source: Entries, *, reveal: bool = False) -> str:
    """The HAR log as the text of a ``.har`` file (see :func:`to_har`)."""
    return json.dumps(to_har(source, reveal=reveal), indent=2, ensure_ascii=False) + "\n"
