"""The command line: `codegrant-kit serve`, `codegrant-kit demo` and `codegrant-kit lab`."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .runner import (
    DEFAULT_USERS,
    ServeOptions,
    _Server,
    build,
    is_loopback,
    no_longer_admitted,
    uvicorn_config,
)
from .server.config import ServerConfig
from .server.passwords import SCHEMES
from .server.persistence import PersistenceError
from .server.profiles import PROFILES
from .server.rate_limit import DEFAULT_RATE_LIMITS, RateLimit
from .server.switches import SWITCHES
from .tls import WILDCARD_HOSTS, TlsError, trust_instructions

# Every default the command line shows is the server's own: one place to change it.
DEFAULTS = ServerConfig()
DEFAULT_HOST = ServeOptions.host
DEFAULT_PORT = urlsplit(DEFAULTS.issuer).port


def _user(text: str) -> tuple[str, str]:
    name, colon, password = text.partition(":")
    if not colon or not name or not password:
        raise argparse.ArgumentTypeError(f"expected NAME:PASSWORD, got {text!r}")
    return name, password


def _client(text: str) -> dict[str, Any]:
    # the callback URL holds ':' itself, so split on the first two only
    parts = text.split(":", 2)
    if len(parts) != 3 or not all(parts):
        raise argparse.ArgumentTypeError(f"expected KEY:SECRET:CALLBACK, got {text!r}")
    key, secret, callback = parts
    from .server.errors import OAuthError
    from .server.registration import check_redirect_uri

    try:
        check_redirect_uri(callback)
    except OAuthError as exc:
        raise argparse.ArgumentTypeError(exc.description) from None
    return {"client_id": key, "client_secret": secret, "redirect_uris": [callback]}


def _users_file(text: str) -> list[tuple[str, str]]:
    """NAME:PASSWORD on each line; blank lines and lines starting with # are skipped."""
    try:
        lines = Path(text).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"cannot read {text}: {exc.strerror}") from None
    users = []
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if line and not line.startswith("#"):
            try:
                users.append(_user(line))
            except argparse.ArgumentTypeError:
                raise argparse.ArgumentTypeError(
                    f"{text}, line {number}: expected NAME:PASSWORD"
                ) from None
    return users


