"""What the server's tests share: an in-process server, a browser, the flow's steps.

The browser is a plain `httpx.Client`: it keeps cookies, never follows a redirect,
reads forms with the standard library's `html.parser` and sends hidden inputs back
unchanged, as a person's browser would.
"""

from __future__ import annotations

import asyncio
import base64
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlsplit

import httpx
from hypothesis import strategies as st
from starlette.applications import Starlette

from codegrant_kit.lab import LabClock
from codegrant_kit.server import ServerConfig, Store, create_app
from codegrant_kit.server.store import Client

ISSUER = "http://testserver"  # httpx's base URL, so the cookie comes back in-process
REDIRECT_URI = "https://client.example.com/cb"
OTHER_REDIRECT_URI = "https://client.example.com/other"
USERS = {"alice": "wonderland", "bob": "builder"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# RFC 7636 Appendix B
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
START = 1_700_000_000.0  # where the server's clock starts: LabClock(START), moved by hand

# the characters that matter in a URI, some full-width look-alikes, and anything else
URI_CHARS = st.one_of(
    st.sampled_from(list("abc.-_~:/?#[]@!$&'()*+,;=%1 \t\uff03\uff0f\u2100")),
    st.characters(codec="utf-8"),
)
URIS = st.tuples(
    st.sampled_from(["https://", "http://", "urn:", "/", "//", "javascript:", "x:", ""]),
    st.text(URI_CHARS, max_size=25),
).map("".join)


class SyncASGITransport(httpx.BaseTransport):
    """httpx's ASGITransport (async only) driven from a private event loop."""

    def __init__(self, app: Starlette, address: str = "127.0.0.1") -> None:
        self._transport = httpx.ASGITransport(
            app=app, raise_app_exceptions=False, client=(address, 123)
        )
        self._loop = asyncio.new_event_loop()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()

        async def send() -> httpx.Response:
            copy = httpx.Request(request.method, request.url, headers=request.headers, content=body)
            response = await self._transport.handle_async_request(copy)
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        return self._loop.run_until_complete(send())

    def run(self, coroutine: Any) -> Any:
        return self._loop.run_until_complete(coroutine)

    def close(self) -> None:
        if not self._loop.is_closed():
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.run_until_complete(self._loop.shutdown_default_executor())
            self._loop.close()


@dataclass
class InProcess:
    """A server without a socket: its app, store, clock, and browsers to drive it."""

    config: ServerConfig
    store: Store
    app: Starlette
    clock: LabClock
    client: Client
    _transport: SyncASGITransport = field(repr=False)
    _browsers: list[httpx.Client] = field(default_factory=list, repr=False)
    _elsewhere: list[SyncASGITransport] = field(default_factory=list, repr=False)

    @classmethod
    def create(cls, **options: Any) -> InProcess:
        clock = LabClock(START)
        options = {"issuer": ISSUER, "password_hash": "fast", "clock": clock, **options}
        config = ServerConfig(**options)
        store = Store(config)
        for name, password in USERS.items():
            store.add_user(name, password)
        client = store.add_client(
            client_name="Import Photos",
            redirect_uris=[REDIRECT_URI, OTHER_REDIRECT_URI],
        )
        app = create_app(config, store)
        return cls(config, store, app, clock, client, SyncASGITransport(app))

    def browser(self, address: str | None = None) -> httpx.Client:
        """A new browser (own cookie jar) on this server, from `address` if given."""
        transport = self._transport
        if address is not None:
            transport = SyncASGITransport(self.app, address)
            self._elsewhere.append(transport)
        browser = httpx.Client(transport=transport, base_url=ISSUER)
        self._browsers.append(browser)
        return browser

    def add_client(self, **fields: Any) -> Client:
        fields.setdefault("redirect_uris", [REDIRECT_URI])
        return self.store.add_client(**fields)

    def raw(
        self,
        method: str,
        path: str,
        *,
        query: bytes = b"",
        headers: Iterable[tuple[bytes, bytes]] = (),
        body: bytes = b"",
        address: str = "127.0.0.1",
    ) -> httpx.Response:
        """One request with bytes httpx would refuse to send (non-UTF-8, over 64 KiB)."""
        request = asgi_request(self.app, method, path, query, headers, body, address)
        return self._transport.run(request)

    def close(self) -> None:
        for browser in self._browsers:
            browser.close()
        for transport in [self._transport, *self._elsewhere]:
            transport.close()


async def asgi_request(
    app: Starlette,
    method: str,
    path: str,
    query: bytes,
    headers: Iterable[tuple[bytes, bytes]],
    body: bytes,
    address: str = "127.0.0.1",
) -> httpx.Response:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": (address, 50000),
        "server": ("testserver", 80),
    }
    sent = False
    status, out_headers, chunks = 0, {}, []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            out_headers.update(
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in message["headers"]
            )
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    try:
        await app(scope, receive, send)
    except Exception:
        if not status:  # Starlette re-raises after sending its 500 page
            raise
    return httpx.Response(status, headers=out_headers, content=b"".join(chunks))


# -- reading pages and redirects ------------------------------------------------


@dataclass
class Form:
    method: str = ""
    action: str = ""
    inputs: dict[str, dict[str, str]] = field(default_factory=dict)  # name -> attributes
    buttons: list[dict[str, str]] = field(default_factory=list)

    @property
    def hidden(self) -> dict[str, str]:
        return {
            name: attrs.get("value", "")
            for name, attrs in self.inputs.items()
            if attrs.get("type") == "hidden"
        }


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(values.get("method", "get").lower(), values.get("action", "")))
        elif tag == "input" and self.forms and "name" in values:
            self.forms[-1].inputs[values["name"]] = values
        elif tag == "button" and self.forms:
            self.forms[-1].buttons.append(values)


