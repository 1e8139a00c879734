"""The login and consent pages of real products, served from page_fixtures/ by a small
Starlette app on a real socket, which records every form posted to it.

Each product keeps its own paths and its own rule for reading the answer, as its
server does (WSO2: the ``consent`` field; Keycloak: ``cancel`` present; Spring: the
scopes ticked; django-oauth-toolkit: ``allow`` present). The app sends the browser
on to the client's redirect URI with a code, or ``error=access_denied``, and the
state of the request that started it.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from codegrant_kit.runner import bind_socket

PAGES = Path(__file__).parent / "page_fixtures"
USERNAME, PASSWORD = "alice", "wonderland"

Posted = list[tuple[str, str]]


def page(name: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse((PAGES / name).read_text(encoding="utf-8"), status)


@dataclass
class Product:
    """One product's pages and rules, as the fixture app plays them."""

    name: str
    authorize_path: str
    routes: Callable[[Recorder], list[Route]]


@dataclass
class Recorder:
    """What the browser posted, in order, and the request that started the flow."""

    posts: list[tuple[str, Posted]] = field(default_factory=list)
    redirect_uri: str = ""
    state: str | None = None

    async def record(self, request: Request) -> Posted:
        body = (await request.body()).decode()
        entries = parse_qsl(body, keep_blank_values=True)
        self.posts.append((request.url.path, entries))
        return entries

    def start(self, request: Request) -> None:
        self.redirect_uri = request.query_params["redirect_uri"]
        self.state = request.query_params.get("state")

    def finish(self, granted: bool) -> RedirectResponse:
        params = {"code": secrets.token_urlsafe(16)} if granted else {"error": "access_denied"}
        if self.state is not None:
            params["state"] = self.state
        return RedirectResponse(f"{self.redirect_uri}?{urlencode(params)}", 302)


def signed_in(entries: Posted, user_field: str = "username") -> bool:
    values = dict(entries)
    return values.get(user_field) == USERNAME and values.get("password") == PASSWORD


# -- WSO2 (IS 7 and API Manager 3.x share the key manager's paths) -------------------


def wso2_routes(login: str, consent: str) -> Callable[[Recorder], list[Route]]:
    def routes(recorder: Recorder) -> list[Route]:
        async def authorize(request: Request) -> Response:
            if request.method == "POST":  # the consent form
                entries = await recorder.record(request)
                return recorder.finish(dict(entries)["consent"] in ("approve", "approveAlways"))
            if "sessionDataKey" in request.query_params:  # back from commonauth
                return RedirectResponse(
                    "/authenticationendpoint/oauth2_consent.do?application=Photo+Printer", 302
                )
            recorder.start(request)
            return RedirectResponse("/authenticationendpoint/login.do?sessionDataKey=k", 302)

        async def commonauth(request: Request) -> Response:
            entries = await recorder.record(request)
            if not signed_in(entries):
                return RedirectResponse("/authenticationendpoint/login.do?authFailure=true", 302)
            return RedirectResponse("/oauth2/authorize?sessionDataKey=k", 302)

        return [
            Route("/oauth2/authorize", authorize, methods=["GET", "POST"]),
            Route("/authenticationendpoint/login.do", lambda request: page(login)),
            Route("/commonauth", commonauth, methods=["POST"]),
            Route("/authenticationendpoint/oauth2_consent.do", lambda request: page(consent)),
        ]

    return routes


# -- Keycloak 26 ---------------------------------------------------------------------


def keycloak_routes(username_first: bool) -> Callable[[Recorder], list[Route]]:
    def routes(recorder: Recorder) -> list[Route]:
        async def auth(request: Request) -> Response:
            recorder.start(request)
            # Keycloak answers the authorization request with the login page itself
            return page("keycloak26_username.html" if username_first else "keycloak26_login.html")

        async def authenticate(request: Request) -> Response:
            entries = await recorder.record(request)
            values = dict(entries)
            if username_first and "password" not in values:
                if values.get("username") != USERNAME:
                    return page("keycloak26_username.html")
                return page("keycloak26_password.html")
            if values.get("password") != PASSWORD:
                return page(
                    "keycloak26_password.html" if username_first else "keycloak26_login.html"
                )
            # the answer to the login POST is the consent page, at the same URL
            return page("keycloak26_consent.html")

        async def consent(request: Request) -> Response:
            entries = await recorder.record(request)
            return recorder.finish("cancel" not in dict(entries))

        prefix = "/realms/demo"
        return [
            Route(f"{prefix}/protocol/openid-connect/auth", auth),
            Route(f"{prefix}/login-actions/authenticate", authenticate, methods=["POST"]),
            Route(f"{prefix}/login-actions/consent", consent, methods=["POST"]),
        ]

    return routes


