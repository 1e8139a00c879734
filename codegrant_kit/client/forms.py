"""HTML forms as a browser reads them: the controls, what a submission sends, the page's text.

The standard library's ``html.parser`` reads the page; :class:`PageText` keeps its
forms (each control with its type, value and label), its title, the notices shown
to the user, and its visible words. A form's ``action`` is resolved against the
page's URL, as a browser does before submitting.

>>> forms = parse_forms('<form method="post"><input name="username">'
...                     '<input type="password" name="password"></form>',
...                     "https://as.example/login")
>>> forms[0].action, forms[0].method, forms[0].has_password
('https://as.example/login', 'POST', True)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urljoin

from .errors import BrowserError

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)
_BUTTON_TYPES = frozenset({"submit", "image", "button", "reset"})
# Tags whose start or end separate words on the rendered page.
_BLOCK = frozenset(
    {"address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "fieldset"}
    | {"footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "label", "li"}
    | {"main", "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul"}
)
# class or id words that mark a notice shown to the user (WSO2: "ui negative message",
# Keycloak: "kc-feedback-text", "alert-error").
# "name.disabled = true" in an onsubmit attribute
_DISABLES = re.compile(r"\b([A-Za-z_][\w-]{0,100})\.disabled\s*=\s*true\b")
_NOTICE = re.compile(r"error|alert|message|notice|feedback|warning|danger|retry", re.IGNORECASE)


@dataclass
class Field:
    """One form control: an input, a button, a select or a textarea.

    ``label`` is what a person reads on or next to it: a button's text or value, a
    checkbox's ``<label>``. ``formaction`` and ``formmethod`` are a submit
    button's own target, resolved like the form's action.
    """

    name: str
    type: str
    value: str
    checked: bool = False
    disabled: bool = False
    label: str = ""
    options: list[str] = field(default_factory=list)
    option_labels: list[str] = field(default_factory=list)  # the options' words
    id: str = ""
    onclick: str = ""
    formaction: str | None = None
    formmethod: str | None = None
    # the checkedness the page was served with, which a form reset restores
    default_checked: bool = False

    @property
    def is_button(self) -> bool:
        return self.type in _BUTTON_TYPES


@dataclass(frozen=True)
class Link:
    """A link on the page: its words and where it goes (resolved against the page)."""

    text: str
    href: str


@dataclass
class Form:
    """A form as a browser sees it: where it goes, how, and its controls."""

    action: str
    method: str
    fields: list[Field] = field(default_factory=list)
    id: str | None = None
    name: str | None = None
    onsubmit: str = ""

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

    def by_id(self, id: str) -> Field | None:
        return next((item for item in self.fields if item.id and item.id == id), None)

    def reset(self) -> None:
        """What a reset button does: checkboxes and radios as the page served them."""
        for item in self.fields:
            if item.type in ("checkbox", "radio"):
                item.checked = item.default_checked

    def target(self, button: Field | None = None) -> tuple[str, str]:
        """The method and URL a submission goes to: the clicked button's
        ``formmethod``/``formaction`` if it has them (HTML), else the form's."""
        method = self.method
        action = self.action
        if button is not None:
            method = button.formmethod or method
            action = button.formaction or action
        # HTML: a method other than get, post or dialog falls back to get.
        return (method if method in ("GET", "POST") else "GET"), action

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
        # The form's onsubmit runs before the list is built: Keycloak's
        # "login.disabled = true" leaves its Sign In button out.
        disabled_now = set(_DISABLES.findall(self.onsubmit))
        pairs: list[tuple[str, str]] = []
        for item in self.fields:
            if not item.name or item.disabled or item.type == "file":
                continue
            if item.name in disabled_now:
                continue
            if item.is_button:
                if item is button and item.type == "image":
                    # HTML: an image button sends where it was clicked, not its value.
                    pairs += [(f"{item.name}.x", "0"), (f"{item.name}.y", "0")]
                elif item is button:
                    pairs.append((item.name, item.value))
                continue
            if item.type in ("checkbox", "radio"):
                if item.checked:
                    pairs.append((item.name, item.value or "on"))
                continue
            # Only the first control of a name takes the given value.
            pairs.append((item.name, values.pop(item.name, item.value)))
        return [(scalar_values(name), scalar_values(value)) for name, value in pairs]


