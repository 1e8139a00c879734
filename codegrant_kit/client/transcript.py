"""A record of every HTTP exchange of a flow, shown as raw HTTP/1.1 and as a diagram.

httpx calls event hooks with each request before it is sent and each response as it
arrives; :class:`Transcript` hooks into both and keeps the pair as an
:class:`Exchange` (module ``exchange``). An exchange prints as the seed page prints
its examples (RFC 9112 Sections 3 and 4: request line or status line, header
fields, a blank line, the body)::

    POST /token HTTP/1.1
    Host: server.example.com
    Authorization: Basic SVpzSWk2SERiQjVlOFZLZFpBblVpX2ZaM2Y4YTpHbTBi...
    Content-Type: application/x-www-form-urlencoded

    grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&redirect_uri=...

and the whole transcript as a Mermaid ``sequenceDiagram`` of the traffic that really
happened (module ``mermaid``). ``mask=True`` hides credentials (the Authorization
header, client_secret, passwords, codes and tokens) for display (module ``masking``).

>>> transcript = Transcript()
>>> transcript.note("the browser brings the code to the client")
>>> print(transcript.to_mermaid())
sequenceDiagram
    participant B as Browser
    participant C as Client
    Note over B,C: the browser brings the code to the client
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

import httpx

from ._http import Verify, new_client
from .discovery import Endpoints
from .dpop import decode_proof
from .exchange import Exchange, Note, canonical_name
from .masking import SECRET_FIELDS, mask_header, mask_json, mask_pairs, mask_value
from .mermaid import AUTHORIZATION_SERVER, RESOURCE_SERVER, participant, sequence_diagram

__all__ = [
    "AUTHORIZATION_SERVER",
    "RESOURCE_SERVER",
    "SECRET_FIELDS",
    "Exchange",
    "Note",
    "Transcript",
    "canonical_name",
    "mask_header",
    "mask_json",
    "mask_pairs",
    "mask_value",
]


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
        """Every exchange as raw HTTP, one after the other; a DPoP proof decoded
        under the request that carried it (RFC 9449 4.2), an ID token under the
        response that brought it."""
        only = None if headers is None else tuple(headers)
        blocks = []
        for exchange in self.exchanges:
            blocks.append(exchange.raw_request(mask=mask, headers=only))
            proof = exchange.request.headers.get("dpop")
            if proof is not None and (only is None or "dpop" in {h.lower() for h in only}):
                blocks.append(decoded_proof_text(proof))
            blocks.append(exchange.raw_response(mask=mask, headers=only, max_body=max_body))
            decoded = exchange.decoded_id_token()
            if decoded is not None:
                blocks.append(decoded)
        return "\n\n".join(blocks)

    def participant(self, exchange: Exchange) -> str:
        """Who answered this exchange: the authorization or the resource server."""
        return participant(exchange, self.endpoints)

    def to_mermaid(self, *, detail: bool = False) -> str:
        """A Mermaid ``sequenceDiagram`` of the recorded traffic.

        Arrows carry the method and path (never the query: it holds codes and
        state); with ``detail`` they also name the parameters sent and, for a
        redirect, where it points and with which parameters. Values are never shown.
        """
        return sequence_diagram(self.entries, self.participant, detail=detail)

    def markdown(self, *, detail: bool = False) -> str:
        """The diagram in a fenced block, for ``IPython.display.Markdown``."""
        return f"```mermaid\n{self.to_mermaid(detail=detail)}\n```"


def decoded_proof_text(proof: str) -> str:
    """A DPoP header's proof decoded, as the transcript shows it beside the raw one.

    >>> from codegrant_kit.client.dpop import DpopKey
    >>> text = decoded_proof_text(DpopKey.generate().proof("GET", "https://as.example/api"))
    >>> text.splitlines()[0]
    '(the DPoP proof above, decoded: RFC 9449 4.2)'
    """
    try:
        decoded = decode_proof(proof)
    except ValueError as exc:
        return f"(the DPoP header above is not a JWT: {exc})"
    lines = [
        "(the DPoP proof above, decoded: RFC 9449 4.2)",
        f"  header: {json.dumps(decoded.header)}",
        f"  claims: {json.dumps(decoded.claims)}",
    ]
    if decoded.thumbprint is not None:
        lines.append(f"  jkt (RFC 7638 thumbprint of the jwk): {decoded.thumbprint}")
    return "\n".join(lines)
