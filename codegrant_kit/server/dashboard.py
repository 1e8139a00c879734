"""The instructor's dashboard: which learner reached which step (GET /dashboard).

Open only to the instructor given with `--instructor NAME:PASSWORD`, by HTTP
Basic (RFC 7617); without one the page does not exist (404). Basic sends the
password in base64, which anyone on the path can read (RFC 7617 4): a classroom
server runs it over TLS (`--tls`).

The counts come from the Store (`progress`): a learner is a username, and a
login page counts for whoever signs in on it.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from .endpoint import Endpoint
from .httpio import basic_credentials, client_address
from .pages import error_page, render
from .progress import NOT_SIGNED_IN, STEPS

REALM = 'Basic realm="codegrant-kit dashboard", charset="UTF-8"'
REFRESH = 10  # seconds between reloads of the page


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


class DashboardEndpoint(Endpoint):
    methods = ("GET",)

    async def get(self, request: Request) -> Response:
        if self.services.instructor is None:
            return error_page(
                request,
                self.config,
                "No dashboard",
                "This server has no instructor, so no dashboard. Start it with "
                "--instructor NAME:PASSWORD to have one.",
                status_code=404,
            )
        keys = [("address", client_address(request))]
        wait = self.services.throttle.retry_after(keys)
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
        try:
            # RFC 7617 2: Basic user-id ":" password (not form-encoded, unlike RFC 6749 2.3.1)
            credentials: tuple[str, str] | None = basic_credentials(
                request.headers.get("authorization") or ""
            )
        except ValueError:
            credentials = None
        if credentials is None or not await run_in_threadpool(
            self.services.check_instructor, *credentials
        ):
            if credentials is not None:
                self.services.throttle.failed(keys)
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
