"""HTML pages of the server (login, consent, errors) and the headers they carry.

Templates are compiled once, with autoescaping. Every page is sent with
`Cache-Control: no-store`, `Referrer-Policy: no-referrer` (RFC 9700 4.2.4: codes
must not leak through Referer) and a Content-Security-Policy whose
`frame-ancestors` stops clickjacking of the consent page (RFC 9700 4.16).
"""

from __future__ import annotations

from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from . import page_cache
from .config import ServerConfig
from .scopes import DESCRIPTIONS
from .switches import SWITCHES

ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("codegrant_kit.server", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,  # packaged templates do not change
)
ENV.globals["scope_descriptions"] = DESCRIPTIONS


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
        profile=config.profile_rules(),
    )
    # the same as ENV.get_template(template).render(**context), from page_cache
    html = page_cache.render(ENV, template, context)
    return HTMLResponse(html, status_code=status_code, headers=security_headers(config))


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
