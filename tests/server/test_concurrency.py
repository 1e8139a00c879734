from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from codegrant_kit.server.errors import InvalidGrant
from codegrant_kit.server.grants import redeem_code, rotate_refresh_token

from .helpers import (
    ISSUER,
    USERS,
    InProcess,
    assert_error_page,
    authorize,
    get_code,
    redeem,
    redirect_params,
    the_form,
    token_request,
    tokens,
)

THREADS = 16


def race(n, attempt):
    """Run attempt() in n threads released at the same instant; their results in order."""
    barrier = threading.Barrier(n)

    def run(_):
        barrier.wait()
        return attempt()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def outcome(call):
    try:
        call()
    except InvalidGrant:
        return "invalid_grant"
    return "ok"


def test_store_redeems_a_code_once_among_threads(server, browser):
    for _ in range(5):
        code = get_code(browser, server.client)
        results = race(
            32, lambda code=code: outcome(lambda: redeem_code(server.store, code, lambda _: None))
        )
        assert results.count("ok") == 1
        assert results.count("invalid_grant") == 31


def test_store_rotates_a_refresh_token_once_among_threads(server, browser):
    issued = tokens(browser, server.client)
    value, client_id = issued["refresh_token"], server.client.client_id
    results = race(
        32,
        lambda: outcome(
            lambda: rotate_refresh_token(server.store, value, client_id, lambda _: None)
        ),
    )
    assert results.count("ok") == 1


def test_one_code_sixteen_clients_over_a_socket(live):
    client = live.store.get_client("live-app")
    with httpx.Client(base_url=live.url, timeout=10) as browser:
        code = get_code(browser, client)

    def attempt():
        with httpx.Client(base_url=live.url, timeout=10) as http:
            return redeem(http, client, code)

    responses = race(THREADS, attempt)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [400] * (THREADS - 1), [r.text for r in responses]
    assert {r.json()["error"] for r in responses if r.status_code == 400} == {"invalid_grant"}


def test_one_refresh_token_sixteen_clients_over_a_socket(live):
    client = live.store.get_client("live-app")
    with httpx.Client(base_url=live.url, timeout=10) as browser:
        issued = redeem(browser, client, get_code(browser, client)).json()

    def attempt():
        with httpx.Client(base_url=live.url, timeout=10) as http:
            body = {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]}
            return token_request(http, client, body)

    responses = race(THREADS, attempt)
    assert sorted(r.status_code for r in responses) == [200] + [400] * (THREADS - 1)


def test_one_sign_in_page_posted_four_times_at_once_gives_one_code():
    # After Approve Always the sign-in answers with the code itself. Both posts await
    # Argon2id in the thread pool at the same time, so both find the page still open;
    # only the one that ends the pending authorization may get a code.
    kit = InProcess.create(password_hash="argon2id")
    try:
        browser = kit.browser()
        get_code(browser, kit.client, consent="approveAlways")
        form = the_form(authorize(browser, kit.client).text)
        data = {**form.hidden, "username": "alice", "password": USERS["alice"]}
        cookies = dict(browser.cookies)

        async def post_twice() -> list[httpx.Response]:
            transport = httpx.ASGITransport(app=kit.app)
            async with httpx.AsyncClient(
                transport=transport, base_url=ISSUER, cookies=cookies
            ) as http:
                posts = [http.post(form.action, data=data) for _ in range(4)]
                return list(await asyncio.gather(*posts))

        responses = asyncio.run(post_twice())
        codes = [r for r in responses if r.status_code == 302]
        assert len(codes) == 1, [(r.status_code, r.headers.get("location")) for r in responses]
        assert "code" in redirect_params(codes[0])
        for other in responses:
            if other is not codes[0]:
                assert "already" in assert_error_page(other)
        assert len(kit.store.snapshot()["codes"]) == 2  # the first flow's and this one
    finally:
        kit.close()