def _rate_limit(text: str) -> tuple[str, RateLimit | None]:
    name, equals, value = text.partition("=")
    if not equals or name not in DEFAULT_RATE_LIMITS:
        raise argparse.ArgumentTypeError(
            f"expected NAME=PER_SECOND/BURST or NAME=off, NAME one of "
            f"{', '.join(DEFAULT_RATE_LIMITS)}; got {text!r}"
        )
    if value == "off":
        return name, None
    try:
        return name, RateLimit.parse(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _count(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive number")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value


# ServerConfig fields the command line takes as they are
LIFETIMES = {
    "code_lifetime": "seconds an authorization code stays usable (default %(default)s)",
    "access_token_lifetime": "seconds an access token is valid (default %(default)s)",
    "refresh_token_lifetime": "seconds a refresh token is valid (default %(default)s)",
}
COUNTS = {
    "max_clients_per_address": "applications one address may register (default "
    "%(default)s; unused ones are forgotten after unused_client_lifetime)",
    "max_clients": "applications the server holds in all (default %(default)s)",
    "max_connections_per_address": "open connections one address may hold (default "
    "%(default)s; more for a load test from one machine)",
    "max_pending_per_address": "login pages open at once from one address (default "
    "%(default)s; a class behind one NAT shares it)",
    "max_pending": "login pages open at once in all (default %(default)s)",
}


def repeatable(
    group: argparse._ActionsContainer,
    flag: str,
    kind: Callable[[str], Any],
    metavar: str,
    help_text: str,
) -> None:
    """An option that may be given again and again, its values gathered in a list."""
    group.add_argument(
        flag, type=kind, action="append", default=[], metavar=metavar, help=help_text
    )


def config_options(
    group: argparse._ActionsContainer,
    helps: dict[str, str],
    kind: Callable[[str], Any],
    metavar: str,
) -> None:
    """`--code-lifetime` and the like: one option per ServerConfig field, its default."""
    for name, help_text in helps.items():
        group.add_argument(
            "--" + name.replace("_", "-"),
            type=kind,
            default=getattr(DEFAULTS, name),
            metavar=metavar,
            help=help_text,
        )


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="codegrant-kit",
        description="Learn the OAuth 2.0 Authorization Code Grant with a small teaching server.",
    )
    commands = top.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the authorization server in the foreground")
    serve.add_argument(
        "--host", default=DEFAULT_HOST, help="address to listen on (default %(default)s)"
    )
    serve.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help="port (default %(default)s); 0 picks a free one",
    )
    repeatable(
        serve,
        "--user",
        _user,
        "NAME:PASSWORD",
        "a resource owner who can sign in (repeatable; default admin:admin on loopback)",
    )
    repeatable(
        serve,
        "--client",
        _client,
        "KEY:SECRET:CALLBACK",
        "preload an application with this consumer key, secret and callback URL",
    )
    serve.add_argument(
        "--scope",
        action="append",
        default=None,
        metavar="SCOPE",
        help=f"a scope the server knows (repeatable; default {' '.join(DEFAULTS.scopes)})",
    )
    config_options(serve, LIFETIMES, _positive, "SECONDS")
    serve.add_argument(
        "--access-token-format",
        choices=("opaque", "jwt"),
        default=DEFAULTS.access_token_format,
        help="opaque random access tokens (default %(default)s), or RS256 JWTs (RFC 9068), "
        "as WSO2 API Manager issues, checked against the JWKS at /jwks",
    )
    serve.add_argument(
        "--dpop-nonce",
        action="store_true",
        help="DPoP proofs must carry the server's nonce (RFC 9449 8, 9): a client first "
        "meets use_dpop_nonce and the DPoP-Nonce header, then retries",
    )
    serve.add_argument(
        "--rotate-signing-key",
        action="store_true",
        help="sign ID tokens and JWTs with a new key from this start on; the previous one "
        "stays in the JWKS (with --db), so the tokens it signed still verify",
    )
    serve.add_argument(
        "--password-hash",
        choices=SCHEMES,
        default=DEFAULTS.password_hash,
        help="how passwords are kept (default %(default)s); fast is one SHA-256, for "
        "benchmarks and load tests only",
    )
    serve.add_argument(
        "--lab",
        action="append",
        default=[],
        choices=sorted(SWITCHES),
        metavar="SWITCH",
        help="turn ONE defence off to show an attack (repeatable; never for real use): "
        + ", ".join(sorted(SWITCHES)),
    )
    serve.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        help="turn the optional defences into requirements for every client: oauth2.1 "
        "(PKCE S256 for all, no client_secret_post) or fapi2 (the FAPI 2.0 Security "
        "Profile: PAR, PKCE S256, DPoP, private_key_jwt only, 60 s codes)",
    )
    serve.add_argument("--log-level", default="warning", choices=("debug", "info", "warning"))

    classroom = serve.add_argument_group("a classroom server")
    repeatable(
        classroom,
        "--users-file",
        _users_file,
        "FILE",
        "resource owners, one NAME:PASSWORD a line (one per learner)",
    )
    classroom.add_argument(
        "--db",
        metavar="FILE",
        help="keep users, applications, consents, codes and tokens in this SQLite file, "
        "so a restart loses nothing (created if missing)",
    )
    classroom.add_argument(
        "--tls",
        action="store_true",
        help="serve https with a local CA made with trustme (kept next to --db, or in "
        "--tls-dir), and print how learners trust it",
    )
    classroom.add_argument("--tls-dir", metavar="DIR", help="the folder of --tls's CA")
    classroom.add_argument("--cert", metavar="FILE", help="serve https with this certificate")
    classroom.add_argument("--key", metavar="FILE", help="the private key of --cert")
    classroom.add_argument(
        "--public-url",
        metavar="URL",
        help="the issuer learners use, when it differs from http(s)://HOST:PORT "
        "(a server on 0.0.0.0, or behind a proxy)",
    )
    classroom.add_argument(
        "--behind-proxy",
        action="store_true",
        help="trust X-Forwarded-For, -Proto and -Prefix from a reverse proxy at 127.0.0.1 "
        "(or FORWARDED_ALLOW_IPS), such as jupyter-server-proxy or nginx; never without "
        "such a proxy in front",
    )
    classroom.add_argument(
        "--instructor",
        type=_user,
        metavar="NAME:PASSWORD",
        help="turn on the dashboard at /dashboard, for this name and password (HTTP Basic)",
    )
    repeatable(
        classroom,
        "--rate-limit",
        _rate_limit,
        "NAME=PER_SECOND/BURST",
        "requests per client address to authorize, token or register (or NAME=off); "
        + ", ".join(
            f"{name} {limit.per_second:g}/{limit.burst}"
            for name, limit in DEFAULT_RATE_LIMITS.items()
        )
        + " by default",
    )
    config_options(classroom, COUNTS, _count, "N")

    demo = commands.add_parser(
        "demo", help="run the whole seed flow against an embedded server and print it"
    )
    demo.add_argument("--no-color", action="store_true", help="plain text")

    from .workspace import add_lab_command

    add_lab_command(commands)
    return top


