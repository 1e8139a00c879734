"""One way to write an endpoint (`endpoint.Endpoint`), and the one 500 answer (`ServerError`)."""

from __future__ import annotations

import logging

import pytest

from codegrant_kit.server.errors import ServerError

from .helpers import basic

# every endpoint whose route takes any method, so that the Endpoint answers the rest
ANSWERS = {
    "/authorize": "GET, POST",
    "/token": "POST",
    "/register": "POST",
    "/introspect": "POST",
    "/revoke": "POST",
}


@pytest.mark.parametrize("path", sorted(ANSWERS))
def test_other_methods_get_405_with_allow(browser, path):
    # RFC 9110 15.5.6: a 405 response MUST carry an Allow header
    response = browser.request("DELETE", path)
    assert response.status_code == 405
    assert response.headers["allow"] == ANSWERS[path]


def test_an_unexpected_failure_is_one_server_error(server, monkeypatch, caplog):
    def broken(client_id: str) -> None:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(server.store, "get_client", broken)
    authorization = basic(server.client.client_id, server.client.client_secret)
    with caplog.at_level(logging.ERROR, logger="codegrant_kit.server"):
        response = server.raw(
            "POST",
            "/token",
            headers=[
                (b"content-type", b"application/x-www-form-urlencoded"),
                (b"authorization", authorization.encode()),
            ],
            body=b"grant_type=refresh_token&refresh_token=x",
        )
    assert response.status_code == 500
    assert response.json() == ServerError().as_dict()
    assert response.json()["error"] == "server_error"
    assert "the disk is on fire" not in response.text  # the log has it, not the client
    assert "the disk is on fire" in caplog.text
