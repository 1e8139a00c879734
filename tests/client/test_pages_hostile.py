"""Hostile HTML into the page reader: whatever a server sends, reading the page, listing
its answers and building what a click sends raise nothing but the kit's BrowserError
(a ClientError) with a sentence a learner can act on."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from codegrant_kit.client import BrowserError, ClientError, read_page
from codegrant_kit.client.choices import choices_of, pick
from codegrant_kit.client.forms import read_html
from codegrant_kit.client.pages import login_submission

URL = "https://as.example/authorize?client_id=c"
TAGS = ["form", "input", "button", "select", "option", "label", "a", "script", "textarea"]
TAGS += ["main", "title", "div", "p", "style", "br"]
ATTRIBUTES = ["name", "type", "value", "id", "for", "href", "action", "method", "onclick"]
ATTRIBUTES += ["onsubmit", "formaction", "formmethod", "checked", "disabled", "class"]
# every code point, lone surrogates included
ANY_TEXT = st.text(st.characters(blacklist_categories=()), max_size=40)
SURROGATES = st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1)
WORDS = st.sampled_from(
    [
        *("consent", "approve", "Allow", "deny", "submit", "hidden", "radio", "checkbox"),
        *("scope", "password", "text", "button", "reset", "image", "post", "get", "http://["),
        *("//x", "approved(); return false;", "{{{{", "login.disabled = true"),
        "function approved(){document.getElementById('consent')",
        ".value = 'approveAlways'; document.f.submit();}",
    ]
)
VALUES = st.one_of(WORDS, ANY_TEXT, SURROGATES)


@st.composite
def tags(draw: st.DrawFn) -> str:
    tag = draw(st.sampled_from(TAGS))
    count = draw(st.integers(0, 400)) if draw(st.booleans()) else draw(st.integers(0, 4))
    names = draw(st.lists(st.sampled_from(ATTRIBUTES), min_size=count, max_size=count))
    attributes = "".join(f' {name}="{draw(VALUES)}"' for name in names)
    body = draw(VALUES)
    close = f"</{tag}>" if draw(st.booleans()) else ""
    return f"<{tag}{attributes}>{body}{close}"


PAGES = st.lists(st.one_of(tags(), VALUES), max_size=30).map("".join)


def sendable(entries: list[tuple[str, str]]) -> None:
    # what the browser does with them next: a lone surrogate would fail here
    urlencode(entries).encode("ascii")


def exercise(text: str) -> None:
    summary = read_html(text, URL)
    for form in summary.forms:
        sendable(form.entries())
        for choice in choices_of(form, summary.scripts, summary.links):
            sendable(choice.request()[2])
            choice.describe()
        if form.has_password:
            login_submission(form, "alice", "wonderland")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PAGES)
@example("<form method=post><input type=hidden name=h value='\ud800'><button>Allow</button>")
def test_hostile_text_gives_a_page_or_a_browser_error(text: str) -> None:
    try:
        exercise(text)
    except BrowserError as exc:
        assert str(exc)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(PAGES.map(lambda text: text.encode("utf-8", "surrogatepass")), st.binary()))
def test_hostile_bytes_are_read_as_a_browser_decodes_them(content: bytes) -> None:
    response = httpx.Response(
        200,
        content=content,
        headers={"Content-Type": "text/html; charset=utf-8"},
        request=httpx.Request("GET", URL),
    )
    try:
        page = read_page(response, after_login=True)
        page.describe()
        choices = page.consent_choices
        for choice in choices:
            choice.request()
        if choices:
            pick(choices, "approve")
    except ClientError as exc:
        assert str(exc)