def options_of(args: argparse.Namespace, users: dict[str, str]) -> ServeOptions:
    """What `serve`'s arguments ask for, as the runner takes it."""
    settings: dict[str, Any] = {name: getattr(args, name) for name in (*LIFETIMES, *COUNTS)}
    settings["password_hash"] = args.password_hash
    settings["access_token_format"] = args.access_token_format
    settings["dpop_nonce"] = args.dpop_nonce
    settings["lab_switches"] = frozenset(args.lab)
    settings["profile"] = args.profile
    if args.scope:
        settings["scopes"] = tuple(args.scope)
    if args.db:
        settings["db"] = args.db
    if args.behind_proxy:
        settings["trust_forwarded_prefix"] = True
        settings["trust_forwarded_for"] = True
    if args.rate_limit:
        settings["rate_limits"] = dict(args.rate_limit)
    return ServeOptions(
        host=args.host,
        port=args.port,
        users=users,
        clients=args.client,
        public_url=args.public_url,
        tls=args.tls,
        tls_dir=args.tls_dir,
        certfile=args.cert,
        keyfile=args.key,
        instructor=args.instructor,
        settings=settings,
    )


def serve(args: argparse.Namespace) -> int:
    users = dict(user for users_file in args.users_file for user in users_file)
    users.update(args.user)
    # without any --user, a database's users stay the users (a restart on the same file)
    keep_database_users = not users
    if not users:
        if not is_loopback(args.host):
            print(
                "codegrant-kit: give at least one --user NAME:PASSWORD when listening on "
                f"{args.host}; the default admin:admin is for a server only you can reach.",
                file=sys.stderr,
            )
            return 2
        users = dict(DEFAULT_USERS)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    if args.host in WILDCARD_HOSTS and not args.public_url:
        print(
            f"codegrant-kit: listening on {args.host or 'every interface'}; give --public-url "
            "with the address learners use, so that the issuer and the endpoints in the "
            "metadata carry it.",
            file=sys.stderr,
        )
    try:
        sock, app = build(replace(options_of(args, users), keep_database_users=keep_database_users))
    except (OSError, ValueError, PersistenceError, TlsError) as exc:
        print(f"codegrant-kit: {exc}", file=sys.stderr)
        return 1
    issuer = app.state.config.issuer
    store = app.state.store
    kid = app.state.signing_keys.rotate() if args.rotate_signing_key else None

    def ready() -> None:
        print(f"codegrant-kit authorization server listening, issuer {issuer}", flush=True)
        profile = app.state.config.profile_rules()
        if profile is not None:
            print(f"{profile.summary()}.", flush=True)
        if app.state.tls is not None:
            print(trust_instructions(app.state.tls, issuer), flush=True)
        if kid is not None:
            print(f"Signing with a new key, kid {kid}; {issuer}/jwks lists it.", flush=True)
        if store.persistent:
            print(f"Everything it remembers is kept in {Path(args.db).resolve()}.", flush=True)
        if app.state.removed_users:
            print(no_longer_admitted(app.state.removed_users), flush=True)
        if args.instructor:
            print(f"Dashboard: {issuer}/dashboard (as {args.instructor[0]})", flush=True)

    server = _Server(uvicorn_config(app), ready)
    # uvicorn re-raises the signal it caught once it has shut down; with these
    # handlers in place that re-raise is harmless and the exit status stays 0.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    try:
        server.run(sockets=[sock])  # on uvloop when installed (the config's loop)
    finally:
        sock.close()
        store.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    # `codegrant-kit lab DIR -- --port=9999`: what follows -- is jupyter lab's
    extra: list[str] = []
    if "--" in words:
        at = words.index("--")
        words, extra = words[:at], words[at + 1 :]
    args = parser().parse_args(words)
    if extra and args.command != "lab":
        parser().error(f"only lab passes options after --; {args.command} takes none")
    if args.command == "serve":
        return serve(args)
    if args.command == "lab":
        from .workspace import lab

        return lab(args.dir, args.copy_only, extra)
    from .demo import run_demo

    try:
        return run_demo(color=not args.no_color and sys.stdout.isatty())
    except BrokenPipeError:  # `codegrant-kit demo | head`: the reader left, not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
