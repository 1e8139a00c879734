"""The whole flow through a real Jupyter server and jupyter-server-proxy.

Two Jupyter servers, started at once: one at the root (`/proxy/PORT/`, a local
JupyterLab or Binder) and one under `/user/ada/` (`/user/NAME/proxy/PORT/`, the
URL shape of JupyterHub). Our server runs in a thread of this process; every
request of the flow goes through Jupyter: the browser's with the Jupyter login
cookie a learner's browser has, the client's with Jupyter's token in the query.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

# find_spec, not import: importing Jupyter's server here costs seconds, and the
# servers run in their own processes anyway
if importlib.util.find_spec("jupyter_server_proxy") is None:
    if os.environ.get("CI"):
        raise ImportError("jupyter-server-proxy is not installed; in CI this test must run")
    pytest.skip(
        "jupyter-server-proxy is not installed (pip install -e '.[lab]'); with CI set, "
        "this is a failure instead",
        allow_module_level=True,
    )

from codegrant_kit.client import Browser, Flow, discover
from codegrant_kit.client._http import new_client
from codegrant_kit.jupyter_proxy import proxied_url
from codegrant_kit.panels import FlowState
from codegrant_kit.runner import BackgroundServer, start_server, stop_server

from .helpers import REDIRECT_URI, USERS

TOKEN = "classroom-proxy-test"
START_TIMEOUT = 90.0  # seconds; a cold Jupyter server takes 5 to 10 here
ONLY_THE_PROXY = {  # what this test needs, and nothing that slows the start
    "ServerApp": {
        "jpserver_extensions": {
            "jupyter_server_proxy": True,
            "jupyterlab": False,
            "jupyter_lsp": False,
            "notebook_shim": False,
            "jupyter_server_terminals": False,
        }
    }
}


@dataclass
class Jupyter:
    base_url: str
    port: int
    process: subprocess.Popen[bytes]
    runtime_dir: Path
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.base_url}"

    def environ(self) -> dict[str, str]:
        """What a kernel of this server would see: a hub's variables, or its runtime folder."""
        if self.base_url == "/":
            return {"JUPYTER_RUNTIME_DIR": str(self.runtime_dir)}
        return {
            "JUPYTERHUB_SERVICE_PREFIX": self.base_url,
            "JUPYTERHUB_PUBLIC_URL": f"http://127.0.0.1:{self.port}/",
        }

    def token_in_query(self, http: httpx.Client) -> None:
        """The client's own requests carry Jupyter's token in the query (its Authorization
        header is taken: Basic for the token request, Bearer for the API)."""

        def add_token(request: httpx.Request) -> None:
            request.url = request.url.copy_merge_params({"token": TOKEN})

        hooks = http.event_hooks
        http.event_hooks = {**hooks, "request": [add_token, *hooks["request"]]}

    def login(self, http: httpx.Client) -> None:
        """The learner's browser signs in to Jupyter: its login cookie, from the token."""
        response = http.get(f"{self.url}api/status", params={"token": TOKEN})
        assert response.status_code == 200, response.text
        assert any(cookie.startswith("username-") for cookie in http.cookies)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def launch(folder: Path, base_url: str) -> Jupyter:
    dirs = {name: folder / name for name in ("config", "data", "runtime")}
    for path in dirs.values():
        path.mkdir(parents=True)
    (dirs["config"] / "jupyter_server_config.json").write_text(json.dumps(ONLY_THE_PROXY))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY"))}
    env |= {
        "JUPYTER_CONFIG_DIR": str(dirs["config"]),
        "JUPYTER_DATA_DIR": str(dirs["data"]),
        "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
    }
    port = free_port()
    log = folder / "jupyter.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "jupyter_server",
                f"--IdentityProvider.token={TOKEN}", "--no-browser", "--ip=127.0.0.1",
                f"--port={port}", "--allow-root", f"--ServerApp.base_url={base_url}",
                f"--ServerApp.root_dir={folder}",
            ],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=folder,
        )  # fmt: skip
    return Jupyter(base_url, port, process, dirs["runtime"], log)


def wait_until_up(jupyter: Jupyter, deadline: float) -> None:
    with httpx.Client(timeout=2) as http:
        while time.monotonic() < deadline:
            if jupyter.process.poll() is not None:
                break
            try:
                response = http.get(f"{jupyter.url}api/status", params={"token": TOKEN})
            except httpx.TransportError:
                response = None
            if response is not None and response.status_code == 200:
                return
            time.sleep(0.1)
    raise AssertionError(f"Jupyter at {jupyter.url} did not start:\n{jupyter.log.read_text()}")


@pytest.fixture(scope="module")
def jupyters(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Jupyter]]:
    started = {
        name: launch(tmp_path_factory.mktemp(f"jupyter-{name}"), base)
        for name, base in (("root", "/"), ("hub", "/user/ada/"))
    }
    try:
        deadline = time.monotonic() + START_TIMEOUT
        for jupyter in started.values():
            wait_until_up(jupyter, deadline)
        yield started
    finally:
        for jupyter in started.values():
            jupyter.process.terminate()
        for jupyter in started.values():
            try:
                jupyter.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                jupyter.process.kill()
                jupyter.process.wait()


