"""`codegrant-kit demo`: the seed page's whole flow against an embedded server, printed.

Each exchange is printed as the WSO2 page prints its examples: request line,
headers, body; `HTTP/1.1 302 Found` and its `Location` with the code; the
`POST /token` with `Authorization: Basic ...`; the JSON; then the API call.
"""

from __future__ import annotations

import sys
from typing import TextIO

from .client import Flow
from .client.transcript import Exchange
from .runner import start_server, stop_server

CALLBACK = "https://client.example.com/cb"
# Headers worth reading in each exchange; the rest (user agent, lengths) is noise here.
SHOWN = (
    "Host",
    "Authorization",
    "Content-Type",
    "Location",
    "Cache-Control",
    "Cookie",
    "Set-Cookie",
)


def _print_exchange(out: TextIO, title: str, exchange: Exchange, color: bool) -> None:
    bold, dim, reset = ("\033[1m", "\033[2m", "\033[0m") if color else ("", "", "")
    out.write(f"\n{bold}== {title}{reset}\n\n")
    out.write(exchange.raw_request(headers=SHOWN) + "\n\n")
    response = exchange.response
    text = exchange.raw_response(headers=SHOWN)
    if response is not None and response.headers.get("content-type", "").startswith("text/html"):
        head = text.split("\n\n", 1)[0]
        text = f"{head}\n\n{dim}(an HTML page of {len(response.content)} bytes){reset}"
    out.write(text + "\n")


def run_demo(*, color: bool = False, out: TextIO = sys.stdout) -> int:
    server = start_server(users={"admin": "admin"})
    try:
        flow = Flow.discover(server.url, redirect_uri=CALLBACK, scope="PRODUCTION")
        with flow:
            flow.register("Playground", redirect_uri=CALLBACK)
            app = flow.application
            assert app is not None
            out.write(
                f"Authorization server {server.url}; application 'Playground' registered:\n"
                f"  consumer key    {app.client_id}\n  consumer secret {app.client_secret}\n"
            )
            flow.authorize(scope="PRODUCTION", pkce=False)
            flow.open_authorization_page()
            flow.login("admin", "admin")
            flow.consent("approve")
            response = flow.receive_redirect()
            flow.exchange_code()
            flow.call_api(server.url + "/api/photos")
            steps = {
                "GET /authorize": "(A) the browser asks for authorization",
                "POST /authorize": "(B) the resource owner signs in, then approves",
                "POST /token": "(D) the client trades the code for tokens",
                "GET /api/photos": "the client calls the photos API with the access token",
            }
            for exchange in flow.transcript.exchanges:
                key = f"{exchange.request.method} {exchange.request.url.path}"
                if key in steps:
                    title = steps[key]
                    if exchange.response is not None and exchange.response.status_code == 302:
                        title = (
                            f"(C) 302 Found: the code comes back in the Location ({response.code})"
                        )
                    _print_exchange(out, title, exchange, color)
    finally:
        stop_server()
    out.write("\nThe whole flow worked: a code, an access token, and the photos it opened.\n")
    return 0
