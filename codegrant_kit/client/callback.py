"""The kit's callback page: its URL, and the redirects it received for one state.

A client's redirection endpoint (RFC 6749 Section 3.1.2) is where the browser
lands with the code. In the tutorials the kernel is the client and has no web
page of its own, so the kit's server serves one for it at ``/client/callback``
(``codegrant_kit.server.client_callback``). It keeps the query of the last few
redirects per state; :func:`received` fetches them for the state this client
sent, and only for that state.

>>> callback_url("http://127.0.0.1:41234/")
'http://127.0.0.1:41234/client/callback'
>>> location("https://hub.example.org/user/ada/proxy/41234/client/callback", "code=c&state=s")
'https://hub.example.org/user/ada/proxy/41234/client/callback?code=c&state=s'
"""

from __future__ import annotations

import httpx

from ._http import Verify, json_object, using
from .errors import ClientError

PATH = "/client/callback"
RECEIVED_PATH = PATH + "/received"


def callback_url(server_url: str) -> str:
    """The callback page of the kit's server at ``server_url``."""
    return server_url.rstrip("/") + PATH


def location(redirect_uri: str, query: str) -> str:
    """The redirect as the browser followed it: the registered URI and the query."""
    return f"{redirect_uri}?{query}"


def received(
    server_url: str,
    state: str,
    *,
    redirect_uri: str | None = None,
    verify: Verify = True,
    http: httpx.Client | None = None,
) -> list[str]:
    """The redirects that reached the callback page with ``state``, oldest first.

    ``server_url`` is the URL the kernel reaches the server at; ``redirect_uri`` is
    the callback URL registered (through Jupyter's proxy it differs), by default
    the page on ``server_url``. An empty list: nothing arrived with this state yet.
    """
    if not state:
        raise ClientError("Ask with the state of your authorization request: without it, nothing.")
    url = server_url.rstrip("/") + RECEIVED_PATH
    with using(http, verify) as client:
        try:
            response = client.get(url, params={"state": state})
        except httpx.HTTPError as exc:
            raise ClientError(f"Could not reach the callback page at {url}: {exc}") from exc
    body = json_object(response)
    queries = body.get("queries") if body is not None else None
    if response.status_code != 200 or not isinstance(queries, list):
        raise ClientError(
            f"{url} answered {response.status_code} without the list of redirects: is this "
            "the kit's own server? Other servers have no callback page; copy the address "
            "bar instead."
        )
    base = redirect_uri or callback_url(server_url)
    return [location(base, query) for query in queries if isinstance(query, str)]
