"""Small HTML fragments the panels show: tables of notes, messages, preformatted text.

Every value is escaped: tokens, server messages and URLs are data, not markup.

>>> esc('<script>alert("x")</script>')
'&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from typing import Any, Literal

Kind = Literal["ok", "error", "info", "warning", "aside"]

_STYLES: dict[Kind, tuple[str, str]] = {
    "ok": ("color:#1a6e1a", "OK."),
    "error": ("color:#a40000", "Error."),
    "info": ("color:#444", ""),
    "warning": ("color:#8a4b00", ""),  # said before a click: where it will lead
    "aside": ("color:#555", ""),  # a sentence on the side
}


# An HTML widget's line-height is a whole widget row; tables need less. The margins
# and text-align undo JupyterLab's rules for HTML outputs (tables centred, cells
# right-aligned), so a table looks the same in a widget and in a cell's output.
_TABLE = (
    "border-collapse:collapse;table-layout:fixed;width:100%;"
    "line-height:1.35;font-size:0.92em;margin:0.3em 0"
)
# column widths in percent, by number of columns: the value column gets the most
_WIDTHS = {1: (100,), 2: (25, 75), 3: (22, 43, 35), 4: (20, 37, 28, 15), 5: (15, 30, 20, 20, 15)}
# Words wrap between words; only a string with no space in it (a token, a URL) is
# broken, and only where it would leave its column (break-all cut prose mid-word).
_CELL = (
    "padding:2px 8px;vertical-align:top;border-bottom:1px solid #ddd;"
    "text-align:left;overflow-wrap:anywhere"
)


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
    """Raw HTTP or JSON, as the seed page prints it: lines wrap, a long one anywhere."""
    if not text:
        return ""
    return (
        '<pre style="white-space:pre-wrap;overflow-wrap:anywhere;margin:0;line-height:1.35">'
        f"{esc(text)}</pre>"
    )


def code_name(name: object) -> str:
    """A wire name as code, breakable after each underscore when its column is narrow.

    >>> code_name("code_challenge_method")
    '<code>code_<wbr>challenge_<wbr>method</code>'
    """
    return "<code>" + esc(name).replace("_", "_<wbr>") + "</code>"


def table(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    widths: Sequence[int] | None = None,
) -> str:
    """A plain table; the first column is shown as code (a parameter name, a token).

    ``widths``: each column's share in percent (by default, by number of columns).
    """
    body = "".join(
        "<tr>"
        + "".join(
            f"<td style='{_CELL}'>{code_name(cell) if i == 0 else esc(cell)}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    if not body:
        return ""
    head = "".join(f"<th style='{_CELL}'>{esc(name)}</th>" for name in header)
    # fixed layout, so a long token wraps inside its column instead of widening the table
    shares = widths if widths is not None else _WIDTHS[len(header)]
    if len(shares) != len(header):
        raise ValueError(f"{len(header)} columns, {len(shares)} widths")
    cols = "".join(f"<col style='width:{width}%'>" for width in shares)
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
    return (
        f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer" '
        f'style="color:#0b5cad;text-decoration:underline">{esc(text)}</a>'
    )


def json_block(name: str, value: dict[str, Any]) -> str:
    """A decoded JSON part (a JWT's header or claims, a userinfo answer) under its name."""
    return f"<b>{esc(name)}</b>{pre(json.dumps(value, indent=2))}" if value else ""


def verdict(word: str) -> str:
    """A check's verdict in large type: green for valid, red otherwise; none when empty."""
    if not word:
        return ""
    colour = "#1a6e1a" if word == "valid" else "#a40000"
    return f"<div style='font-size:1.3em;color:{colour}'><b>{word.upper()}</b></div>"
