"""The user-agent's part of the flow: login and consent pages, done over plain HTTP.

In RFC 6749 Section 4.1 steps (A) to (C) happen in the resource owner's browser: it
opens the authorization endpoint, the server authenticates the user and asks for
consent, and answers with a redirect back to the client. :class:`Browser` plays
that part with an ``httpx.Client`` that keeps cookies and never follows a redirect
on its own: it fills in the forms a person would fill in (``pages`` says which, and
``forms`` reads them from the HTML), sends the hidden inputs back unchanged, and
stops at the redirect to the client so that the ``302 Found`` and its ``Location``
can be looked at.

>>> with Browser(stop_at="https://client.example/cb") as browser:
...     browser.page is None, browser.history
(True, [])
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Literal
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx

from ._http import ClosedOnExit, Verify, new_client
from .choices import Choice, pick
from .errors import BrowserError
from .forms import Field, Form, PageText, parse_forms
from .pages import (
    CONSENT_LABELS,
    ConsentChoice,
    Page,
    PageKind,
    login_submission,
    read_page,
    username_submission,
)
from .redirect import same_endpoint

__all__ = [
    "CONSENT_LABELS",
    "Browser",
    "Choice",
    "ConsentChoice",
    "Field",
    "Form",
    "Page",
    "PageKind",
    "PageText",
    "parse_forms",
    "read_page",
]


class Browser(ClosedOnExit):
    """A cookie-keeping user-agent that submits the login and consent forms.

    ``stop_at`` is the client's redirect URI: redirects elsewhere (a login page on
    another path, as WSO2 does) are followed one hop at a time, and the redirect to
    ``stop_at`` ends the step. Without ``stop_at`` no redirect is followed.
    """

    def __init__(
        self,
        http: httpx.Client | None = None,
        *,
        verify: Verify = True,
        stop_at: str | None = None,
        max_hops: int = 10,
    ) -> None:
        self._owns_http = http is None
        self.http = http if http is not None else new_client(verify)
        self.stop_at = stop_at
        self.max_hops = max_hops
        self.page: Page | None = None
        self.history: list[Page] = []

    def open(self, url: str) -> Page:
        """Go to a URL, as when the client redirects the user to the authorization endpoint."""
        return self._go("GET", url, [], after_login=False)

    def login(
        self,
        username: str,
        password: str,
        *,
        username_field: str | None = None,
        password_field: str | None = None,
    ) -> Page:
        """Fill in the login form of the current page and submit it.

        On a username-first login the username is sent first; if the next page asks
        for the password, it is sent there.
        """
        form = self._form("login")
        if not form.has_password:
            values, button = username_submission(form, username, username_field=username_field)
            page = self._submit(form, values, button, False)
            if page.kind != "login" or page.login_form is None:
                return page
            form = page.login_form
            if not form.has_password:
                # the username page again: the username was not accepted
                page = replace(page, kind="retry")
                self.page = self.history[-1] = page
                return page
        entries, button = login_submission(
            form, username, password, username_field=username_field, password_field=password_field
        )
        return self._submit(form, entries, button, True)

    def consent(
        self, choice: ConsentChoice | str = "approve", *, scopes: Iterable[str] | None = None
    ) -> Page:
        """Answer the consent page as a person would: click the control for ``choice``.

        ``choice`` is a label the page shows (``Allow``, ``Yes``, ``Continue``), a WSO2
        value (``approve``, ``approveAlways``, ``deny``), or ``approve``/``deny`` for
        the page's one granting or refusing answer. ``scopes`` are the scope boxes
        to tick, on a page that has them (all, by default, when granting).
        """
        return self.answer(self._choice(choice), scopes=scopes)

    def answer(self, choice: Choice, *, scopes: Iterable[str] | None = None) -> Page:
        """Click one of :attr:`Page.consent_choices`: send what a browser sends for it."""
        method, url, entries = choice.request(scopes)
        if method == "GET":
            return self._go("GET", _with_query(url, entries), [], after_login=False)
        return self._go("POST", url, entries, after_login=False)

    def submit(
        self,
        form: Form,
        values: Mapping[str, str] | None = None,
        *,
        button: Field | None = None,
    ) -> Page:
        """Submit any form of the current page, for servers with other field names."""
        return self._submit(form, values or {}, button, False)

    def follow(self) -> Page:
        """Follow the current page's redirect, even to ``stop_at``."""
        page = self._current()
        if page.location is None:
            raise BrowserError(f"The current page is not a redirect: {page.describe()}")
        return self._go("GET", page.location, [], after_login=False, follow=False)

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def _current(self) -> Page:
        if self.page is None:
            raise BrowserError("No page is open yet: call open(url) first.")
        return self.page

    def _form(self, purpose: Literal["login", "consent"]) -> Form:
        page = self._current()
        form = page.login_form if purpose == "login" else page.consent_form
        if form is None:
            raise BrowserError(
                f"There is no {purpose} form on the current page ({page.kind}): {page.describe()}"
            )
        return form

    def _choice(self, choice: str) -> Choice:
        page = self._current()
        choices = page.consent_choices
        if not choices:
            raise BrowserError(
                f"There is no consent form on the current page ({page.kind}): {page.describe()} "
                "If it is a consent page after all, submit its form with submit(form, button=...)."
            )
        return pick(choices, choice)

    def _submit(
        self, form: Form, values: Mapping[str, str], button: Field | None, after_login: bool
    ) -> Page:
        entries = form.entries(values, button)
        method, action = form.target(button)
        if method == "GET":
            return self._go("GET", _with_query(action, entries), [], after_login=after_login)
        return self._go("POST", action, entries, after_login=after_login)

    def _go(
        self,
        method: str,
        url: str,
        entries: list[tuple[str, str]],
        *,
        after_login: bool,
        follow: bool = True,
    ) -> Page:
        hops: list[Page] = []
        while True:
            page = self._request(method, url, entries, after_login=after_login)
            should_follow = (
                follow
                and page.kind == "redirect"
                and page.location is not None
                and self.stop_at is not None
                and not same_endpoint(page.location, self.stop_at)
            )
            if not should_follow or page.location is None:
                break
            if len(hops) >= self.max_hops:
                raise BrowserError(f"More than {self.max_hops} redirects in a row; giving up.")
            hops.append(page)
            # RFC 9110 Section 15.4: browsers turn a redirected POST into a GET,
            # except for 307 and 308.
            if page.status not in (307, 308):
                method, entries = "GET", []
            url = page.location
        if hops:
            page = replace(page, hops=tuple(hops))
        self.page = page
        self.history.append(page)
        return page

    def _request(
        self, method: str, url: str, entries: list[tuple[str, str]], *, after_login: bool
    ) -> Page:
        headers = {"Accept": "text/html,application/xhtml+xml"}
        content = None
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            parts = urlsplit(url)
            # Browsers send Origin with every form POST (RFC 6454 Section 7).
            headers["Origin"] = f"{parts.scheme}://{parts.netloc}"
            content = urlencode(entries).encode("ascii")
        try:
            response = self.http.request(method, url, headers=headers, content=content)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise BrowserError(f"Could not reach {url}: {exc}") from exc
        return read_page(response, after_login=after_login)


def _with_query(url: str, entries: list[tuple[str, str]]) -> str:
    # HTML: a GET form's entries replace the action's query
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(entries), ""))
