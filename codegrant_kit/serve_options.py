"""What `start_server`, `build` and `codegrant-kit serve` share: where and how to serve.

>>> ServeOptions.of(port=8000, code_lifetime=60).settings
{'code_lifetime': 60}
"""

from __future__ import annotations

import difflib
import ipaddress
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from .server import ServerConfig

# The issuer when the server is reached through a proxy: a URL, a URL with
# "{port}" for the port bound, or a function of that port (None: not proxied).
PublicUrl = str | Callable[[int], str | None] | None

DEFAULT_USERS: Mapping[str, str] = {"admin": "admin"}  # WSO2's default administrator
LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    """Can only this machine reach `host`? Then the default admin:admin is allowed.

    >>> is_loopback("127.0.0.2"), is_loopback("::1"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def issuer_for(host: str, port: int, scheme: str = "http") -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{port}"


def public_issuer(public_url: PublicUrl, port: int) -> str | None:
    """The issuer given for a server behind a proxy, with its port filled in.

    >>> public_issuer("http://127.0.0.1:8888/proxy/{port}", 41234)
    'http://127.0.0.1:8888/proxy/41234'
    """
    if public_url is None:
        return None
    if callable(public_url):
        return public_url(port)
    return public_url.replace("{port}", str(port))


@dataclass(frozen=True)
class ServeOptions:
    """Where and how to serve, whom to load, and the settings: what `start_server`,
    `build` and `codegrant-kit serve` share.

    `settings` are fields of `ServerConfig` (scopes, code_lifetime, db, ...) put over
    `config`, or over `ServerConfig`'s own defaults; the issuer is the bound address
    unless `public_url` or an `issuer` setting says otherwise.

    >>> ServeOptions.of(port=8000, code_lifetime=60).settings
    {'code_lifetime': 60}
    """

    host: str = "127.0.0.1"
    port: int = 0  # 0: a free port
    users: Mapping[str, str] | None = None  # None: admin:admin, on a loopback host only
    clients: Sequence[Mapping[str, Any]] = ()
    config: ServerConfig | None = None
    public_url: PublicUrl = None
    tls: bool = False
    tls_dir: str | os.PathLike[str] | None = None
    certfile: str | os.PathLike[str] | None = None
    keyfile: str | os.PathLike[str] | None = None
    instructor: tuple[str, str] | None = None
    # with a `db`, its users not in `users` are no longer admitted, unless this is set
    # (`serve` without any --user, `start_server` without users=: a restart on the file)
    keep_database_users: bool = False
    settings: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, **keywords: Any) -> ServeOptions:
        """The keywords of `start_server`: these fields and those of `ServerConfig`."""
        own = {f.name for f in fields(cls)} - {"settings"}
        settings = {f.name for f in fields(ServerConfig)}
        unknown = sorted(set(keywords) - own - settings)
        if unknown:
            close = difflib.get_close_matches(unknown[0], own | settings, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise TypeError(
                f"Unknown option {unknown[0]!r}: {hint}the options are {', '.join(sorted(own))} "
                "and the fields of ServerConfig."
            )
        return cls(
            **{name: value for name, value in keywords.items() if name in own},
            settings={name: value for name, value in keywords.items() if name not in own},
        )

    def resolved_users(self) -> dict[str, str]:
        """The users to load: those given, or admin:admin for a loopback host."""
        if self.users is not None:
            return dict(self.users)
        if not is_loopback(self.host):
            raise ValueError(
                f"Give users={{NAME: PASSWORD, ...}} to listen on {self.host}: the default "
                "admin:admin is for a server only this machine can reach."
            )
        return dict(DEFAULT_USERS)

    def server_config(self, bound_port: int) -> ServerConfig:
        """The settings over the base config, with the issuer for the port bound."""
        settings = dict(self.settings)
        scheme = "https" if self.tls or self.certfile is not None else "http"
        issuer = (
            settings.pop("issuer", None)
            or public_issuer(self.public_url, bound_port)
            or issuer_for(self.host, bound_port, scheme)
        )
        return replace(self.config or ServerConfig(), issuer=issuer, **settings)


def no_longer_admitted(usernames: list[str], given: str = "with --user or --users-file") -> str:
    """What start says of the database's users it no longer admits.

    >>> print(no_longer_admitted(["bob", "carol"]))  # doctest: +NORMALIZE_WHITESPACE
    The database's users bob and carol are no longer admitted: they were not given
    with --user or --users-file.
    >>> print(no_longer_admitted(["bob"]))  # doctest: +NORMALIZE_WHITESPACE
    The database's user bob is no longer admitted: bob was not given with --user or
    --users-file.
    """
    if len(usernames) == 1:
        who, verb, subject = f"user {usernames[0]}", "is", f"{usernames[0]} was"
    else:
        names = ", ".join(usernames[:-1]) + f" and {usernames[-1]}"
        who, verb, subject = f"users {names}", "are", "they were"
    return f"The database's {who} {verb} no longer admitted: {subject} not given {given}."
