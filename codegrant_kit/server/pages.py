"""HTML pages of the server (login, consent, errors) and the headers they carry.

Templates are compiled once, with autoescaping. The login and consent pages
differ between requests only by the two random values of their form, so each is
rendered once per context and the values are put in afterwards. Every page is
sent with `Cache-Control: no-store`, `Referrer-Policy: no-referrer` (RFC 9700
4.2.4: codes must not leak through Referer) and a Content-Security-Policy whose
`frame-ancestors` stops clickjacking of the consent page (RFC 9700 4.16).
"""

from __future__ import annotations

from collections.abc import Hashable
from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from .config import ServerConfig
from .scopes import DESCRIPTIONS
from .switches import SWITCHES

ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("codegrant_kit.server", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,  # packaged templates do not change: no stat() of them on every page
)
ENV.globals["scope_descriptions"] = DESCRIPTIONS

# The per-request values of the login and consent forms. Their placeholders hold a
# `<`, which autoescaping turns into `&lt;` in every other value: no client name,
# username or URI can spell one.
FORM_SECRETS = ("session_data_key", "csrf_token")
PLACEHOLDERS = {name: Markup(f"<cgk:{name}>") for name in FORM_SECRETS}  # noqa: S704


def security_headers(config: ServerConfig) -> dict[str, str]:
    ancestors = " ".join(config.frame_ancestors) or "'none'"
    if config.lab("framing"):
        ancestors = "*"  # LAB: any site may frame the pages
    headers = {
        "Cache-Control": "no-store",
        "Pragma": "no-cache",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": (
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
            f"base-uri 'none'; frame-ancestors {ancestors}"
        ),
    }
    if not config.lab("referrer_leak"):
        headers["Referrer-Policy"] = "no-referrer"
    if not config.frame_ancestors and not config.lab("framing"):
        headers["X-Frame-Options"] = "DENY"
    return headers


def render(
    request: Request,
    config: ServerConfig,
    template: str,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    context.update(
        root=request.scope.get("root_path", ""),
        issuer=config.issuer,
        lab=tuple(SWITCHES[name] for name in sorted(config.lab_switches)),
    )
    form = {name: context.pop(name) for name in FORM_SECRETS if name in context}
    if form and not context.get("message"):
        # a sign-in or consent page as most requests see it: rendered once per context
        html = _form_page(template, tuple(sorted(context.items())), tuple(sorted(form)))
        for name, value in form.items():
            html = html.replace(PLACEHOLDERS[name], escape(value))
    else:
        # error and retry pages carry what the user typed: never kept
        html = ENV.get_template(template).render(**context, **form)
    return HTMLResponse(html, status_code=status_code, headers=security_headers(config))


@lru_cache(maxsize=256)
def _form_page(
    template: str, context: tuple[tuple[str, Hashable], ...], form: tuple[str, ...]
) -> str:
    placeholders = {name: PLACEHOLDERS[name] for name in form}
    return ENV.get_template(template).render(**dict(context), **placeholders)


def error_page(
    request: Request,
    config: ServerConfig,
    title: str,
    description: str,
    *,
    note: str = "",
    status_code: int = 400,
) -> HTMLResponse:
    return render(
        request, config, "error.html", status_code, title=title, description=description, note=note
    )