def behind(jupyter: Jupyter, *, trust: bool = True) -> BackgroundServer:
    """Our server in a thread, its issuer the proxied URL worked out by `proxied_url`."""
    return start_server(
        users=USERS,
        password_hash="fast",
        public_url=lambda port: proxied_url(port, environ=jupyter.environ()),
        trust_forwarded_prefix=trust,
    )


@pytest.mark.parametrize("where", ["root", "hub"])
def test_a_whole_flow_through_the_jupyter_proxy(jupyters, where):
    jupyter = jupyters[where]
    server = behind(jupyter)
    try:
        port = server.local_url.rsplit(":", 1)[1]
        issuer = f"{jupyter.url}proxy/{port}"  # /proxy/PORT or /user/ada/proxy/PORT
        assert server.url == issuer
        with new_client() as http:
            jupyter.login(http)
            endpoints = discover(issuer, http=http)
        assert endpoints.authorization_endpoint == f"{issuer}/authorize"
        with Flow(endpoints, api_url=f"{issuer}/api/photos", scope="photos:read") as flow:
            jupyter.token_in_query(flow.http)
            jupyter.login(flow.browser.http)
            flow.register("Hosted importer", redirect_uri=REDIRECT_URI)
            flow.authorize()
            page = flow.open_authorization_page()
            assert page.kind == "login", page.describe()
            # the form's action and the cookie keep the proxy's prefix
            assert page.login_form is not None
            assert page.login_form.action == f"{issuer}/authorize"
            prefix = issuer.removeprefix(f"http://127.0.0.1:{jupyter.port}")
            assert f"path={prefix}" in page.headers["set-cookie"].lower()
            assert flow.login("ada", USERS["ada"]).kind == "consent"
            # the redirect lands on the client's redirect URI, untouched by the proxy
            found = flow.consent("approve")
            assert found.kind == "redirect" and found.location.startswith(REDIRECT_URI + "?")
            response = flow.receive_redirect()  # checks state, and iss == the proxied issuer
            assert response.code and response.iss == issuer
            assert flow.exchange_code().scope == "photos:read"
            assert flow.call_api().json()["user"] == "ada"
    finally:
        stop_server()


def test_without_trusting_the_prefix_the_form_leaves_the_proxy(jupyters):
    """Why --behind-proxy exists: the form then posts to Jupyter's own /authorize."""
    jupyter = jupyters["root"]
    server = behind(jupyter, trust=False)
    try:
        with new_client() as http:
            jupyter.login(http)
            endpoints = discover(server.url, http=http)
        with Flow(endpoints, scope="photos:read") as flow:
            jupyter.token_in_query(flow.http)
            jupyter.login(flow.browser.http)
            flow.register("Hosted importer", redirect_uri=REDIRECT_URI)
            flow.authorize()
            page = flow.open_authorization_page()
            assert page.login_form is not None
            assert page.login_form.action == f"http://127.0.0.1:{jupyter.port}/authorize"
            assert flow.login("ada", USERS["ada"]).kind == "error page"  # Jupyter's 404
    finally:
        stop_server()


def test_the_proxy_needs_the_jupyter_login(jupyters):
    jupyter = jupyters["root"]
    server = behind(jupyter)
    try:
        with new_client() as http:
            response = http.get(f"{server.url}/.well-known/oauth-authorization-server")
        assert response.status_code in (302, 403)  # to Jupyter's login, never our server
        assert "issuer" not in response.text
    finally:
        stop_server()


@pytest.mark.parametrize("where", ["root", "hub"])
def test_the_kits_callback_page_through_the_jupyter_proxy(jupyters, where, monkeypatch):
    """The notebook's default: the issuer on loopback, the callback page proxied."""
    jupyter = jupyters[where]
    for name in ("JUPYTERHUB_SERVICE_PREFIX", "JUPYTERHUB_PUBLIC_URL", "JUPYTER_SERVER_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in jupyter.environ().items():
        monkeypatch.setenv(name, value)
    server = start_server(users=USERS, password_hash="fast")
    state = FlowState(scope="photos:read")
    try:
        port = int(server.local_url.rsplit(":", 1)[1])
        state.use_server(server)
        page_url = state.callback_page_url()
        assert page_url == f"{jupyter.url}proxy/{port}/client/callback"
        state.register("Hosted importer", redirect_uri=page_url, grant_types=["authorization_code"])
        request = state.require_flow().authorize()
        state.sync()
        proxied = request.url.replace(server.local_url, f"{jupyter.url}proxy/{port}")
        with Browser(stop_at=page_url) as browser:  # the learner's own browser
            jupyter.login(browser.http)
            assert browser.open(proxied).kind == "login"
            browser.login("ada", USERS["ada"])
            location = browser.consent("approve").location
            assert location is not None and location.startswith(page_url + "?")
            landed = browser.follow()  # through jupyter-server-proxy to the kernel's server
            assert landed.status == 200 and "Go back to the notebook" in landed.text
            assert request.state in landed.text
        assert state.received_redirects() == [location]
        assert state.receive_redirect(location).code
    finally:
        state.close()
        stop_server()
