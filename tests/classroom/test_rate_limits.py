"""Rate limits and caps: one learner's loop cannot starve the class or fill the server."""

from __future__ import annotations

import re
import socket

import httpx
import pytest

from codegrant_kit.cli import parser
from codegrant_kit.runner import start_server
from codegrant_kit.server import ServerConfig, Store, create_app
from codegrant_kit.server.rate_limit import DEFAULT_RATE_LIMITS, RateLimit, RateLimiter

from .helpers import REDIRECT_URI, USERS, asgi, run, serve

HIDDEN = re.compile(r'name="(sessionDataKey|csrf_token)" value="([^"]+)"')
SLOW = RateLimit(per_second=0.001, burst=3)  # three requests, then none for a long time


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def classroom(**options: object):
    config = ServerConfig(issuer="http://testserver", password_hash="fast", **options)  # type: ignore[arg-type]
    store = Store(config)
    for name, password in USERS.items():
        store.add_user(name, password)
    client = store.add_client(redirect_uris=[REDIRECT_URI], client_name="Photo importer")
    return create_app(config, store), client


def test_a_bucket_allows_its_burst_then_its_rate():
    clock = Clock()
    limiter = RateLimiter({"token": RateLimit(per_second=2, burst=3)}, clock=clock)
    assert [limiter.retry_after("token", "10.0.0.7") for _ in range(4)] == [None, None, None, 1]
    assert limiter.retry_after("token", "10.0.0.8") is None  # another address has its own
    clock.now += 0.5  # one request's worth refilled
    assert limiter.retry_after("token", "10.0.0.7") is None
    assert limiter.retry_after("token", "10.0.0.7") == 1
    clock.now += 60  # never more than the burst saved up
    assert [limiter.retry_after("token", "10.0.0.7") for _ in range(4)] == [None, None, None, 1]


def test_retry_after_says_when_a_token_is_back():
    limiter = RateLimiter({"register": RateLimit(per_second=0.1, burst=1)}, clock=Clock())
    assert limiter.retry_after("register", "a") is None
    assert limiter.retry_after("register", "a") == 10


def test_an_endpoint_without_a_limit_is_never_limited():
    limiter = RateLimiter({"token": None}, clock=Clock())
    assert all(limiter.retry_after("token", "a") is None for _ in range(10_000))
    assert limiter.retry_after("authorize", "a") is None


@pytest.mark.parametrize("path", ["/token", "/register"])
def test_json_endpoints_answer_429_with_retry_after(path):
    app, _ = classroom(rate_limits={"token": SLOW, "register": SLOW})

    async def loop() -> tuple[list[int], dict[str, str], dict[str, object], int]:
        async with asgi(app, "10.0.0.7") as looping, asgi(app, "10.0.0.8") as other:
            statuses = []
            for _ in range(4):
                if path == "/token":
                    response = await looping.post(path, data={"grant_type": "x"})
                else:
                    response = await looping.post(path, json={"redirect_uris": [REDIRECT_URI]})
                statuses.append(response.status_code)
            second = await other.post(path, data={"grant_type": "x"})
            return statuses, dict(response.headers), response.json(), second.status_code

    statuses, headers, body, other = run(loop())
    assert statuses[3] == 429 and 429 not in statuses[:3]
    assert int(headers["retry-after"]) >= 1
    assert headers["cache-control"] == "no-store"
    assert body["error"] == "temporarily_unavailable"
    assert "try again in" in body["error_description"]
    assert other != 429


def test_a_loop_on_authorize_does_not_starve_the_class():
    app, client = classroom(rate_limits={"authorize": RateLimit(per_second=1, burst=20)})
    query = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "photos:read",
        "state": "s",
    }

    async def lesson() -> tuple[list[int], str, str]:
        async with asgi(app, "10.0.0.66") as loop, asgi(app, "10.0.0.7") as ada:
            statuses = [
                (await loop.get("/authorize", params=query)).status_code for _ in range(200)
            ]
            refused = await loop.get("/authorize", params=query)
            page = await ada.get("/authorize", params=query)
            hidden = dict(HIDDEN.findall(page.text))
            consent = await ada.post(
                "/authorize", data={**hidden, "username": "ada", "password": USERS["ada"]}
            )
            found = await ada.post("/authorize", data={**hidden, "consent": "approve"})
            assert refused.headers["content-type"].startswith("text/html")
            assert int(refused.headers["retry-after"]) >= 1
            assert consent.status_code == 200
            return statuses, refused.text, found.headers["location"]

    statuses, refused, location = run(lesson())
    assert statuses.count(200) <= 21 and statuses.count(429) >= 179
    assert "Too many requests" in refused
    assert location.startswith(REDIRECT_URI + "?code=")


