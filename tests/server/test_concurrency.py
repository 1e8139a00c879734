from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from codegrant_kit.server.errors import InvalidGrant

from .helpers import get_code, redeem, token_request, tokens

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
            32, lambda code=code: outcome(lambda: server.store.redeem_code(code, lambda _: None))
        )
        assert results.count("ok") == 1
        assert results.count("invalid_grant") == 31


def test_store_rotates_a_refresh_token_once_among_threads(server, browser):
    issued = tokens(browser, server.client)
    value, client_id = issued["refresh_token"], server.client.client_id
    results = race(
        32,
        lambda: outcome(
            lambda: server.store.rotate_refresh_token(value, client_id, lambda _: None)
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
