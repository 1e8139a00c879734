"""A private_key_jwt client's jwks_uri, fetched by the server over a real socket, bounded."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from joserfc.jwk import ECKey

from codegrant_kit.server import client_assertions
from codegrant_kit.server.client_auth import JWKS_CACHE

from .assertion_helpers import assertion, assertion_form
from .helpers import REDIRECT_URI, InProcess, assert_json_error

KEY = ECKey.generate_key("P-256")
BODIES = {
    "/jwks": json.dumps({"keys": [KEY.as_dict(private=False) | {"kid": "k1"}]}).encode(),
    "/huge": b'{"keys": [' + b" " * (client_assertions.MAX_JWKS_BYTES + 10) + b"]}",
    "/not-json": b"<html>",
}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/slow":
            time.sleep(client_assertions.JWKS_TIMEOUT + 1)
        if self.path == "/trickle":
            self.send_response(200)
            self.end_headers()
            try:
                for _ in range(40):  # a byte every 0.3 s: each read is quick, the whole is not
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.3)
            except OSError:  # the server under test hung up, as it should
                pass
            return
        body = BODIES.get(self.path, b"{}")
        self.send_response(200 if self.path in BODIES or self.path == "/slow" else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def keys_site() -> Iterator[str]:
    site = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{site.server_address[1]}"
    site.shutdown()
    site.server_close()


def authenticate(server: InProcess, jwks_uri: str) -> tuple[int, str]:
    JWKS_CACHE._kept.clear()
    client = server.store.add_client(
        redirect_uris=[REDIRECT_URI],
        token_endpoint_auth_method="private_key_jwt",
        jwks_uri=jwks_uri,
    )
    form = {"token": "x", **assertion_form(assertion(server, client, KEY))}
    response = server.browser().post("/introspect", data=form)
    return response.status_code, response.text


def test_keys_from_a_jwks_uri_verify(server: InProcess, keys_site: str) -> None:
    assert authenticate(server, keys_site + "/jwks")[0] == 200


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("/huge", "more than"),
        ("/not-json", "not JSON"),
        ("/missing", "answered 404"),
        ("/slow", "could not be read"),
        ("/trickle", "took more than"),
    ],
)
def test_a_bad_jwks_uri_is_a_401_in_bounded_time(
    server: InProcess, keys_site: str, path: str, says: str
) -> None:
    started = time.monotonic()
    status, text = authenticate(server, keys_site + path)
    assert status == 401 and says in text, text
    assert time.monotonic() - started < 2 * client_assertions.JWKS_TIMEOUT + 1


def test_registration_refuses_a_jwks_uri_off_loopback_without_https(server: InProcess) -> None:
    response = server.browser().post(
        "/register",
        json={
            "redirect_uris": [REDIRECT_URI],
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks_uri": "http://169.254.169.254/latest/meta-data",  # cloud metadata: SSRF
        },
    )
    assert "must be https" in assert_json_error(response)["error_description"]
