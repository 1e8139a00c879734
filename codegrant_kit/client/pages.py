"""What a browser is looking at: which kind of page a response is, and which of its
forms and controls a person would use to log in or answer the consent question.

:func:`read_page` sorts an answer into a :data:`PageKind` by what the page is, not
by one product's field names: a redirect (RFC 6749 Section 4.1.2 sends the code
that way), a login page (a form with a password field, or a username-first form
whose password comes on the next page), the login page again after a failed
attempt, a consent page (a form whose buttons grant or refuse: see ``choices``),
an error page, or "other", which the kit says it cannot tell, showing the page's
words and forms. :func:`login_submission` says what filling in a login form sends;
a consent page's :attr:`Page.consent_choices` say what each answer sends; the
:class:`~codegrant_kit.client.browser.Browser` sends it.

>>> page = read_page(httpx.Response(
...     302, headers={"Location": "/cb?error=access_denied"},
...     request=httpx.Request("GET", "https://as.example/authorize"),
... ))
>>> page.kind, page.location
('redirect', 'https://as.example/cb?error=access_denied')
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx

from ._http import json_object, text_member
from .choices import Choice, choices_of, words
from .errors import BrowserError
from .explain import explain_error
from .forms import Field, Form, Link, PageText, read_html

PageKind = Literal["login", "retry", "consent", "error page", "redirect", "other"]
# WSO2's consent values, which our server takes too; any label a page shows works as well.
ConsentChoice = Literal["approve", "approveAlways", "deny"]
# the text inputs a username-first login page asks for (name, id or autocomplete)
_USERNAME = frozenset({"username", "user", "login", "email", "identifier", "userid", "account"})

CONSENT_LABELS: dict[str, str] = {
    "approve": "Approve Once",
    "approveAlways": "Approve Always",
    "deny": "Deny",
}


@dataclass(frozen=True)
class Page:
    """One step of the browser: what the server answered, and what kind of page it is."""

    method: str
    url: str
    status: int
    reason: str
    headers: httpx.Headers
    kind: PageKind
    message: str
    location: str | None = None
    forms: tuple[Form, ...] = ()
    title: str = ""
    text: str = ""
    hops: tuple[Page, ...] = ()
    links: tuple[Link, ...] = ()
    scripts: tuple[str, ...] = ()
    visible: str = ""  # the page's words, shortened

    @property
    def login_form(self) -> Form | None:
        """The form with a password field, else a username-first form."""
        forms = self.forms
        return next((f for f in forms if f.has_password), None) or next(
            (f for f in forms if username_first(f)), None
        )

    @property
    def consent_form(self) -> Form | None:
        """The form whose buttons answer the consent question."""
        for form in self.forms:
            if form.has_password or username_first(form):
                continue
            if form.named("consent") or any(c.grants for c in self._choices(form)):
                return form
        return None

    @property
    def consent_choices(self) -> tuple[Choice, ...]:
        """Every answer the consent page offers, in the page's order, then its
        refusing links; empty on any other page."""
        form = self.consent_form
        return tuple(self._choices(form, links=True)) if form is not None else ()

    def _choices(self, form: Form, *, links: bool = False) -> list[Choice]:
        return choices_of(form, self.scripts, self.links if links else ())

    def summary(self) -> str:
        """The page's words and its forms, for when the kit cannot tell what it is."""
        text = self.visible or "(no words)"
        forms = "; ".join(describe_form(form) for form in self.forms) or "no form"
        return f"The page says: {text!r}. It has {forms}."

    def describe(self) -> str:
        """What happened, in one or two plain sentences."""
        status = f"{self.status} {self.reason}".strip()
        if self.kind == "login":
            form = self.login_form
            if form is not None and not form.has_password:
                return (
                    f"Login page ({status}): the server asks for a username first; "
                    "the password comes on the next page."
                )
            return f"Login page ({status}): the server asks for a username and password."
        if self.kind == "retry":
            return f"Login failed ({status}): {self.message}"
        if self.kind == "consent":
            labels = ", ".join(repr(choice.label) for choice in self.consent_choices)
            return f"Consent page ({status}): {self.message} (answers: {labels})"
        if self.kind == "error page":
            return f"The server answered {status} with an error page: {self.message}"
        if self.kind == "redirect":
            text = f"{status}: the server sends the browser to {self.location}"
            return text + (f". {self.message}" if self.message else ".")
        return (
            f"{status}: the kit cannot tell what this page is (no login form, no consent "
            f"buttons, not an error). {self.summary()}"
        )


