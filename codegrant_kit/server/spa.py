"""A single-page app served by the kit at /spa/: a public client in a real browser.

The page registers itself as a public client (token_endpoint_auth_method "none"),
finds the photos API's authorization server from the API's 401 (RFC 9728), runs the
code flow with PKCE and resource= (RFC 7636, RFC 8707), and calls /token with
`fetch`, which CORS allows from this origin only (`cors`). It keeps its tokens in a
JavaScript variable, in memory: not in localStorage or sessionStorage, where any
script of the origin could read them later (draft-ietf-oauth-browser-based-apps,
"token storage"). Only the PKCE verifier and the state wait in sessionStorage during
the redirect, and are deleted when it comes back.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from .endpoint import Endpoint

FILES = Path(__file__).parent / "spa"
PATH = "/spa/"
TYPES = {"index.html": "text/html; charset=utf-8", "app.js": "text/javascript; charset=utf-8"}
# the app's own scripts only, and fetch to its own origin (the server is on it)
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; connect-src 'self'; "
        "style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",  # the code in the URL goes to nobody
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


class SpaEndpoint(Endpoint):
    """GET /spa/ (the page) and GET /spa/app.js (its script)."""

    methods = ("GET",)

    async def get(self, request: Request) -> Response:
        name = request.url.path.rpartition("/")[2] or "index.html"
        return Response((FILES / name).read_bytes(), media_type=TYPES[name], headers=HEADERS)