def test_one_address_cannot_fill_the_server_with_applications():
    app, _ = classroom(max_clients_per_address=2, max_clients=5)

    async def register() -> list[tuple[int, dict[str, str]]]:
        answers = []
        async with asgi(app, "10.0.0.66") as loop, asgi(app, "10.0.0.7") as ada:
            for http in (loop, loop, loop, ada, ada, loop):
                response = await http.post("/register", json={"redirect_uris": [REDIRECT_URI]})
                answers.append((response.status_code, response.json()))
        return answers

    answers = run(register())
    assert [status for status, _ in answers] == [201, 201, 400, 201, 201, 400]
    capped = answers[2][1]
    assert capped["error"] == "invalid_client_metadata"
    assert "Your address 10.0.0.66 has registered 2 applications" in capped["error_description"]
    assert "max_clients_per_address" in capped["error_description"]


def test_the_server_wide_cap_says_so():
    app, _ = classroom(max_clients=1)  # the preloaded application is the one

    async def register() -> dict[str, str]:
        async with asgi(app, "10.0.0.7") as ada:
            response = await ada.post("/register", json={"redirect_uris": [REDIRECT_URI]})
        assert response.status_code == 400
        return dict(response.json())

    body = run(register())
    assert (
        "This server holds 1 applications, its maximum (max_clients)" in body["error_description"]
    )


def test_limits_are_configured_by_name():
    config = ServerConfig(rate_limits={"token": RateLimit(5, 10)})
    assert config.rate_limits["token"] == RateLimit(5, 10)
    assert config.rate_limits["authorize"] == DEFAULT_RATE_LIMITS["authorize"]  # kept
    with pytest.raises(ValueError, match="No rate limit is named 'photos'"):
        ServerConfig(rate_limits={"photos": RateLimit(1, 1)})
    with pytest.raises(ValueError, match="per_second > 0"):
        RateLimit(0, 10)


def test_the_command_line_takes_limits_and_caps():
    args = parser().parse_args(
        ["serve", "--rate-limit", "token=2.5/30", "--rate-limit", "register=off",
         "--max-clients-per-address", "50", "--max-pending-per-address", "600",
         "--max-pending", "9000"]
    )  # fmt: skip
    assert dict(args.rate_limit) == {"token": RateLimit(2.5, 30), "register": None}
    assert args.max_clients_per_address == 50
    assert (args.max_pending_per_address, args.max_pending) == (600, 9000)
    for bad in ("token=fast", "photos=1/2", "token=0/5", "token"):
        with pytest.raises(SystemExit):
            parser().parse_args(["serve", "--rate-limit", bad])


def register_as(url: str, addresses: list[str]) -> list[int]:
    """Register one application per X-Forwarded-For address, all from this process."""
    with httpx.Client(base_url=url, timeout=10) as http:
        return [
            http.post(
                "/register",
                json={"redirect_uris": [REDIRECT_URI]},
                headers={"X-Forwarded-For": address},
            ).status_code
            for address in addresses
        ]


SPOOFED = [f"10.9.8.{n}" for n in range(1, 6)]


def test_a_local_process_cannot_pick_its_address_with_x_forwarded_for():
    # RFC 7239 8.1: a forwarded header is only believed from a proxy that was declared;
    # start_server trusts X-Forwarded-Prefix on loopback, but never X-Forwarded-For
    with start_server(users=USERS, password_hash="fast", max_clients_per_address=2) as server:
        assert register_as(server.url, SPOOFED) == [201, 201, 400, 400, 400]
        assert server.config.trust_forwarded_prefix and not server.config.trust_forwarded_for


def test_behind_proxy_takes_the_address_from_x_forwarded_for():
    with serve("--port", "0", "--user", "ada:pw", "--behind-proxy",
               "--max-clients-per-address", "2") as served:  # fmt: skip
        assert register_as(served.issuer, SPOOFED) == [201] * 5
        # and each forwarded address still has its own cap
        assert register_as(served.issuer, ["10.9.9.9"] * 3) == [201, 201, 400]


def test_the_command_line_caps_the_connections_of_one_address():
    with serve("--port", "0", "--user", "ada:pw", "--max-connections-per-address", "2") as served:
        held = [socket.create_connection(("127.0.0.1", served.port)) for _ in range(2)]
        request = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        with socket.create_connection(("127.0.0.1", served.port), timeout=5) as third:
            try:
                third.sendall(request)
                refused = third.recv(4096)
            except ConnectionResetError:
                refused = b""  # closed unread: the request may meet a reset
        assert refused == b"" or refused.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
        held[0].sendall(request)
        assert held[0].recv(4096).startswith(b"HTTP/1.1 200 OK\r\n")
        for sock in held:
            sock.close()
