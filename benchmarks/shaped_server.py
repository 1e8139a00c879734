"""Baseline (c), optional: the kit's four responses, prepared once, with no OAuth work.

    .venv/bin/python benchmarks/shaped_server.py --port 0

It answers the flow's requests with responses shaped like the kit's: the same
pages (the kit's templates, rendered once at start), the same headers
(security headers, Set-Cookie, Location, Cache-Control), the same status codes,
and reads the request bodies as the kit does. What it costs per flow is the
HTTP and Starlette floor under the kit: no application can do the flow for less
on this stack, so `shaped / bound` is the most the kit can reach of the bound.
"""

from __future__ import annotations

import jinja2
from _lean import CALLBACK
from _serve import serve_main
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

PAGE_HEADERS = {  # what the kit sends with its pages
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
KEY, CSRF, BROWSER = "k" * 22, "c" * 22, "b" * 22
CODE, TOKEN, REFRESH = "x" * 32, "a" * 43, "r" * 43


def make_app(issuer: str) -> Starlette:
    pages = jinja2.Environment(
        loader=jinja2.PackageLoader("codegrant_kit.server", "templates"), autoescape=True
    )
    common = {"root": "", "issuer": issuer, "lab": [], "session_data_key": KEY, "csrf_token": CSRF}
    login = pages.get_template("login.html").render(
        client_name="bench", message="", username="", **common
    )
    consent = pages.get_template("consent.html").render(
        client_name="bench",
        username="admin",
        scopes=["PRODUCTION"],
        scope_descriptions={},
        redirect_uri=CALLBACK,
        message="",
        **common,
    )
    location = f"{CALLBACK}?code={CODE}&state=xyz&iss={issuer}"
    tokens = {
        "access_token": TOKEN,
        "token_type": "Bearer",
        "expires_in": 3600,
        "refresh_token": REFRESH,
        "scope": "PRODUCTION",
    }

    async def authorize(request: Request) -> Response:
        if request.method == "GET":
            response = HTMLResponse(login, headers=PAGE_HEADERS)
            response.set_cookie("cgk_browser", BROWSER, httponly=True, samesite="lax")
            return response
        body = await request.body()
        if b"consent=" in body:
            return RedirectResponse(
                location, 302, headers={**NO_STORE, "Referrer-Policy": "no-referrer"}
            )
        return HTMLResponse(consent, headers=PAGE_HEADERS)

    async def token(request: Request) -> Response:
        await request.body()
        return JSONResponse(tokens, headers=NO_STORE)

    return Starlette(
        routes=[
            Route("/authorize", authorize, methods=["GET", "POST"]),
            Route("/token", token, methods=["POST"]),
        ]
    )


if __name__ == "__main__":
    serve_main(make_app, "kit-shaped static responses")
