from __future__ import annotations

import asyncio
import base64
import doctest
import re
import socket
import subprocess
import sys
import threading
from dataclasses import fields

import httpx
import pytest

from codegrant_kit.runner import ServeOptions, build, start_server, stop_server
from codegrant_kit.server import SeededRandomness, ServerConfig

from .conftest import LIVE
from .helpers import (
    REDIRECT_URI,
    accepts_connections,
    authorize,
    port_is_free,
    redirect_params,
    sign_in,
    submit,
)


def server_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("codegrant-kit")]


def test_seed_flow_over_a_real_socket(live):
    with httpx.Client(base_url=live.url, timeout=10) as http:
        metadata = http.get("/.well-known/oauth-authorization-server").json()
        assert metadata["issuer"] == live.url
        # the Developer Portal: create the application, generate keys
        registered = http.post(
            metadata["registration_endpoint"],
            json={
                "client_name": "Seed App",
                "redirect_uris": [REDIRECT_URI],
                "scope": "PRODUCTION",
            },
        )
        assert registered.status_code == 201
        key, secret = registered.json()["client_id"], registered.json()["client_secret"]
        client = live.store.get_client(key)
        # GET /authorize?response_type=code&client_id=...&scope=PRODUCTION&redirect_uri=...
        page = authorize(http, client, scope="PRODUCTION", state=None)
        assert page.status_code == 200
        consent = sign_in(http, page, "alice")
        assert "Seed App" in consent.text and "PRODUCTION" in consent.text
        # HTTP/1.1 302 Found / Location: https://client.example.com/cb?code=...
        found = submit(http, consent, consent="approve")
        assert found.status_code == 302 and found.reason_phrase == "Found"
        got = redirect_params(found)
        assert got["iss"] == live.url
        # POST /token with Authorization: Basic base64(key:secret)
        response = http.post(
            metadata["token_endpoint"],
            headers={
                "Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
            },
            data={
                "grant_type": "authorization_code",
                "code": got["code"],
                "redirect_uri": REDIRECT_URI,
            },
        )
        assert response.status_code == 200, response.text
        token = response.json()
        assert token["token_type"] == "Bearer" and token["scope"] == "PRODUCTION"
        api = http.get("/api/photos", headers={"Authorization": f"Bearer {token['access_token']}"})
        assert api.status_code == 200 and api.json()["user"] == "alice"
    # the notebook's view, from another thread while the server runs
    snap = live.store.snapshot()
    assert token["access_token"] in {t["value"] for t in snap["tokens"]}


def test_same_arguments_return_the_same_server(live):
    assert start_server(**LIVE) is live
    assert live.running


def test_other_arguments_replace_the_server(live):
    old_url = live.url
    new = start_server(users={"bob": "builder"}, password_hash="fast")
    try:
        assert new is not live and new.url != old_url
        assert not live.running
        assert not accepts_connections(old_url)
        assert accepts_connections(new.url)
        names = [t.name for t in server_threads()]
        # other modules' servers may still run; this one's old thread must be gone
        assert f"codegrant-kit {new.url}" in names
        assert f"codegrant-kit {old_url}" not in names
    finally:
        stop_server()
    assert not accepts_connections(new.url)
    assert f"codegrant-kit {new.url}" not in [t.name for t in server_threads()]


def test_start_returns_a_server_that_already_accepts_connections():
    # how fast it starts is benchmarks/start_stop.py's to say, not a test's
    stop_server()
    server = start_server(password_hash="fast")
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.url)
        assert accepts_connections(server.url)
        assert server.config.issuer == server.url
        assert server.store.usernames() == ["admin"]  # WSO2's default administrator
        assert repr(server).startswith(f"<BackgroundServer {server.url} running")
        assert "FAST password hashing" in repr(server)  # loud about the lab setting
    finally:
        stop_server()
    assert repr(server).startswith(f"<BackgroundServer {server.url} stopped")


def test_context_manager_stops_the_server():
    with start_server(users={"alice": "wonderland"}, password_hash="fast") as server:
        assert accepts_connections(server.url)
    assert not server.running
    assert not accepts_connections(server.url)
    server.stop()  # twice is harmless
    assert f"codegrant-kit {server.url}" not in [t.name for t in server_threads()]


def test_a_lab_switch_is_printed_into_the_cell_and_named_by_its_repr(capsys):
    # a notebook shows no log line: the warning goes to the cell's stderr, at every run
    options = {"users": {"alice": "wonderland"}, "lab_switches": frozenset({"no_iss", "framing"})}
    with start_server(**options) as server:
        first = capsys.readouterr().err.splitlines()
        assert start_server(**options) is server  # the cell run again
        assert capsys.readouterr().err.splitlines() == first
        assert repr(server).endswith(" running [LAB SWITCHES ON: framing, no_iss]>")
    assert first == [
        "codegrant-kit: LAB SWITCH framing is ON: it turns off frame-ancestors 'none' and "
        "X-Frame-Options: DENY on the pages (RFC 9700 4.16, RFC 6749 10.13). "
        "This server allows clickjacking the consent page.",
        "codegrant-kit: LAB SWITCH no_iss is ON: it turns off the iss parameter in every "
        "authorization response (RFC 9700 4.4, RFC 9207). "
        "This server allows a mix-up between two authorization servers.",
    ]
    with start_server(users={"alice": "wonderland"}, password_hash="fast") as fast:
        assert capsys.readouterr().err == (
            "codegrant-kit: FAST PASSWORD HASHING: passwords are hashed with one SHA-256, "
            "for benchmarks and load tests only.\n"
        )
        assert "[FAST password hashing: load tests only]" in repr(fast)
    # the tutorials' seeded randomness is their own choice, for outputs that repeat: the
    # repr names it, the cell stays quiet (no red box on the Start Here notebook)
    seeded = ServerConfig(randomness=SeededRandomness("quiet"))
    with start_server(users={"alice": "wonderland"}, config=seeded) as tutorial:
        assert capsys.readouterr().err == ""
        assert "[PREDICTABLE randomness: tutorials only]" in repr(tutorial)


