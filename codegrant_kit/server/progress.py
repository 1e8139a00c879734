"""Which learner reached which step of the flow, for the instructor's dashboard.

Counts per username and step, kept by the `Store` under its lock (so this class
takes none). A login page is shown before anyone signs in: it is counted for the
user who last signed in from that browser, or for `NOT_SIGNED_IN` until the
sign-in on that page tells who it was, and then moved to that user.

    >>> progress = Progress(clock=lambda: 0.0)
    >>> progress.seen_login_page("page-1", browser="cookie-1")
    >>> progress.signed_in("page-1", browser="cookie-1", username="ada")
    >>> progress.counts["ada"]
    {'login_page': 1, 'signed_in': 1}
"""

from __future__ import annotations

from collections.abc import Callable

# The steps in the order of the flow, with the dashboard's column titles.
STEPS = {
    "login_page": "Login page seen",
    "failed_sign_in": "Failed sign-ins",
    "signed_in": "Signed in",
    "consented": "Consented",
    "code_redeemed": "Code redeemed",
    "api_called": "API called",
}
NOT_SIGNED_IN = ""  # the row of login pages whose browser has not signed in yet
MAX_BROWSERS = 10_000  # browsers remembered; beyond this the oldest are forgotten


OnChange = Callable[[str, str, int, float], None]  # learner, step, new count, when


class Progress:
    def __init__(self, clock: Callable[[], float], on_change: OnChange | None = None) -> None:
        self._clock = clock
        self._on_change = on_change  # the database follows each counter that moves
        self.counts: dict[str, dict[str, int]] = {}
        self.last_seen: dict[str, float] = {}
        self._browsers: dict[str, str] = {}  # browser cookie -> who last signed in there
        self._anonymous: set[str] = set()  # pending ids counted for NOT_SIGNED_IN

    def load(self, learner: str, step: str, count: int, at: float) -> None:
        self.counts.setdefault(learner, {})[step] = count
        self.last_seen[learner] = max(at, self.last_seen.get(learner, 0.0))

    def count(self, learner: str, step: str, by: int = 1) -> None:
        steps = self.counts.setdefault(learner, {})
        steps[step] = steps.get(step, 0) + by
        now = self._clock()
        self.last_seen[learner] = now
        if self._on_change is not None:
            self._on_change(learner, step, steps[step], now)

    def seen_login_page(self, pending_id: str, browser: str) -> None:
        learner = self._browsers.get(browser)
        if learner is None:
            self._anonymous.add(pending_id)
            learner = NOT_SIGNED_IN
        self.count(learner, "login_page")

    def signed_in(self, pending_id: str, browser: str, username: str) -> None:
        if pending_id in self._anonymous:
            self._anonymous.discard(pending_id)
            self.count(NOT_SIGNED_IN, "login_page", -1)
            self.count(username, "login_page")
        self._browsers.pop(browser, None)
        if len(self._browsers) >= MAX_BROWSERS:
            del self._browsers[next(iter(self._browsers))]
        self._browsers[browser] = username
        self.count(username, "signed_in")

    def failed_sign_in(self, browser: str, username: str | None) -> None:
        """A wrong password: counted for the account tried if it exists, else the browser's."""
        learner = username or self._browsers.get(browser) or NOT_SIGNED_IN
        self.count(learner, "failed_sign_in")

    def forget_pending(self, pending_id: str) -> None:
        self._anonymous.discard(pending_id)

    def mark_anonymous(self, pending_id: str) -> None:
        """After a restart: this page's login was counted for NOT_SIGNED_IN."""
        self._anonymous.add(pending_id)

    def is_anonymous(self, pending_id: str) -> bool:
        return pending_id in self._anonymous

    def rows(self, usernames: list[str]) -> list[tuple[str, dict[str, int], float | None]]:
        """(learner, counts per step, last seen) for every user, then the not-signed-in row."""
        rows = [(u, self.counts.get(u, {}), self.last_seen.get(u)) for u in usernames]
        rows += [
            (name, steps, self.last_seen.get(name))
            for name, steps in sorted(self.counts.items())
            if name not in usernames and name != NOT_SIGNED_IN and any(steps.values())
        ]
        anonymous = self.counts.get(NOT_SIGNED_IN, {})
        if any(anonymous.values()):
            rows.append((NOT_SIGNED_IN, anonymous, self.last_seen.get(NOT_SIGNED_IN)))
        return rows
