"""Who is signed in, in which browser: the OpenID Provider's session (OIDC Core 3.1.2.3).

OIDC Core 3.1.2.3: the server "MUST attempt to Authenticate the End-User" or
"determine whether the End-User is Authenticated". A sign-in on the login page
starts a session for that browser (its cookie, `browser_cookie`), which remembers
who signed in and when (auth_time). An OpenID Connect request (scope holds
openid) from that browser then skips the login page, unless it asks otherwise:

    prompt=login      sign in again (OIDC Core 3.1.2.1)
    max_age=N         sign in again if the sign-in is older than N seconds
    prompt=none       never show a page: login_required or consent_required (3.1.2.6)

A plain OAuth request (no openid) shows the login page every time, as the WSO2
guide the tutorials follow does. Sessions live in memory only: a restart signs
every browser out. At most MAX_SESSIONS are kept, each SESSION_LIFETIME long.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

SESSION_LIFETIME = 8 * 3600  # seconds: a working day, as WSO2 IS's SSO session is
MAX_SESSIONS = 10_000  # past this, the oldest sign-in is forgotten: memory stays flat


@dataclass(frozen=True, slots=True)
class Session:
    username: str
    auth_time: float  # OIDC Core 2: "Time when the End-User authentication occurred"


class Sessions:
    """browser cookie -> the session it signed in, oldest first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}

    def signed_in(self, browser: str, username: str, auth_time: float) -> None:
        with self._lock:
            self._sessions.pop(browser, None)  # moved to the end: the newest
            self._sessions[browser] = Session(username, auth_time)
            while len(self._sessions) > MAX_SESSIONS:
                del self._sessions[next(iter(self._sessions))]

    def of(self, browser: str, now: float) -> Session | None:
        """The browser's session, if it has one that has not expired."""
        with self._lock:
            session = self._sessions.get(browser)
            if session is not None and session.auth_time + SESSION_LIFETIME <= now:
                del self._sessions[browser]
                return None
            return session

    def __len__(self) -> int:
        return len(self._sessions)
