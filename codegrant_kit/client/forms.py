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


def parse_forms(html: str, page_url: str) -> list[Form]:
    """The forms of an HTML page, their actions resolved against the page's URL."""
    return read_html(html, page_url).forms


def read_html(html: str, page_url: str) -> PageText:
    """The page read through :class:`PageText`, its forms' actions resolved."""
    parser = PageText()
    parser.feed(html)
    parser.close()
    for form in parser.forms:
        # HTML: an empty or missing action submits to the page's own URL.
        form.action = urldefrag(urljoin(page_url, form.action))[0] if form.action else page_url
    return parser


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
