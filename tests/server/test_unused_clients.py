"""Registered applications that never redeemed a code are forgotten (a classroom cap).

Counts per address hold only live applications, so no learner fills the server for good.
"""

from __future__ import annotations

from codegrant_kit.lab import LabClock

from .helpers import REDIRECT_URI, START, InProcess, get_code, redeem


def register_from(kit, address):
    response = kit.browser(address=address).post(
        "/register", json={"redirect_uris": [REDIRECT_URI]}
    )
    return response.status_code, response.json()


def test_unused_applications_are_forgotten_and_free_their_address():
    kit = InProcess.create(max_clients_per_address=2)
    try:
        assert register_from(kit, "10.0.0.66")[0] == 201
        assert register_from(kit, "10.0.0.66")[0] == 201
        status, full = register_from(kit, "10.0.0.66")
        assert status == 400
        message = full["error_description"]
        assert "Reuse an application you have" in message
        assert "never redeemed a code are forgotten 3600 s after registration" in message
        assert "the instructor can raise --max-clients-per-address" in message
        kit.clock.advance(kit.config.unused_client_lifetime)
        # the two were never used: gone, and the address may register again
        assert register_from(kit, "10.0.0.66")[0] == 201
        assert len(kit.store._clients) == 2  # the preloaded one never expires
    finally:
        kit.close()


def test_an_application_that_completed_a_flow_is_kept():
    kit = InProcess.create()
    try:
        browser = kit.browser()
        _, body = register_from(kit, "127.0.0.1")
        client = kit.store.get_client(body["client_id"])
        _, idle = register_from(kit, "127.0.0.1")
        code = get_code(browser, client)
        assert redeem(browser, client, code).status_code == 200
        kit.clock.advance(kit.config.unused_client_lifetime)
        kit.store.purge()
        assert kit.store.get_client(client.client_id) == client
        assert kit.store.get_client(idle["client_id"]) is None
        assert kit.store._per_address == {"127.0.0.1": 1}
    finally:
        kit.close()


def test_the_server_wide_cap_says_what_to_do():
    kit = InProcess.create(max_clients=2)
    try:
        assert register_from(kit, "10.0.0.7")[0] == 201
        status, body = register_from(kit, "10.0.0.8")
        assert status == 400
        assert "Reuse an application you have" in body["error_description"]
        assert "the instructor can raise --max-clients." in body["error_description"]
    finally:
        kit.close()


def test_unused_applications_are_forgotten_across_restarts(tmp_path):
    kit = InProcess.create(db=tmp_path / "server.db", max_clients_per_address=1)
    try:
        _, body = register_from(kit, "10.0.0.66")
    finally:
        kit.close()
        kit.store.close()
    again = InProcess.create(db=tmp_path / "server.db", max_clients_per_address=1)
    try:
        assert again.store.get_client(body["client_id"]) is not None
        assert register_from(again, "10.0.0.66")[0] == 400  # still counted after a restart
    finally:
        again.close()
        again.store.close()
    clock = LabClock(START + 3600)
    later = InProcess.create(db=tmp_path / "server.db", max_clients_per_address=1, clock=clock)
    try:
        assert later.store.get_client(body["client_id"]) is None
        assert register_from(later, "10.0.0.66")[0] == 201
    finally:
        later.close()
        later.store.close()