def the_form(html: str) -> Form:
    """The one form of a login or consent page."""
    parser = _FormParser()
    parser.feed(html)
    assert len(parser.forms) == 1, f"expected one form, found {len(parser.forms)}"
    return parser.forms[0]


def redirect_params(response: httpx.Response, redirect_uri: str = REDIRECT_URI) -> dict[str, str]:
    """The parameters of a 302 to the client's redirect URI (each exactly once)."""
    assert response.status_code == 302, (response.status_code, response.text[:500])
    location = response.headers["location"]
    base, _, query = location.partition("?")
    assert base == redirect_uri.partition("?")[0], location
    pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=True)
    names = [name for name, _ in pairs]
    assert len(names) == len(set(names)), f"a parameter repeated in {location}"
    return dict(pairs)


def assert_json_error(
    response: httpx.Response, error: str | None = None, status: int | None = None
) -> dict[str, Any]:
    """An RFC 6749 5.2 error: 4xx, JSON {error, error_description}, never cached."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    if status is not None:
        assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "error_description"}, body
    assert isinstance(body["error"], str) and isinstance(body["error_description"], str)
    if error is not None:
        assert body["error"] == error, body
    return body


def assert_client_refused(response: httpx.Response) -> None:
    """invalid_client: 401 with a Basic challenge, or 429 with Retry-After once locked out."""
    assert_json_error(response, "invalid_client")
    if response.status_code == 401:
        assert response.headers["www-authenticate"].startswith("Basic")
    else:
        assert response.status_code == 429, response.status_code
        assert int(response.headers["retry-after"]) > 0


def assert_error_page(response: httpx.Response, status: int = 400) -> str:
    """An HTML page that explains the error and sends the browser nowhere."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    return response.text


# -- the flow, step by step ----------------------------------------------------


def basic(client_id: str, client_secret: str) -> str:
    """RFC 6749 2.3.1: form-encode id and secret, then HTTP Basic."""
    pair = f"{quote_plus(client_id)}:{quote_plus(client_secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def authorize(browser: httpx.Client, client: Client, **params: str | None) -> httpx.Response:
    """GET /authorize; a parameter given as None is left out."""
    query = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": client.redirect_uris[0],
        "scope": "photos:read",
        "state": "xyz",
        **params,
    }
    return browser.get("/authorize", params={k: v for k, v in query.items() if v is not None})


def submit(browser: httpx.Client, page: httpx.Response, **fields: str) -> httpx.Response:
    """Post the page's form: its hidden inputs unchanged, plus `fields`."""
    assert page.status_code == 200, (page.status_code, page.text[:500])
    form = the_form(page.text)
    assert form.method == "post"
    return browser.post(form.action, data={**form.hidden, **fields})


def sign_in(
    browser: httpx.Client, page: httpx.Response, username: str = "alice", password: str = ""
) -> httpx.Response:
    password = password or USERS.get(username, "")
    return submit(browser, page, username=username, password=password)


def get_code(
    browser: httpx.Client,
    client: Client,
    *,
    username: str = "alice",
    password: str = "",
    consent: str = "approve",
    **params: str | None,
) -> str:
    """The whole browser part: authorize, sign in, approve; the code from the Location."""
    page = sign_in(browser, authorize(browser, client, **params), username, password)
    if page.status_code == 200:
        page = submit(browser, page, consent=consent)
    redirect_uri = params.get("redirect_uri") or client.redirect_uris[0]
    return redirect_params(page, redirect_uri)["code"]


def client_of(client_id: str, client_secret: str, redirect_uri: str = REDIRECT_URI) -> Client:
    """A client of a server in another process, described as the store would."""
    return Client(
        client_id=client_id,
        client_secret=client_secret,
        client_name="",
        redirect_uris=(redirect_uri,),
        grant_types=("authorization_code", "refresh_token"),
        response_types=("code",),
        token_endpoint_auth_method="client_secret_basic",
        scope=(),
        client_id_issued_at=0,
    )


def redeem(
    http: httpx.Client,
    client: Client,
    code: str,
    *,
    auth: str | None = None,
    **params: str | None,
) -> httpx.Response:
    """POST /token with grant_type=authorization_code."""
    body = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": client.redirect_uris[0],
        **params,
    }
    return token_request(http, client, body, auth=auth)


def token_request(
    http: httpx.Client,
    client: Client,
    body: Mapping[str, str | None],
    *,
    auth: str | None = None,
    path: str = "/token",
) -> httpx.Response:
    """A client-authenticated POST; `auth` "basic", "post" or "none", else as registered."""
    if auth is None:
        auth = "post" if client.token_endpoint_auth_method == "client_secret_post" else "basic"
    data = {k: v for k, v in body.items() if v is not None}
    headers = {}
    if auth == "basic":
        headers["Authorization"] = basic(client.client_id, client.client_secret)
    elif auth == "post":
        data |= {"client_id": client.client_id, "client_secret": client.client_secret}
    return http.post(path, data=data, headers=headers)


def tokens(browser: httpx.Client, client: Client, **params: str | None) -> dict[str, Any]:
    """A fresh token response for alice."""
    code = get_code(browser, client, **params)
    response = redeem(browser, client, code)
    assert response.status_code == 200, response.text
    return dict(response.json())


def photos(http: httpx.Client, access_token: str) -> httpx.Response:
    return http.get("/api/photos", headers={"Authorization": f"Bearer {access_token}"})


def introspect(http: httpx.Client, client: Client, token: str) -> dict[str, Any]:
    response = token_request(http, client, {"token": token}, path="/introspect")
    assert response.status_code == 200, response.text
    return dict(response.json())


# -- sockets -------------------------------------------------------------------


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def accepts_connections(url: str) -> bool:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=1):
            return True
    except OSError:
        return False