def scalar_values(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD, as a browser does before
    encoding a form (HTML: "convert to a scalar value string")."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def parse_forms(html: str, page_url: str) -> list[Form]:
    """The forms of an HTML page, their actions resolved against the page's URL."""
    return read_html(html, page_url).forms


def read_html(html: str, page_url: str) -> PageText:
    """The page read through :class:`PageText`, its forms' actions resolved."""
    parser = PageText()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError, IndexError) as exc:  # html.parser's own slips
        raise BrowserError(f"The page's HTML could not be read ({exc}).") from exc
    for form in parser.forms:
        # HTML: an empty or missing action submits to the page's own URL.
        form.action = _resolve(page_url, form.action)
        for item in form.fields:
            if item.formaction is not None:
                item.formaction = _resolve(page_url, item.formaction)
    parser.links = [
        Link(link.text, _resolve(page_url, link.href)) for link in parser.links if link.href
    ]
    return parser


def _resolve(page_url: str, url: str) -> str:
    if not url:
        return page_url
    try:
        return urldefrag(urljoin(page_url, url))[0]
    except ValueError:  # e.g. "http://[" : left as written; sending it fails with a BrowserError
        return url


def _control_attributes(attr: dict[str, str]) -> dict[str, Any]:
    formmethod = attr.get("formmethod")
    return {
        "id": attr.get("id", ""),
        "onclick": attr.get("onclick", ""),
        "formaction": attr.get("formaction"),
        "formmethod": formmethod.upper() if formmethod else None,
    }


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
        self.links: list[Link] = []
        self.scripts: list[str] = []
        self._link: tuple[str, list[str]] | None = None
        # (the for= id, its words, the controls inside) of the <label> open now
        self._label: tuple[str, list[str], list[Field]] | None = None
        self._labels: dict[str, str] = {}

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
                name=attr.get("name"),
                onsubmit=attr.get("onsubmit", "")[:2000],
            )
            self.forms.append(self._form)
        elif tag == "input":
            kind = (attr.get("type") or "text").lower()
            checked = "checked" in attr
            self._add(
                Field(
                    name=attr.get("name", ""),
                    type=kind,
                    value=attr.get("value", ""),
                    checked=checked,
                    disabled="disabled" in attr,
                    label=attr.get("value", "").strip() if kind in _BUTTON_TYPES else "",
                    **_control_attributes(attr),
                    default_checked=checked,
                )
            )
        elif tag == "button":
            self._button = Field(
                name=attr.get("name", ""),
                type=(attr.get("type") or "submit").lower(),
                value=attr.get("value", ""),
                disabled="disabled" in attr,
                **_control_attributes(attr),
            )
            self._add(self._button)
        elif tag == "a" and "href" in attr:
            self._link = (attr["href"], [])
        elif tag == "label":
            self._finish_label()
            self._label = (attr.get("for", ""), [], [])
        elif tag == "script":
            self.scripts.append("")
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
        elif tag == "a" and self._link is not None:
            href, words = self._link
            self._link = None
            self.links.append(Link(" ".join("".join(words).split()), href))
        elif tag == "label" and self._label is not None:
            self._finish_label()
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
            self._button.label = " ".join(f"{self._button.label} {data}".split())
            return
        if "title" in self._stack:
            self.title += data.strip()
            return
        if "script" in self._stack:
            if self.scripts:
                self.scripts[-1] += data
            return
        if "style" in self._stack:
            return
        if self._link is not None:
            self._link[1].append(data)
        if self._label is not None:
            self._label[1].append(data)
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
        words = " ".join("".join(text).split())
        option = value if value is not None else words
        select.options.append(option)
        select.option_labels.append(words or option)
        if selected or len(select.options) == 1:
            select.value = option

    def _finish_label(self) -> None:
        if self._label is None:
            return
        for_id, words, inside = self._label
        self._label = None
        text = " ".join("".join(words).split())
        if for_id:
            self._labels[for_id] = text
        for item in inside:
            item.label = item.label or text

    def close(self) -> None:
        super().close()
        self._finish_label()
        # <label for=id> may come before or after its control.
        for form in self.forms:
            for item in form.fields:
                if not item.label and item.id in self._labels:
                    item.label = self._labels[item.id]

    def _add(self, item: Field) -> None:
        if self._label is not None:
            self._label[2].append(item)
        if self._form is not None:
            self._form.fields.append(item)
