"""The instructor's dashboard: which learner reached which step (GET /dashboard).

Open only to the instructor given with `--instructor NAME:PASSWORD`, by HTTP
Basic (RFC 7617); without one the page does not exist (404). Basic sends the
password in base64, which anyone on the path can read (RFC 7617 4): a classroom
server runs it over TLS (`--tls`).

The counts come from the Store (`progress`): a learner is a username, and a
login page counts for whoever signs in on it.
"""

from __future__ import annotations

import base64
import binascii

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from .config import ServerConfig
from .httpio import client_address
from .pages import error_page, render
from .progress import NOT_SIGNED_IN, STEPS
from .store import Store

REALM = 'Basic realm="codegrant-kit dashboard", charset="UTF-8"'
REFRESH = 10  # seconds between reloads of the page


def parse_basic(header: str | None) -> tuple[str, str] | None:
    """User and password of an RFC 7617 Basic header, or None.

    >>> parse_basic("Basic dGVhY2hlcjpzM2NyZXQ=")
    ('teacher', 's3cret')
    """
    scheme, _, encoded = (header or "").strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    user, colon, password = decoded.partition(":")
    return (user, password) if colon else None


def ago(seconds: float | None) -> str:
    """How long ago, in words.

    >>> ago(None), ago(4), ago(125), ago(7300)
    ('never', 'just now', '2 min ago', '2 h ago')
    """
    if seconds is None:
        return "never"
    if seconds < 10:
        return "just now"
    if seconds < 60:
        return f"{int(seconds)} s ago"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    return f"{int(seconds // 3600)} h ago"


def furthest(counts: dict[str, int]) -> str:
    """The last step of the flow this learner reached.

    >>> furthest({"login_page": 3, "signed_in": 2, "failed_sign_in": 1})
    'Signed in'
    """
    reached = [
        title for step, title in STEPS.items() if step != "failed_sign_in" and counts.get(step)
    ]
    return reached[-1] if reached else "not started"


class DashboardEndpoint:
    def __init__(self, config: ServerConfig, store: Store) -> None:
        self.config = config
        self.store = store

    async def handle(self, request: Request) -> Response:
        if not self.store.has_instructor:
            return error_page(
                request,
                self.config,
                "No dashboard",
                "This server has no instructor, so no dashboard. Start it with "
                "--instructor NAME:PASSWORD to have one.",
                status_code=404,
            )
        keys = [("address", client_address(request))]
        wait = self.store.throttle.retry_after(keys)
        if wait is not None:
            response = error_page(
                request,
                self.config,
                "Too many failed sign-ins",
                f"Too many wrong instructor passwords from this address; try again in {wait} s.",
                status_code=429,
            )
            response.headers["Retry-After"] = str(wait)
            return response
        credentials = parse_basic(request.headers.get("authorization"))
        if credentials is None or not await run_in_threadpool(
            self.store.check_instructor, *credentials
        ):
            if credentials is not None:
                self.store.throttle.failed(keys)
            response = error_page(
                request,
                self.config,
                "Instructors only",
                "Sign in with the instructor's name and password (--instructor).",
                status_code=401,
            )
            response.headers["WWW-Authenticate"] = REALM
            return response
        data = self.store.dashboard()
        now = self.store.now()
        learners = [
            {
                "name": name or None,
                "counts": [counts.get(step, 0) for step in STEPS],
                "last_seen": ago(None if last is None else now - last),
                "furthest": furthest(counts),
            }
            for name, counts, last in data["learners"]
        ]
        return render(
            request,
            self.config,
            "dashboard.html",
            steps=list(STEPS.values()),
            learners=learners,
            clients=data["clients"],
            active_tokens=data["active_tokens"],
            pending=data["pending"],
            refresh=REFRESH,
            not_signed_in=NOT_SIGNED_IN,
        )
