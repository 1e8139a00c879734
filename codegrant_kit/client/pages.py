"""What a browser is looking at: which kind of page a response is, and which of its
forms and controls a person would use to log in or answer the consent question.

:func:`read_page` sorts an answer into a :data:`PageKind`: a redirect (RFC 6749
Section 4.1.2 sends the code that way), a login page (a form with a password
field), the login page again after a failed attempt, a consent page (a form with a
``consent`` control), an error page, or something else. :func:`login_submission`
and :func:`consent_submission` say what filling in those forms sends; the
:class:`~codegrant_kit.client.browser.Browser` sends it.

>>> page = read_page(httpx.Response(
...     302, headers={"Location": "/cb?error=access_denied"},
...     request=httpx.Request("GET", "https://as.example/authorize"),
... ))
>>> page.kind, page.location
('redirect', 'https://as.example/cb?error=access_denied')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx

from ._http import json_object, text_member
from .errors import BrowserError
from .explain import explain_error
from .forms import Field, Form, PageText, read_html

PageKind = Literal["login", "retry", "consent", "error page", "redirect", "other"]
ConsentChoice = Literal["approve", "approveAlways", "deny"]

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

    @property
    def login_form(self) -> Form | None:
        return next((form for form in self.forms if form.has_password), None)

    @property
    def consent_form(self) -> Form | None:
        return next((form for form in self.forms if form.named("consent")), None)

    def describe(self) -> str:
        """What happened, in one or two plain sentences."""
        status = f"{self.status} {self.reason}".strip()
        if self.kind == "login":
            return f"Login page ({status}): the server asks for a username and password."
        if self.kind == "retry":
            return f"Login failed ({status}): {self.message}"
        if self.kind == "consent":
            return f"Consent page ({status}): {self.message}"
        if self.kind == "error page":
            return f"The server answered {status} with an error page: {self.message}"
        if self.kind == "redirect":
            text = f"{status}: the server sends the browser to {self.location}"
            return text + (f". {self.message}" if self.message else ".")
        return f"{status}: {self.message}"


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
    if 300 <= response.status_code < 400 and location is not None:
        kind = "redirect"
        message = _redirect_message(location)
    elif any(form.has_password for form in forms):
        kind = "retry" if after_login else "login"
        if kind == "retry" and not message:
            message = "The login page came back: the username or password was not accepted."
        message = message or summary.visible_text()
    elif any(form.named("consent") for form in forms):
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
    return Page(
        method=request.method,
        url=url,
        status=response.status_code,
        reason=response.reason_phrase,
        headers=response.headers,
        kind=kind,
        message=message,
        location=location,
        forms=forms,
        title=summary.title,
        text=text,
    )


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
    user_name = username_field or _username_field(form)
    button = form.buttons[0] if form.buttons else None
    return {user_name: username, password_name: password}, button


def consent_submission(form: Form, choice: str) -> tuple[dict[str, str], Field | None]:
    """The values and the button that answer a consent form with ``choice``.

    A submit button whose value is the choice is clicked; radio buttons are checked
    (this changes ``form``); a select, or a single field set by script before
    submitting (WSO2's page), gets the choice as its value.
    """
    controls = form.named("consent")
    buttons = [item for item in controls if item.is_button]
    radios = [item for item in controls if item.type == "radio"]
    offered = [item.value for item in buttons + radios] + [
        option for item in controls for option in item.options
    ]
    if offered and choice not in offered:
        raise BrowserError(f"The consent form offers {offered}, not {choice!r}.")
    button = next((item for item in buttons if item.value == choice), None)
    if button is not None:
        return {}, button
    other_button = next((item for item in form.buttons if item.name != "consent"), None)
    if radios:
        for item in radios:
            item.checked = item.value == choice
        return {}, other_button
    return {"consent": choice}, other_button


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
