"""A root path from X-Forwarded-Prefix: honoured behind a trusted proxy, ignored otherwise."""

from __future__ import annotations

import re
from html import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codegrant_kit.server import ServerConfig, Store, create_app
from codegrant_kit.server.forwarded_prefix import parse_prefix

from .helpers import REDIRECT_URI, USERS, asgi, run

PROXIED = "http://127.0.0.1:8888/user/ada/proxy/41234"
HIDDEN = re.compile(r'name="(sessionDataKey|csrf_token)" value="([^"]+)"')


def app_and_client(**options: object):
    config = ServerConfig(password_hash="fast", **options)  # type: ignore[arg-type]
    store = Store(config)
    store.add_user("ada", USERS["ada"])
    client = store.add_client(redirect_uris=[REDIRECT_URI])
    return create_app(config, store), client


TRUSTING = app_and_client(issuer=PROXIED, trust_forwarded_prefix=True)


def login_page(app, client, headers: dict[str, str]) -> tuple[str, str]:
    query = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": REDIRECT_URI,
        "state": "s",
    }

    async def get() -> tuple[str, str]:
        async with asgi(app) as http:
            page = await http.get("/authorize", params=query, headers=headers)
        assert page.status_code == 200, page.text
        return page.text, page.headers["set-cookie"]

    return run(get())


@pytest.mark.parametrize("prefix", ["/proxy/41234", "/user/ada/proxy/41234"])
def test_a_trusted_prefix_is_kept_in_the_form_and_the_cookie(prefix):
    app, client = app_and_client(issuer=PROXIED, trust_forwarded_prefix=True)
    html, cookie = login_page(app, client, {"X-Forwarded-Prefix": prefix + "/"})
    assert f'<form method="post" action="{prefix}/authorize">' in html
    assert f"Path={prefix}" in cookie


def test_the_metadata_is_built_on_the_public_url():
    app, _ = app_and_client(issuer=PROXIED, trust_forwarded_prefix=True)

    async def get() -> dict[str, str]:
        async with asgi(app) as http:
            response = await http.get(
                "/.well-known/oauth-authorization-server",
                headers={"X-Forwarded-Prefix": "/user/ada/proxy/41234"},
            )
        return dict(response.json())

    metadata = run(get())
    assert metadata["issuer"] == PROXIED
    assert metadata["authorization_endpoint"] == PROXIED + "/authorize"


def test_a_forged_prefix_changes_nothing_by_default():
    app, client = app_and_client()
    html, cookie = login_page(app, client, {"X-Forwarded-Prefix": "/evil"})
    assert '<form method="post" action="/authorize">' in html
    assert "/evil" not in html and "Path=/;" in cookie


@pytest.mark.parametrize(
    "value",
    [
        "/a;Domain=evil.example",
        '/a"><script>',
        "/a/../b",
        "relative/path",
        "/a b",
        "//evil.example",
        "/" + "a" * 600,
    ],
)
def test_a_prefix_that_is_not_a_plain_path_is_ignored(value):
    assert parse_prefix(value.encode()) is None
    app, client = app_and_client(issuer=PROXIED, trust_forwarded_prefix=True)
    html, cookie = login_page(app, client, {"X-Forwarded-Prefix": value})
    assert '<form method="post" action="/authorize">' in html
    assert "Path=/;" in cookie


def test_two_prefixes_are_one_too_many():
    app, client = app_and_client(issuer=PROXIED, trust_forwarded_prefix=True)

    async def get() -> str:
        async with asgi(app) as http:
            page = await http.get(
                "/authorize",
                params={"response_type": "code", "client_id": client.client_id, "state": "s"},
                headers=[("X-Forwarded-Prefix", "/a"), ("X-Forwarded-Prefix", "/b")],
            )
        return page.text

    assert '<form method="post" action="/authorize">' in run(get())


def test_a_proxy_that_keeps_the_prefix_in_the_path_is_served_too():
    """jupyter-server-proxy strips the prefix; /proxy/absolute/PORT and others keep it."""
    app, client = app_and_client(issuer=PROXIED, trust_forwarded_prefix=True)
    prefix = "/user/ada/proxy/41234"

    async def flow() -> str:
        async with asgi(app) as http:
            headers = {"X-Forwarded-Prefix": prefix}
            page = await http.get(
                prefix + "/authorize",
                params={"response_type": "code", "client_id": client.client_id, "state": "s"},
                headers=headers,
            )
            assert f'action="{prefix}/authorize"' in page.text
            fields = dict(HIDDEN.findall(page.text))
            login = {**fields, "username": "ada", "password": USERS["ada"]}
            consent = await http.post(prefix + "/authorize", data=login, headers=headers)
            assert consent.status_code == 200, consent.text
            answer = {**fields, "consent": "approve"}
            found = await http.post(prefix + "/authorize", data=answer, headers=headers)
        return found.headers["location"]

    location = run(flow())
    assert location.startswith(REDIRECT_URI + "?code=")
    assert "iss=http%3A%2F%2F127.0.0.1%3A8888%2Fuser%2Fada%2Fproxy%2F41234" in location


PATHS = st.from_regex(r"(/[A-Za-z0-9._~!$&+=:@%;,'\" <>\\-]{0,8}){1,4}/?", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(value=st.one_of(st.binary(max_size=80), PATHS.map(str.encode)))
def test_any_header_value_gives_a_page_never_a_5xx(value):
    prefix = parse_prefix(value)
    if prefix is not None:  # a plain path, safe in an attribute and a Set-Cookie header
        assert prefix.startswith("/") and not re.search(r"[\s\"'<>;,\\]", prefix)
    app, client = TRUSTING

    async def get() -> tuple[int, str, str]:
        async with asgi(app) as http:
            response = await http.get(
                "/authorize",
                params={"response_type": "code", "client_id": client.client_id, "state": "s"},
                headers=[(b"x-forwarded-prefix", value)],
            )
        return response.status_code, response.text, response.headers["set-cookie"]

    status, html, cookie = run(get())
    assert status == 200
    assert f'action="{escape(prefix or "")}/authorize"' in html  # as the browser reads it
    assert f"Path={prefix or '/'};" in cookie