def test_the_default_admin_is_refused_beyond_loopback():
    servers_before = server_threads()
    for host in ("0.0.0.0", "::", "192.0.2.7"):
        with pytest.raises(ValueError, match=f"listen on {host}: the default admin:admin"):
            start_server(host=host, password_hash="fast")
    assert server_threads() == servers_before  # refused before anything was bound
    with start_server(host="127.0.0.2", password_hash="fast") as server:  # loopback too
        assert server.store.usernames() == ["admin"]


def test_taken_port_is_a_clear_error_and_leaks_no_thread():
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        before = threading.active_count()
        servers_before = server_threads()
        with pytest.raises(OSError, match=f"Cannot listen on 127.0.0.1:{port}"):
            start_server(port=port, password_hash="fast")
        assert server_threads() == servers_before
        assert threading.active_count() <= before


@pytest.mark.parametrize(
    "options",
    [{"code_lifetim": 5}, {"clients": [{"redirect_uris": [REDIRECT_URI], "colour": "red"}]}],
    ids=["unknown option", "bad client"],
)
def test_refused_option_frees_the_port(options):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TypeError) as excinfo:
        build(host="127.0.0.1", port=port, users={}, **options)
    leaked = [entry.frame.f_locals.get("sock") for entry in excinfo.traceback]
    try:
        assert port_is_free(port)
    finally:
        for sock in leaked:  # were it kept open, close it here rather than warn later
            if isinstance(sock, socket.socket):
                sock.close()


def test_starts_inside_a_running_event_loop():
    # a Jupyter kernel runs its own asyncio loop; the server must not need it
    async def in_a_kernel() -> int:
        server = start_server(users={"alice": "wonderland"}, password_hash="fast")
        async with httpx.AsyncClient(base_url=server.url) as http:
            response = await http.get("/.well-known/oauth-authorization-server")
        return response.status_code

    try:
        assert asyncio.run(in_a_kernel()) == 200
    finally:
        stop_server()


def test_interpreter_exit_stops_the_server():
    code = (
        "from codegrant_kit import start_server\n"
        "server = start_server(password_hash='fast')\n"
        "print(server.url, flush=True)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    url = done.stdout.strip()
    assert url.startswith("http://127.0.0.1:")
    assert not accepts_connections(url)


# the keywords start_server has always taken, besides the fields of ServerConfig
SERVING = {"host", "port", "users", "clients", "config", "public_url", "tls", "tls_dir",
           "certfile", "keyfile", "instructor", "keep_database_users"}  # fmt: skip


def test_serve_options_are_start_servers_keywords():
    assert {f.name for f in fields(ServeOptions)} - {"settings"} == SERVING
    options = ServeOptions.of(host="127.0.0.2", tls=True, code_lifetime=60, db="x.db")
    assert (options.host, options.tls) == ("127.0.0.2", True)
    assert options.settings == {"code_lifetime": 60, "db": "x.db"}
    config = options.server_config(41234)
    assert (config.issuer, config.code_lifetime) == ("https://127.0.0.2:41234", 60)
    # what is not given is ServerConfig's own default
    assert config.access_token_lifetime == ServerConfig().access_token_lifetime
    examples = doctest.DocTestFinder().find(ServeOptions, globs={"ServeOptions": ServeOptions})
    runner = doctest.DocTestRunner()
    for example in examples:
        runner.run(example)
    assert runner.summarize(verbose=False) == doctest.TestResults(failed=0, attempted=1)


def test_a_misspelt_keyword_is_named_and_binds_nothing():
    servers_before = server_threads()
    with pytest.raises(TypeError, match="'code_lifetim': did you mean 'code_lifetime'"):
        start_server(code_lifetim=5)
    assert server_threads() == servers_before


def test_build_takes_serve_options_or_keywords_not_both():
    sock, app = build(ServeOptions(users={"alice": "x"}, settings={"password_hash": "fast"}))
    try:
        assert app.state.config.issuer == f"http://127.0.0.1:{sock.getsockname()[1]}"
        assert app.state.store.usernames() == ["alice"]
    finally:
        sock.close()
        app.state.store.close()
    with pytest.raises(TypeError, match="not both"):
        build(ServeOptions(), port=0)


def test_start_server_keeps_a_databases_users_unless_users_are_given(tmp_path, capsys):
    db = tmp_path / "class.db"
    with start_server(users={"alice": "a", "bob": "b"}, password_hash="fast", db=db):
        pass
    capsys.readouterr()
    with start_server(password_hash="fast", db=db) as server:  # no users=: a restart
        assert server.store.usernames() == ["admin", "alice", "bob"]
    assert "no longer admitted" not in capsys.readouterr().err
    with start_server(users={"alice": "a"}, password_hash="fast", db=db) as server:
        assert server.store.usernames() == ["alice"]
    assert capsys.readouterr().err.splitlines()[0] == (
        "codegrant-kit: The database's users admin and bob are no longer admitted: they "
        "were not given in users=."
    )
