"""The URL at which a learner's browser reaches a kernel's server through Jupyter.

In hosted Jupyter (JupyterHub, Binder) the browser is not on the kernel's machine,
so `http://127.0.0.1:PORT/authorize` cannot open there. jupyter-server-proxy
forwards `{Jupyter's base URL}proxy/PORT/...` to that port, with the Jupyter
login. This module works out that URL from what the kernel can see:

    JUPYTERHUB_SERVICE_PREFIX   /user/ada/  (JupyterHub, Binder), with the hub's
                                origin from JUPYTERHUB_PUBLIC_URL or JUPYTERHUB_HOST
    JUPYTER_SERVER_URL          http://127.0.0.1:8888/  (set by some deployments)
    the running servers         jpserver-*.json in Jupyter's runtime folder: the
                                kernel's own server, or the only one

    >>> proxied_url(41234, environ={"JUPYTER_SERVER_URL": "http://127.0.0.1:8888/lab-base/"})
    'http://127.0.0.1:8888/lab-base/proxy/41234'

Use it as the issuer of a background server:
`start_server(public_url=proxied_url, trust_forwarded_prefix=True)`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


def proxy_path(
    port: int,
    *,
    environ: Mapping[str, str] | None = None,
    servers: Iterable[Mapping[str, Any]] | None = None,
) -> str | None:
    """`/user/ada/proxy/PORT` or `/proxy/PORT`: a link on the Jupyter page's own origin.

    None outside Jupyter.
    """
    found = _locate(environ, servers)
    return None if found is None else found[1] + f"proxy/{port}"


def proxied_url(
    port: int,
    *,
    environ: Mapping[str, str] | None = None,
    servers: Iterable[Mapping[str, Any]] | None = None,
    origin: str | None = None,
) -> str | None:
    """The absolute proxied URL of a local port, or None.

    None outside Jupyter, and when the origin the browser sees cannot be known from
    the kernel (Binder without JUPYTERHUB_PUBLIC_URL): pass `origin` then, e.g.
    the one the notebook page shows.
    """
    found = _locate(environ, servers)
    if found is None:
        return None
    known_origin, base = found
    origin = (origin or known_origin or "").rstrip("/")
    return f"{origin}{base}proxy/{port}" if origin else None


def _locate(
    environ: Mapping[str, str] | None, servers: Iterable[Mapping[str, Any]] | None
) -> tuple[str | None, str] | None:
    """(origin or None, base path ending in '/') of the Jupyter server in front of us."""
    env = os.environ if environ is None else environ
    prefix = env.get("JUPYTERHUB_SERVICE_PREFIX")
    if prefix:
        base = "/" + prefix.strip("/") + "/"
        origin = _origin(env.get("JUPYTERHUB_HOST", "")) or _origin(
            env.get("JUPYTERHUB_PUBLIC_URL", "")
        )
        return origin, base
    server_url = env.get("JUPYTER_SERVER_URL")
    if server_url:
        return _split(server_url)
    listed = list(running_servers(env) if servers is None else servers)
    mine = [s for s in listed if s.get("pid") == os.getppid()]
    chosen = mine or (listed if len(listed) == 1 else [])
    if not chosen or not isinstance(chosen[0].get("url"), str):
        return None
    return _split(chosen[0]["url"])


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def _split(url: str) -> tuple[str | None, str]:
    path = urlsplit(url).path.strip("/")
    return _origin(url), f"/{path}/" if path else "/"


def running_servers(environ: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The Jupyter servers running on this machine, from their jpserver-*.json files."""
    folder = _runtime_dir(os.environ if environ is None else environ)
    servers = []
    for path in sorted(folder.glob("jpserver-*.json")) if folder.is_dir() else []:
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # being written, or gone
        if isinstance(info, dict) and _alive(info.get("pid")):
            servers.append(info)
    return servers


def _runtime_dir(environ: Mapping[str, str]) -> Path:
    if environ.get("JUPYTER_RUNTIME_DIR"):
        return Path(environ["JUPYTER_RUNTIME_DIR"])
    try:
        from jupyter_core.paths import jupyter_runtime_dir
    except ImportError:
        return Path.home() / ".local" / "share" / "jupyter" / "runtime"
    return Path(jupyter_runtime_dir())


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    if os.name == "nt":
        return True  # os.kill(pid, 0) would send CTRL_C_EVENT there
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process, alive
    return True
