"""Where a learner's browser reaches a kernel's server: worked out from what the kernel sees."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from codegrant_kit.jupyter_proxy import proxied_url, proxy_path, running_servers
from codegrant_kit.runner import public_issuer, start_server, stop_server

PORT = 41234
HUB = {"JUPYTERHUB_SERVICE_PREFIX": "/user/ada/"}


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        (HUB | {"JUPYTERHUB_PUBLIC_URL": "https://hub.example.org/"},
         "https://hub.example.org/user/ada/proxy/41234"),
        (HUB | {"JUPYTERHUB_PUBLIC_URL": "https://example.org/jupyter/",
                "JUPYTERHUB_SERVICE_PREFIX": "/jupyter/user/ada/"},
         "https://example.org/jupyter/user/ada/proxy/41234"),
        # subdomains: each user's servers on their own host
        (HUB | {"JUPYTERHUB_HOST": "https://ada.hub.example.org",
                "JUPYTERHUB_PUBLIC_URL": "https://hub.example.org/"},
         "https://ada.hub.example.org/user/ada/proxy/41234"),
        ({"JUPYTER_SERVER_URL": "http://127.0.0.1:8888/"}, "http://127.0.0.1:8888/proxy/41234"),
        ({"JUPYTER_SERVER_URL": "http://localhost:8888/base"},
         "http://localhost:8888/base/proxy/41234"),
    ],
    ids=["hub", "hub on a path", "hub with subdomains", "server url", "server url on a path"],
)  # fmt: skip
def test_the_proxied_url_from_the_environment(environ, expected):
    assert proxied_url(PORT, environ=environ, servers=[]) == expected
    assert expected.endswith(proxy_path(PORT, environ=environ, servers=[]))


def test_binder_knows_the_path_but_not_the_origin():
    assert proxy_path(PORT, environ=HUB, servers=[]) == "/user/ada/proxy/41234"
    assert proxied_url(PORT, environ=HUB, servers=[]) is None
    given = proxied_url(PORT, environ=HUB, servers=[], origin="https://hub.2i2c.mybinder.org/")
    assert given == "https://hub.2i2c.mybinder.org/user/ada/proxy/41234"


def test_the_running_server_is_the_kernels_parent_or_the_only_one():
    parent = {"pid": os.getppid(), "url": "http://127.0.0.1:8889/"}
    other = {"pid": 999_999, "url": "http://127.0.0.1:8888/"}
    assert proxied_url(PORT, environ={}, servers=[other]) == "http://127.0.0.1:8888/proxy/41234"
    assert proxied_url(PORT, environ={}, servers=[other, parent]).startswith(
        "http://127.0.0.1:8889/"
    )
    assert proxied_url(PORT, environ={}, servers=[other, dict(other, port=1)]) is None
    assert proxy_path(PORT, environ={}, servers=[]) is None  # not in Jupyter at all


def test_running_servers_are_read_from_the_runtime_folder(tmp_path):
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        info = {"pid": alive.pid, "url": "http://127.0.0.1:8888/lab/", "token": "t"}
        (tmp_path / f"jpserver-{alive.pid}.json").write_text(json.dumps(info))
        (tmp_path / "jpserver-1.json").write_text("{not json")  # being written
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)  # fmt: skip
        gone = {"pid": int(dead.stdout), "url": "http://127.0.0.1:9999/"}
        (tmp_path / "jpserver-2.json").write_text(json.dumps(gone))
        environ = {"JUPYTER_RUNTIME_DIR": str(tmp_path)}
        assert running_servers(environ) == [info]
        assert proxied_url(PORT, environ=environ) == "http://127.0.0.1:8888/lab/proxy/41234"
    finally:
        alive.kill()
        alive.wait()


def test_public_issuer_fills_in_the_port():
    assert public_issuer(None, PORT) is None
    assert public_issuer("https://hub.example.org/user/ada/proxy/{port}", PORT).endswith("/41234")
    assert public_issuer(lambda port: f"http://x/{port}", PORT) == "http://x/41234"


def test_a_background_server_with_a_public_url_keeps_its_local_one():
    server = start_server(password_hash="fast", public_url="http://127.0.0.1:8888/proxy/{port}")
    try:
        port = server.local_url.rsplit(":", 1)[1]
        assert server.url == f"http://127.0.0.1:8888/proxy/{port}"
        assert server.config.issuer == server.url
        assert server.local_url == f"http://127.0.0.1:{port}"
        # a loopback background server trusts the proxy's prefix (only this machine
        # reaches it); one listening on other addresses never does unless asked
        assert server.config.trust_forwarded_prefix
    finally:
        stop_server()
    # outside Jupyter the helper gives None, and the server keeps its own URL
    server = start_server(
        password_hash="fast", public_url=lambda port: proxied_url(port, environ={}, servers=[])
    )
    try:
        assert server.url == server.local_url
    finally:
        stop_server()


def test_a_server_on_other_addresses_never_trusts_the_prefix_unasked():
    server = start_server(host="0.0.0.0", users={"ada": "lovelace"}, password_hash="fast")
    try:
        assert not server.config.trust_forwarded_prefix
    finally:
        stop_server()
