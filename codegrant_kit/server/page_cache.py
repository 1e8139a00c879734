"""The login and consent pages, rendered once per context: a speed measure, not a lesson.

`pages.render` is the plain way: a template rendered with its values. The sign-in
and consent pages differ between most requests only by the two random values of
their form, so here each is rendered once per context, with placeholders, and the
values are put in afterwards. What it saves: benchmarks/README.md.

The placeholders hold a `<`, which autoescaping turns into `&lt;` in every other
value: no client name, username or URI can spell one. Pages that carry what the
user typed (a `message` to retry) are never kept.
"""

from __future__ import annotations

from collections.abc import Hashable
from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup, escape

FORM_SECRETS = ("session_data_key", "csrf_token")
PLACEHOLDERS = {name: Markup(f"<cgk:{name}>") for name in FORM_SECRETS}  # noqa: S704


def render(env: jinja2.Environment, template: str, context: dict[str, Any]) -> str:
    """`env.get_template(template).render(**context)`, the same text, from a cache."""
    form = {name: context[name] for name in FORM_SECRETS if name in context}
    rest = tuple(sorted((k, v) for k, v in context.items() if k not in form))
    if not form or context.get("message") or not _hashable(rest):
        return env.get_template(template).render(**context)
    html = _form_page(env, template, rest, tuple(sorted(form)))
    for name, value in form.items():
        html = html.replace(PLACEHOLDERS[name], escape(value))
    return html


def _hashable(key: tuple[tuple[str, Any], ...]) -> bool:
    try:
        hash(key)
    except TypeError:
        return False
    return True


@lru_cache(maxsize=256)
def _form_page(
    env: jinja2.Environment,
    template: str,
    context: tuple[tuple[str, Hashable], ...],
    form: tuple[str, ...],
) -> str:
    placeholders = {name: PLACEHOLDERS[name] for name in form}
    return env.get_template(template).render(**dict(context), **placeholders)
