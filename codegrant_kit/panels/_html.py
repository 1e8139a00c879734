"""Small HTML fragments the panels show: tables of notes, messages, preformatted text.

Every value is escaped: tokens, server messages and URLs are data, not markup.

>>> esc('<script>alert("x")</script>')
'&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Literal

Kind = Literal["ok", "error", "info"]

_STYLES: dict[Kind, tuple[str, str]] = {
    "ok": ("color:#1a6e1a", "OK."),
    "error": ("color:#a40000", "Error."),
    "info": ("color:#444", ""),
}


# an HTML widget's line-height is a whole widget row; tables need less
_TABLE = (
    "border-collapse:collapse;table-layout:fixed;width:100%;"
    "line-height:1.35;font-size:0.92em;margin:0.3em 0"
)
# column widths in percent, by number of columns: the value column gets the most
_WIDTHS = {1: (100,), 2: (25, 75), 3: (20, 45, 35), 4: (17, 38, 28, 17), 5: (15, 30, 20, 20, 15)}
_CELL = "padding:2px 8px;vertical-align:top;border-bottom:1px solid #ddd"


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def message(kind: Kind, text: str) -> str:
    """A coloured paragraph; empty text gives an empty string (nothing shown)."""
    if not text:
        return ""
    style, label = _STYLES[kind]
    head = f"<b>{label}</b> " if label else ""
    return (
        f'<div class="cgk-{kind}" style="{style};white-space:pre-wrap;line-height:1.35">'
        f"{head}{esc(text)}</div>"
    )


def pre(text: str) -> str:
    """Raw HTTP or JSON, as the seed page prints it."""
    if not text:
        return ""
    return (
        '<pre style="white-space:pre-wrap;word-break:break-all;margin:0;line-height:1.35">'
        f"{esc(text)}</pre>"
    )


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A plain table; the first column is shown as code (a parameter name)."""
    body = "".join(
        "<tr>"
        + "".join(
            f"<td style='{_CELL}'><code>{esc(cell)}</code></td>"
            if i == 0
            else f"<td style='{_CELL};word-break:break-all'>{esc(cell)}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    if not body:
        return ""
    head = "".join(f"<th style='{_CELL};text-align:left'>{esc(name)}</th>" for name in header)
    # fixed layout, so a long token wraps inside its column instead of widening the table
    cols = "".join(f"<col style='width:{width}%'>" for width in _WIDTHS[len(header)])
    return (
        f"<table style='{_TABLE}'><colgroup>{cols}</colgroup>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def notes_table(notes: Iterable[Sequence[object]]) -> str:
    """Rows of the client layer's ParameterNote: parameter, value, purpose, section."""
    return table(("parameter", "value", "what it is for", "where the rule is"), notes)


def link(url: str, text: str) -> str:
    """A link that opens in a new browser tab."""
    if not url:
        return ""
    return f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer">{esc(text)}</a>'
