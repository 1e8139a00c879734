"""The user-agent's part of the flow: login and consent pages, done over plain HTTP.

In RFC 6749 Section 4.1 steps (A) to (C) happen in the resource owner's browser: it
opens the authorization endpoint, the server authenticates the user and asks for
consent, and answers with a redirect back to the client. :class:`Browser` plays
that part with an ``httpx.Client`` that keeps cookies and never follows a redirect
on its own: it reads the HTML with the standard library's ``html.parser``, fills in
the forms a person would fill in, sends the hidden inputs back unchanged, and stops
at the redirect to the client so that the ``302 Found`` and its ``Location`` can be
looked at.

>>> forms = parse_forms('<form method="post"><input name="username">'
...                     '<input type="password" name="password"></form>',
...                     "https://as.example/login")
>>> forms[0].action, forms[0].method, forms[0].has_password
('https://as.example/login', 'POST', True)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from types import TracebackType
from typing import Literal
from urllib.parse import parse_qsl, urldefrag, urlencode, urljoin, urlsplit, urlunsplit

import httpx

from ._http import Verify, json_object, new_client
from .errors import BrowserError
from .explain import explain_error

PageKind = Literal["login", "retry", "consent", "error page", "redirect", "other"]
ConsentChoice = Literal["approve", "approveAlways", "deny"]

CONSENT_LABELS: dict[str, str] = {
    "approve": "Approve Once",
    "approveAlways": "Approve Always",
    "deny": "Deny",
}

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)
_BUTTON_TYPES = frozenset({"submit", "image", "button", "reset"})
# class or id words that mark a notice shown to the user (WSO2: "ui negative message",
# Keycloak: "kc-feedback-text", "alert-error").
# Tags whose start or end separate words on the rendered page.
_BLOCK = frozenset(
    {"address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "fieldset"}
    | {"footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "label", "li"}
    | {"main", "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul"}
)
_NOTICE = re.compile(r"error|alert|message|notice|feedback|warning|danger|retry", re.IGNORECASE)


@dataclass
class Field:
    """One form control: an input, a button, a select or a textarea."""

    name: str
    type: str
    value: str
    checked: bool = False
    disabled: bool = False
    label: str = ""
    options: list[str] = field(default_factory=list)

    @property
    def is_button(self) -> bool:
        return self.type in _BUTTON_TYPES


@dataclass
class Form:
    """A form as a browser sees it: where it goes, how, and its controls."""

    action: str
    method: str
    fields: list[Field] = field(default_factory=list)
    id: str | None = None

    def named(self, name: str) -> list[Field]:
        return [item for item in self.fields if item.name == name]

    @property
    def has_password(self) -> bool:
        return any(item.type == "password" for item in self.fields)

    @property
    def buttons(self) -> list[Field]:
        """The controls that submit the form when clicked."""
        return [item for item in self.fields if item.type in ("submit", "image")]

    @property
    def hidden(self) -> dict[str, str]:
        return {item.name: item.value for item in self.fields if item.type == "hidden"}

    def entries(
        self, values: Mapping[str, str] | None = None, button: Field | None = None
    ) -> list[tuple[str, str]]:
        """The name/value pairs a browser sends (HTML's "constructing the entry list").

        ``values`` fills text, password and hidden controls by name; ``button`` is the
        submit button clicked, the only button whose name and value are sent.
        """
        values = dict(values or {})
        unknown = [name for name in values if not self.named(name)]
        if unknown:
            raise BrowserError(f"The form has no field named {', '.join(map(repr, unknown))}.")
        pairs: list[tuple[str, str]] = []
        for item in self.fields:
            if not item.name or item.disabled or item.type == "file":
                continue
            if item.is_button:
                if item is button:
                    pairs.append((item.name, item.value))
                continue
            if item.type in ("checkbox", "radio"):
                if item.checked:
                    pairs.append((item.name, item.value or "on"))
                continue
            # Only the first control of a name takes the given value.
            pairs.append((item.name, values.pop(item.name, item.value)))
        return pairs


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


class Browser:
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
        """Fill in the login form of the current page and submit it."""
        page = self._current()
        form = page.login_form
        if form is None:
            raise BrowserError(
                f"There is no login form on the current page ({page.kind}): {page.describe()}"
            )
        password_name = password_field or next(
            item.name for item in form.fields if item.type == "password"
        )
        user_name = username_field or _username_field(form)
        button = form.buttons[0] if form.buttons else None
        entries = {user_name: username, password_name: password}
        return self._submit(form, entries, button, True)

    def consent(self, choice: ConsentChoice | str = "approve") -> Page:
        """Answer the consent page: ``approve`` (Approve Once), ``approveAlways`` or ``deny``."""
        page = self._current()
        form = page.consent_form
        if form is None:
            raise BrowserError(
                f"There is no consent form on the current page ({page.kind}): {page.describe()}"
            )
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
            return self._submit(form, {}, button, False)
        other_button = next((item for item in form.buttons if item.name != "consent"), None)
        if radios:
            for item in radios:
                item.checked = item.value == choice
            return self._submit(form, {}, other_button, False)
        # A select, or a single field set by script before submitting (WSO2's page).
        return self._submit(form, {"consent": choice}, other_button, False)

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

    def __enter__(self) -> Browser:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _current(self) -> Page:
        if self.page is None:
            raise BrowserError("No page is open yet: call open(url) first.")
        return self.page

    def _submit(
        self, form: Form, values: Mapping[str, str], button: Field | None, after_login: bool
    ) -> Page:
        entries = form.entries(values, button)
        if form.method == "GET":
            parts = urlsplit(form.action)
            url = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(entries), ""))
            return self._go("GET", url, [], after_login=after_login)
        return self._go("POST", form.action, entries, after_login=after_login)

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
                and not _same_endpoint(page.location, self.stop_at)
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
        except httpx.HTTPError as exc:
            raise BrowserError(f"Could not reach {url}: {exc}") from exc
        return read_page(response, after_login=after_login)


def read_page(response: httpx.Response, *, after_login: bool = False) -> Page:
    """Classify a response as the page a person would see."""
    request = response.request
    url = str(request.url)
    location = response.headers.get("location")
    if location is not None:
        location = urljoin(url, location)
    text = response.text
    content_type = response.headers.get("content-type", "")
    forms: tuple[Form, ...] = ()
    summary = PageText()
    if "html" in content_type or text.lstrip().startswith("<"):
        summary.feed(text)
        summary.close()
        forms = tuple(_resolve(summary.forms, url))

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
            description = body.get("error_description")
            message = str(
                explain_error(body["error"], description if isinstance(description, str) else None)
            )
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


def parse_forms(html: str, page_url: str) -> list[Form]:
    """The forms of an HTML page, their actions resolved against the page's URL."""
    parser = PageText()
    parser.feed(html)
    parser.close()
    return _resolve(parser.forms, page_url)


class PageText(HTMLParser):
    """Reads forms, the title, notices, and the visible text of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.title = ""
        self.notices: list[str] = []
        self._text: list[str] = []
        self._main: list[str] = []
        self._form: Form | None = None
        self._stack: list[str] = []
        # (tag, depth in the stack, text so far) of each notice open now
        self._notice: list[tuple[str, int, list[str]]] = []
        self._button: Field | None = None
        self._select: Field | None = None
        self._option: tuple[Field, str | None, bool, list[str]] | None = None
        self._textarea: Field | None = None

    @property
    def notice(self) -> str:
        return " ".join(text for text in self.notices if text)

    def visible_text(self, limit: int = 300) -> str:
        """The page's words, from its ``<main>`` if it has one, shortened to ``limit``."""
        text = " ".join("".join(self._main or self._text).split())
        return text[:limit] + ("…" if len(text) > limit else "")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag in _BLOCK:
            self._break()
        if tag == "form":
            self._form = Form(
                action=attr.get("action", ""),
                method=(attr.get("method") or "get").upper(),
                id=attr.get("id"),
            )
            self.forms.append(self._form)
        elif tag == "input":
            self._add(
                Field(
                    name=attr.get("name", ""),
                    type=(attr.get("type") or "text").lower(),
                    value=attr.get("value", ""),
                    checked="checked" in attr,
                    disabled="disabled" in attr,
                    label=attr.get("value", ""),
                )
            )
        elif tag == "button":
            self._button = Field(
                name=attr.get("name", ""),
                type=(attr.get("type") or "submit").lower(),
                value=attr.get("value", ""),
                disabled="disabled" in attr,
            )
            self._add(self._button)
        elif tag == "select":
            self._select = Field(attr.get("name", ""), "select", "", disabled="disabled" in attr)
            self._add(self._select)
        elif tag == "option" and self._select is not None:
            self._finish_option()
            self._option = (self._select, attr.get("value"), "selected" in attr, [])
        elif tag == "textarea":
            disabled = "disabled" in attr
            self._textarea = Field(attr.get("name", ""), "textarea", "", disabled=disabled)
            self._add(self._textarea)
        if tag in _VOID:
            return
        self._stack.append(tag)
        words = f"{attr.get('class', '')} {attr.get('id', '')}"
        if attr.get("role") == "alert" or (_NOTICE.search(words) and tag not in ("form", "input")):
            self._notice.append((tag, len(self._stack), []))

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK:
            self._break()
        if tag == "form":
            self._form = None
        elif tag == "button":
            self._button = None
        elif tag == "select":
            self._finish_option()
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "option":
            self._finish_option()
        if tag not in self._stack:
            return
        while self._stack:
            top = self._stack.pop()
            if self._notice and self._notice[-1][1] > len(self._stack):
                _, _, parts = self._notice.pop()
                text = " ".join("".join(parts).split())
                if text and not any(text in seen for seen in self.notices):
                    # An outer notice replaces the inner ones it contains.
                    self.notices = [seen for seen in self.notices if seen not in text]
                    self.notices.append(text)
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option[3].append(data)
            return
        if self._textarea is not None:
            self._textarea.value += data
            return
        if self._button is not None:
            self._button.label += data.strip()
            return
        if "title" in self._stack:
            self.title += data.strip()
            return
        if "script" in self._stack or "style" in self._stack:
            return
        self._append(data)

    def _append(self, data: str) -> None:
        for _, _, parts in self._notice:
            parts.append(data)
        self._text.append(data)
        if "main" in self._stack:
            self._main.append(data)

    def _break(self) -> None:
        self._append(" ")

    def _finish_option(self) -> None:
        if self._option is None:
            return
        select, value, selected, text = self._option
        self._option = None
        # HTML: an option without a value attribute submits its text.
        option = value if value is not None else " ".join("".join(text).split())
        select.options.append(option)
        if selected or len(select.options) == 1:
            select.value = option

    def _add(self, item: Field) -> None:
        if self._form is not None:
            self._form.fields.append(item)


def _resolve(forms: list[Form], page_url: str) -> list[Form]:
    for form in forms:
        # HTML: an empty or missing action submits to the page's own URL.
        form.action = urldefrag(urljoin(page_url, form.action))[0] if form.action else page_url
    return forms


def _username_field(form: Form) -> str:
    if form.named("username"):
        return "username"
    for item in form.fields:
        if item.type in ("text", "email") and item.name:
            return item.name
    raise BrowserError("The login form has no username field; pass username_field=...")


def _same_endpoint(url: str, target: str) -> bool:
    a, b = urlsplit(url), urlsplit(target)
    return (a.scheme.lower(), a.netloc.lower(), a.path) == (
        b.scheme.lower(),
        b.netloc.lower(),
        b.path,
    )


def _redirect_message(location: str) -> str:
    params = dict(parse_qsl(urlsplit(location).query))
    error = params.get("error")
    if error is None:
        return ""
    return str(explain_error(error, params.get("error_description"), where="authorization"))
