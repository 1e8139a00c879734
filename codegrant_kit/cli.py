"""The command line: `codegrant-kit serve` and `codegrant-kit demo`."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import signal
import sys
from collections.abc import Sequence
from typing import Any

from .runner import _Server, build, uvicorn_config
from .server.config import DEFAULT_SCOPES
from .server.lab import SWITCHES

LOOPBACK_NAMES = ("localhost",)


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


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="codegrant-kit",
        description="Learn the OAuth 2.0 Authorization Code Grant with a small teaching server.",
    )
    commands = top.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the authorization server in the foreground")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=8000, help="port; 0 picks a free one")
    serve.add_argument(
        "--user",
        type=_user,
        action="append",
        default=[],
        metavar="NAME:PASSWORD",
        help="a resource owner who can sign in (repeatable; default admin:admin on loopback)",
    )
    serve.add_argument(
        "--client",
        type=_client,
        action="append",
        default=[],
        metavar="KEY:SECRET:CALLBACK",
        help="preload an application with this consumer key, secret and callback URL",
    )
    serve.add_argument(
        "--scope",
        action="append",
        default=None,
        metavar="SCOPE",
        help=f"a scope the server knows (repeatable; default {' '.join(DEFAULT_SCOPES)})",
    )
    serve.add_argument("--code-lifetime", type=_positive, default=300, metavar="SECONDS")
    serve.add_argument("--access-token-lifetime", type=_positive, default=3600, metavar="SECONDS")
    serve.add_argument("--refresh-token-lifetime", type=_positive, default=86400, metavar="SECONDS")
    serve.add_argument(
        "--password-hash",
        choices=("scrypt", "fast"),
        default="scrypt",
        help="scrypt (default); fast is one SHA-256, for benchmarks and load tests only",
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
    serve.add_argument("--log-level", default="warning", choices=("debug", "info", "warning"))

    demo = commands.add_parser(
        "demo", help="run the whole seed flow against an embedded server and print it"
    )
    demo.add_argument("--no-color", action="store_true", help="plain text")
    return top


def serve(args: argparse.Namespace) -> int:
    users = dict(args.user)
    if not users:
        if not is_loopback(args.host):
            print(
                "codegrant-kit: give at least one --user NAME:PASSWORD when listening on "
                f"{args.host}; the default admin:admin is for a server only you can reach.",
                file=sys.stderr,
            )
            return 2
        users = {"admin": "admin"}
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    options: dict[str, Any] = {
        "code_lifetime": args.code_lifetime,
        "access_token_lifetime": args.access_token_lifetime,
        "refresh_token_lifetime": args.refresh_token_lifetime,
        "password_hash": args.password_hash,
        "lab_switches": frozenset(args.lab),
    }
    if args.scope:
        options["scopes"] = tuple(args.scope)
    try:
        sock, app = build(
            host=args.host, port=args.port, users=users, clients=args.client, **options
        )
    except (OSError, ValueError) as exc:
        print(f"codegrant-kit: {exc}", file=sys.stderr)
        return 1
    issuer = app.state.config.issuer

    def ready() -> None:
        print(f"codegrant-kit authorization server listening, issuer {issuer}", flush=True)

    server = _Server(uvicorn_config(app), ready)
    # uvicorn re-raises the signal it caught once it has shut down; with these
    # handlers in place that re-raise is harmless and the exit status stays 0.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    try:
        asyncio.run(server.serve(sockets=[sock]))
    finally:
        sock.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    from .demo import run_demo

    return run_demo(color=not args.no_color and sys.stdout.isatty())


if __name__ == "__main__":
    sys.exit(main())