# -- Spring Authorization Server -------------------------------------------------------


def spring_routes(recorder: Recorder) -> list[Route]:
    async def authorize(request: Request) -> Response:
        if request.method == "POST":
            entries = await recorder.record(request)
            # Spring: no scope ticked (and none approved before) is access_denied
            return recorder.finish(any(name == "scope" for name, _ in entries))
        if "continue" in request.query_params:  # the saved request, after the login
            return page("spring_consent.html")
        recorder.start(request)
        return RedirectResponse("/login", 302)

    async def login(request: Request) -> Response:
        if request.method == "GET":
            return page("spring_login.html")
        entries = await recorder.record(request)
        if not signed_in(entries):
            return RedirectResponse("/login?error", 302)
        return RedirectResponse("/oauth2/authorize?continue", 302)

    return [
        Route("/oauth2/authorize", authorize, methods=["GET", "POST"]),
        Route("/login", login, methods=["GET", "POST"]),
    ]


# -- django-oauth-toolkit --------------------------------------------------------------


def dot_routes(recorder: Recorder) -> list[Route]:
    async def authorize(request: Request) -> Response:
        if request.method == "POST":
            entries = await recorder.record(request)
            return recorder.finish("allow" in dict(entries))
        if "redirect_uri" in request.query_params:
            recorder.start(request)
            next_url = "/o/authorize/?response_type=code&client_id=photo-printer"
            return RedirectResponse(f"/admin/login/?{urlencode({'next': next_url})}", 302)
        return page("dot_consent.html")

    async def login(request: Request) -> Response:
        if request.method == "GET":
            return page("dot_login.html")
        entries = await recorder.record(request)
        if not signed_in(entries):
            return page("dot_login.html")
        return RedirectResponse(dict(entries)["next"], 302)

    return [
        Route("/o/authorize/", authorize, methods=["GET", "POST"]),
        Route("/admin/login/", login, methods=["GET", "POST"]),
    ]


PRODUCTS = {
    "wso2_is7": Product(
        "WSO2 Identity Server 7",
        "/oauth2/authorize",
        wso2_routes("wso2_is7_login.html", "wso2_is7_consent.html"),
    ),
    "wso2_apim3": Product(
        "WSO2 API Manager 3.x",
        "/oauth2/authorize",
        wso2_routes("wso2_apim3_login.html", "wso2_apim3_consent.html"),
    ),
    "keycloak26": Product(
        "Keycloak 26",
        "/realms/demo/protocol/openid-connect/auth",
        keycloak_routes(username_first=False),
    ),
    "keycloak26_username_first": Product(
        "Keycloak 26, username first",
        "/realms/demo/protocol/openid-connect/auth",
        keycloak_routes(username_first=True),
    ),
    "spring": Product(
        "Spring Authorization Server",
        "/oauth2/authorize",
        spring_routes,
    ),
    "dot": Product(
        "django-oauth-toolkit",
        "/o/authorize/",
        dot_routes,
    ),
}


class FixtureServer:
    """One product's pages on 127.0.0.1, served by uvicorn in a thread."""

    def __init__(self, product: Product) -> None:
        self.product = product
        self.recorder = Recorder()
        self.app = Starlette(routes=product.routes(self.recorder))
        self._socket = bind_socket("127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def __enter__(self) -> FixtureServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fixture server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
        self._socket.close()

    @property
    def authorization_endpoint(self) -> str:
        return self.url + self.product.authorize_path


def served(name: str) -> Iterator[FixtureServer]:
    with FixtureServer(PRODUCTS[name]) as server:
        yield server
