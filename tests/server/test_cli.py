"""`codegrant-kit serve` and `codegrant-kit demo`, run as a user runs them.

The classroom options are at the end: learners from a file, clear refusals.
"""

from __future__ import annotations

import re
import selectors
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from typing import Any

import httpx
import pytest

from codegrant_kit.cli import main, options_of, parser
from codegrant_kit.server import ServerConfig

from .helpers import REDIRECT_URI, accepts_connections, client_of, get_code, redeem

CLI = [sys.executable, "-m", "codegrant_kit"]
SERVE = [*CLI, "serve", "--host", "127.0.0.1"]


def failed_start(*args: str) -> subprocess.CompletedProcess[str]:
    """`codegrant-kit serve ARGS` that must refuse to start."""
    return subprocess.run([*SERVE, *args], capture_output=True, text=True, timeout=30)


URL = re.compile(r"http://127\.0\.0\.1:\d+")


def first_line(process: subprocess.Popen[str], timeout: float = 20) -> str:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise TimeoutError(f"no line from {process.args} in {timeout} s")
    return process.stdout.readline()


@contextmanager
def serving(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = subprocess.Popen(
        [*SERVE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        line = first_line(process)
        match = URL.search(line)
        assert match, (line, process.poll())
        yield process, match.group()
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def flow(url: str, password: str, client_id: str = "", secret: str = "") -> dict[str, Any]:
    """alice's whole flow against a server in another process: the photos she gets."""
    with httpx.Client(base_url=url, timeout=10) as http:
        if not client_id:
            registered = http.post("/register", json={"redirect_uris": [REDIRECT_URI]}).json()
            client_id, secret = registered["client_id"], registered["client_secret"]
        client = client_of(client_id, secret)
        code = get_code(http, client, username="alice", password=password)
        response = redeem(http, client, code)
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
        photos = http.get("/api/photos", headers={"Authorization": f"Bearer {token}"})
        assert photos.status_code == 200
        return dict(photos.json())


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_runs_a_flow_and_stops_cleanly(stop):
    with serving("--port", "0", "--user", "alice:pw") as (process, url):
        with httpx.Client(base_url=url, timeout=10) as http:
            metadata = http.get("/.well-known/oauth-authorization-server").json()
        assert metadata["issuer"] == url
        assert flow(url, "pw")["user"] == "alice"
        process.send_signal(stop)
        assert process.wait(timeout=10) == 0
    assert not accepts_connections(url)


def test_serve_preloads_a_client_and_options():
    callback = REDIRECT_URI
    with serving(
        "--port", "0", "--user", "alice:pw", "--user", "bob:pw2",
        "--client", f"my-key:my-secret:{callback}",
        "--scope", "photos:read", "--code-lifetime", "60", "--password-hash", "fast",
    ) as (process, url):  # fmt: skip
        assert flow(url, "pw", "my-key", "my-secret")["user"] == "alice"
        with httpx.Client(base_url=url, timeout=10) as http:
            metadata = http.get("/.well-known/oauth-authorization-server").json()
        assert metadata["scopes_supported"] == ["photos:read"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_serve_defaults_are_the_server_configs(capsys):
    # one place for every default: what `serve` asks for unprompted is ServerConfig()
    config = options_of(parser().parse_args(["serve"]), {"alice": "pw"}).server_config(8000)
    default = ServerConfig()
    for field in fields(ServerConfig):
        if field.name not in ("randomness", "clock"):
            assert getattr(config, field.name) == getattr(default, field.name), field.name
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"(default {default.code_lifetime})" in help_text
    assert f"(default {default.max_pending_per_address};" in help_text


def test_dpop_nonce_is_asked_for_by_name():
    args = parser().parse_args(["serve", "--dpop-nonce"])
    assert options_of(args, {"alice": "pw"}).server_config(8000).dpop_nonce is True


def test_serve_on_a_taken_port_fails_clearly(capsys):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        assert main(["serve", "--port", str(port), "--user", "alice:pw"]) == 1
    assert f"Cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [
        ["--user", "alice"],
        ["--user", ":pw"],
        ["--client", "key:secret"],
        ["--client", "key:secret:/relative"],
        ["--client", "key:secret:https://c.example/cb#frag"],
        ["--code-lifetime", "0"],
        ["--lab", "no_such_switch"],
    ],
)
def test_serve_refuses_bad_arguments(capsys, args):
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--port", "0", *args])
    assert exited.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_serve_needs_a_user_beyond_loopback(capsys):
    assert main(["serve", "--host", "0.0.0.0", "--port", "0"]) == 2
    assert "--user" in capsys.readouterr().err


def test_demo_prints_the_seed_flow():
    done = subprocess.run([*CLI, "demo"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "GET /authorize?" in out
    assert "HTTP/1.1 302 Found" in out
    assert re.search(r"Location: https://client\.example\.com/cb\?code=", out)
    assert "POST /token" in out
    assert "Authorization: Basic " in out
    assert '"access_token"' in out
    assert "/api/photos" in out
    assert "\033[" not in out  # no colour when not on a terminal


# -- the classroom options: learners from a file, clear refusals ---------------
def test_learners_come_from_a_file(tmp_path):
    learners = tmp_path / "learners.txt"
    learners.write_text("# class of 2026\nada:lovelace\n\n  grace:hopper:with:colons  \n")
    args = parser().parse_args(["serve", "--users-file", str(learners), "--user", "bob:b"])
    assert args.users_file == [[("ada", "lovelace"), ("grace", "hopper:with:colons")]]


@pytest.mark.parametrize(
    ("content", "message"),
    [("ada:lovelace\ngrace\n", "line 2: expected NAME:PASSWORD"), (None, "cannot read")],
)
def test_a_bad_learners_file_is_refused_with_its_line(tmp_path, capsys, content, message):
    learners = tmp_path / "learners.txt"
    if content is not None:
        learners.write_text(content)
    with pytest.raises(SystemExit) as exited:
        parser().parse_args(["serve", "--users-file", str(learners)])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_every_interface_without_a_public_url_is_warned_about(tmp_path):
    done = failed_start(
        "--host", "0.0.0.0", "--port", "0", "--user", "ada:x", "--db", str(tmp_path)
    )
    assert "give --public-url with the address learners use" in done.stderr
    assert f"{tmp_path} is a directory" in done.stderr  # and the start stops there
    assert done.returncode == 1


def test_the_classroom_options_are_in_the_help(capsys):
    with pytest.raises(SystemExit) as exited:
        parser().parse_args(["serve", "--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    assert "a classroom server:" in text
    for option in (
        "--users-file", "--db", "--tls", "--tls-dir", "--cert", "--key", "--public-url",
        "--behind-proxy", "--instructor", "--rate-limit", "--max-clients-per-address",
        "--max-connections-per-address",
    ):  # fmt: skip
        assert option in text


@pytest.mark.parametrize("profile", ["oauth2.1", "fapi2"])
def test_serve_with_a_profile_says_what_it_requires_in_one_line(profile):
    with serving("--port", "0", "--password-hash", "fast", "--profile", profile) as (process, url):
        assert process.stdout is not None
        line = process.stdout.readline()  # printed with the first, so already read in
        with httpx.Client(base_url=url, timeout=10) as http:
            metadata = http.get("/.well-known/oauth-authorization-server").json()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert line.startswith(f"PROFILE {profile} (") and " requires: " in line
    assert "PKCE with S256" in line and line.count("\n") == 1
    assert metadata["codegrant_kit_profile"]["name"] == profile


def test_serve_refuses_a_profile_beside_a_lab_switch_that_undoes_it():
    done = failed_start("--port", "0", "--profile", "fapi2", "--lab", "no_dpop")
    assert done.returncode == 1
    assert "The profile fapi2 requires the defence that the lab switch no_dpop" in done.stderr