def describe_form(form: Form) -> str:
    """One form in words: where it goes, its hidden fields, the buttons it offers."""
    hidden = ", ".join(f"{name}={value[:40]}" for name, value in form.hidden.items())
    shown = [f"{item.type} {item.name}" for item in form.fields if item.type in ("text", "email")]
    buttons = [item.label or item.value or item.type for item in form.fields if item.is_button]
    parts = [f"a form {form.method} {form.action}"]
    if hidden:
        parts.append(f"hidden {hidden}")
    if shown:
        parts.append(f"inputs {', '.join(shown)}")
    parts.append(f"buttons {buttons}" if buttons else "no button")
    return ", ".join(parts)


def username_first(form: Form) -> bool:
    """A form that asks only for a username, the password to come on the next page."""
    if form.has_password or not form.buttons:
        return False
    typed = [item for item in form.fields if item.type in ("text", "email", "tel")]
    if len(typed) != 1:
        return False
    found = set(words(typed[0].name)) | set(words(typed[0].id))
    # a one-time code or a device's user_code is not a username
    return bool(found & _USERNAME) and not found & {"code", "otp", "search", "query"}


def read_page(response: httpx.Response, *, after_login: bool = False) -> Page:
    """Classify a response as the page a person would see."""
    request = response.request
    url = str(request.url)
    location = response.headers.get("location")
    if location is not None:
        location = urljoin(url, location)
    text = response.text
    content_type = response.headers.get("content-type", "")
    is_html = "html" in content_type or text.lstrip().startswith("<")
    summary = read_html(text, url) if is_html else PageText()
    forms = tuple(summary.forms)

    kind: PageKind
    message = summary.notice
    page = Page(
        method=request.method,
        url=url,
        status=response.status_code,
        reason=response.reason_phrase,
        headers=response.headers,
        kind="other",
        message="",
        location=location,
        forms=forms,
        title=summary.title,
        text=text,
        links=tuple(summary.links),
        scripts=tuple(summary.scripts),
        visible=summary.visible_text(),
    )
    if 300 <= response.status_code < 400 and location is not None:
        kind = "redirect"
        message = _redirect_message(location)
    elif page.login_form is not None:
        kind = "retry" if after_login else "login"
        if kind == "retry" and not message:
            message = "The login page came back: the username or password was not accepted."
        message = message or summary.visible_text()
    elif response.status_code < 400 and page.consent_form is not None:
        kind = "consent"
        message = summary.visible_text()
    elif response.status_code >= 400:
        kind = "error page"
        body = json_object(response)
        if body is not None and isinstance(body.get("error"), str):
            message = str(explain_error(body["error"], text_member(body, "error_description")))
        else:
            message = message or summary.visible_text() or response.reason_phrase
    else:
        kind = "other"
        message = message or summary.visible_text()
    return replace(page, kind=kind, message=message)


def login_submission(
    form: Form,
    username: str,
    password: str,
    *,
    username_field: str | None = None,
    password_field: str | None = None,
) -> tuple[dict[str, str], Field | None]:
    """The values a person types into a login form, and the button they click."""
    password_name = password_field or next(
        item.name for item in form.fields if item.type == "password"
    )
    if username_field is None and not _has_username(form):
        # the password page of a username-first login: the username was sent before
        return {password_name: password}, form.buttons[0] if form.buttons else None
    values = _typed_username(form, username, username_field)
    values[password_name] = password
    return values, form.buttons[0] if form.buttons else None


def username_submission(
    form: Form, username: str, *, username_field: str | None = None
) -> tuple[dict[str, str], Field | None]:
    """The first page of a username-first login: the username, and the button."""
    button = form.buttons[0] if form.buttons else None
    return _typed_username(form, username, username_field), button


def _typed_username(form: Form, username: str, username_field: str | None) -> dict[str, str]:
    """The username where a person types it; WSO2's page also copies it by script,
    on submit, into its empty hidden ``username`` field, which its server reads."""
    if username_field is not None:
        return {username_field: username}
    typed = next((i.name for i in form.fields if i.type in ("text", "email") and i.name), None)
    hidden = [i for i in form.named("username") if i.type == "hidden" and not i.value]
    values = {typed or _username_field(form): username}
    if hidden:
        values["username"] = username
    return values


def _has_username(form: Form) -> bool:
    return bool(form.named("username")) or any(
        item.type in ("text", "email") and item.name for item in form.fields
    )


def _username_field(form: Form) -> str:
    if form.named("username"):
        return "username"
    for item in form.fields:
        if item.type in ("text", "email") and item.name:
            return item.name
    raise BrowserError("The login form has no username field; pass username_field=...")


def _redirect_message(location: str) -> str:
    params = dict(parse_qsl(urlsplit(location).query))
    error = params.get("error")
    if error is None:
        return ""
    return str(explain_error(error, params.get("error_description"), where="authorization"))
