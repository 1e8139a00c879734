"""The instructor's dashboard: who reached which step, for the instructor only."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codegrant_kit.client import Flow
from codegrant_kit.runner import BackgroundServer, build

from .helpers import (
    INSTRUCTOR,
    REDIRECT_URI,
    USERS,
    asgi,
    dashboard_rows,
    run,
    to_code,
    to_consent,
)


@pytest.fixture
def classroom() -> Iterator[BackgroundServer]:
    sock, app = build(
        host="127.0.0.1",
        port=0,
        users=USERS,
        instructor=INSTRUCTOR,
        password_hash="fast",
    )
    with BackgroundServer(sock, app).start() as server:
        yield server


def flow_on(server: BackgroundServer) -> Flow:
    flow = Flow.discover(server.url, api_url=f"{server.url}/api/photos", scope="photos:read")
    flow.register("Photo importer", redirect_uri=REDIRECT_URI)
    return flow


def dashboard(
    server: BackgroundServer, auth: tuple[str, str] | None = INSTRUCTOR
) -> httpx.Response:
    with httpx.Client(auth=auth) as http:
        return http.get(f"{server.url}/dashboard")


def test_only_the_instructor_sees_it(classroom):
    anonymous = dashboard(classroom, auth=None)
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith('Basic realm="codegrant-kit dashboard"')
    assert "Instructors only" in anonymous.text and "<table" not in anonymous.text
    for wrong in [("teacher", "guess"), ("ada", USERS["ada"]), (INSTRUCTOR[1], INSTRUCTOR[0])]:
        assert dashboard(classroom, auth=wrong).status_code == 401
    page = dashboard(classroom)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert '<meta http-equiv="refresh"' in page.text


def test_it_is_off_without_an_instructor():
    sock, app = build(host="127.0.0.1", port=0, users=USERS, password_hash="fast")
    with BackgroundServer(sock, app).start() as server:
        page = dashboard(server)
    assert page.status_code == 404
    assert "--instructor NAME:PASSWORD" in page.text
    assert "www-authenticate" not in page.headers


def test_it_shows_who_reached_which_step(classroom):
    rows = dashboard_rows(dashboard(classroom).text)
    assert list(rows) == ["ada", "grace", "linus"]
    assert {row["Furthest step"] for row in rows.values()} == {"not started"}
    assert rows["ada"]["Last seen"] == "never"

    ada = flow_on(classroom)
    ada.authorize()
    ada.open_authorization_page()
    assert ada.login("ada", "not her password").kind == "retry"
    assert ada.login("ada", USERS["ada"]).kind == "consent"
    ada.consent("approve")
    ada.receive_redirect()
    ada.exchange_code()
    ada.call_api()
    ada.call_api()
    grace = flow_on(classroom)
    assert to_consent(grace, "grace").kind == "consent"  # and she stops there

    rows = dashboard_rows(dashboard(classroom).text)
    assert rows["ada"] == {
        "Learner": "ada",
        "Furthest step": "API called",
        "Login page seen": "1",
        "Failed sign-ins": "1",
        "Signed in": "1",
        "Consented": "1",
        "Code redeemed": "1",
        "API called": "2",
        "Last seen": "just now",
    }
    assert rows["grace"]["Furthest step"] == "Signed in"
    assert rows["grace"]["Login page seen"] == "1" and rows["grace"]["Consented"] == "0"
    assert rows["linus"]["Furthest step"] == "not started"
    assert "browser not signed in yet" not in rows  # each login page went to its learner
    for flow in (ada, grace):
        flow.close()


def test_a_login_page_counts_for_whoever_signs_in_on_it(classroom):
    linus = flow_on(classroom)
    linus.authorize()
    linus.open_authorization_page()
    rows = dashboard_rows(dashboard(classroom).text)
    assert rows["browser not signed in yet"]["Login page seen"] == "1"
    assert rows["linus"]["Login page seen"] == "0"
    linus.login("linus", "penguin")
    rows = dashboard_rows(dashboard(classroom).text)
    assert "browser not signed in yet" not in rows
    assert rows["linus"]["Login page seen"] == "1"
    # the next login page in his browser is his at once
    to_code(linus, "linus")
    assert dashboard_rows(dashboard(classroom).text)["linus"]["Login page seen"] == "2"
    linus.close()


def test_guessing_the_instructor_password_is_throttled():
    sock, app = build(
        host="127.0.0.1", port=0, users=USERS, instructor=INSTRUCTOR, password_hash="fast"
    )
    sock.close()  # spoken to in-process, from two addresses

    async def guess() -> list[int]:
        statuses = []
        async with asgi(app, "10.0.0.66", auth=("teacher", "guess")) as attacker:
            for _ in range(201):
                statuses.append((await attacker.get("/dashboard")).status_code)
            last = await attacker.get("/dashboard")
        assert int(last.headers["retry-after"]) > 0
        async with asgi(app, "10.0.0.2", auth=INSTRUCTOR) as teacher:
            statuses.append((await teacher.get("/dashboard")).status_code)
        return statuses

    statuses = run(guess())
    assert statuses[:200] == [401] * 200
    assert statuses[200] == 429
    assert statuses[-1] == 200  # another address is not locked out
    app.state.store.close()


HOSTILE = build(host="127.0.0.1", port=0, users=USERS, instructor=INSTRUCTOR, password_hash="fast")
HOSTILE[0].close()  # spoken to in-process


@settings(max_examples=150, deadline=None)
@given(
    header=st.one_of(
        st.binary(max_size=100),
        st.text(max_size=60).map(lambda t: b"Basic " + base64.b64encode(t.encode())),
    )
)
def test_any_authorization_header_is_a_401_never_a_5xx(header):
    async def get() -> int:
        async with asgi(HOSTILE[1], "10.9.9.9") as http:
            response = await http.get("/dashboard", headers=[(b"authorization", header)])
        return response.status_code

    assert run(get()) in (401, 429)
