"""Attack 8: consent: "Approve Always" stretched to a wider scope, and clickjacking.

- Approve Always remembers the scopes the user approved, and only those: a
  later request for more must ask again (RFC 6749 3.3, 10.2; RFC 9700 2.3, the
  privileges of a token restricted to what the resource owner authorized).
  WSO2 Identity Server once skipped consent for any scope after one "Approve
  Always". Lab switch: `consent_any_scope`.
- Clickjacking (RFC 9700 4.16): an attacker's page shows the consent page in an
  invisible frame and gets the user to click "Approve". Browsers refuse to frame
  a page that says `Content-Security-Policy: frame-ancestors 'none'` or
  `X-Frame-Options: DENY`; `may_frame` writes out how they decide. Lab switch:
  `framing`.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from ..client import BrowserError, OAuthResponseError
from ..server.switches import SWITCHES
from ._steps import consent_offers, signed_in, whose
from .registry import attack_on
from .result import AttackResult, Lesson, Unsupported
from .scenario import TargetLike, as_target, refused

ATTACKER_ORIGIN = "https://attacker.example"


@attack_on("consent_any_scope")
def consent_upgrade(target: TargetLike) -> AttackResult:
    """The victim approves one scope always; later the client asks for more."""
    t = as_target(target)
    narrow, extra = t.consent_scopes()
    app = t.register(scope=f"{narrow} {extra}")
    steps: list[str] = []
    with t.flow(app) as first:
        request = first.authorize(scope=narrow)
        first.browser.open(request.url)
        page = signed_in(first.login(t.victim.username, t.victim.password), t.victim)
        if page.kind != "consent":
            raise Unsupported(
                f"The server asked no consent for scope {narrow!r} ({page.describe()}): it "
                "grants this client without asking, so there is no approval whose reach "
                "could be tested."
            )
        # without Approve Always, a server may still remember what was approved once
        choice = "approveAlways" if consent_offers(page, "approveAlways") else "approve"
        first.consent(choice)
    clicked = "Approve Always" if choice == "approveAlways" else "approve (no Approve Always)"
    steps.append(f"{t.victim.username} signs in and clicks {clicked} for scope {narrow!r}")
    with t.flow(app) as later:
        request = later.authorize(scope=f"{narrow} {extra}")
        later.browser.open(request.url)
        page = signed_in(later.login(t.victim.username, t.victim.password), t.victim)
        steps.append(
            f"later the client (or a link the attacker sends) asks for {narrow!r} and "
            f"{extra!r}; {t.victim.username} signs in"
        )
        if page.kind == "consent":
            steps.append(f"the server asks again, listing {extra!r}: she can say no")
            return APPROVE_ALWAYS.result(
                False,
                f"The server asked for consent again, because {extra!r} was never approved.",
                steps,
                {"after sign-in": "the consent page, asking again"},
                reason=f"After {clicked} for {narrow!r}, a request for {narrow!r} and "
                f"{extra!r} got the consent page again ({page.url.split('?')[0]}).",
            )
        try:
            later.receive_redirect()
            tokens = later.exchange_code()
        except (OAuthResponseError, BrowserError) as exc:
            message = refused(exc) if isinstance(exc, OAuthResponseError) else str(exc)
            raise Unsupported(f"The second request ended otherwise: {message}") from exc
    owner = whose(t, app, tokens)
    steps.append(
        f"no consent page: straight back with a code; the token's scope is {tokens.scope!r}"
    )
    widened = extra in (tokens.scope or "").split()
    what = (
        f"The server skipped consent and granted {tokens.scope!r} on {owner}'s account, "
        f"though she only ever approved {narrow!r}."
        if widened
        else f"The server skipped the consent page but left {extra!r} out: the token's "
        f"scope is {tokens.scope!r}, what she approved."
    )
    return APPROVE_ALWAYS.result(
        widened,
        what,
        steps,
        {"after sign-in": "a redirect with a code, no consent page", "scope": tokens.scope},
        reason=f"After {clicked} for {narrow!r}, a request for {narrow!r} and {extra!r} "
        f"came straight back with a code, no consent page; the token's scope is "
        f"{tokens.scope!r}" + ("." if widened else f", without {extra!r}."),
    )


APPROVE_ALWAYS = Lesson(
    "Approve Always stretched",
    SWITCHES["consent_any_scope"].source,
    "Approve Always covers the approved scopes only; more scope, a new consent.",
)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _source_matches(source: str, framer: str, page: str) -> bool:
    """One CSP source expression against the framing page's origin (CSP 3, 6.7.2)."""
    source = source.lower()
    scheme = urlsplit(framer).scheme
    if source == "*":
        return scheme in ("http", "https")
    if source == "'self'":
        return framer == page
    if source.endswith(":") and "/" not in source:
        return scheme == source[:-1]
    expected = source if "://" in source else f"{scheme}://{source}"
    parts, want = urlsplit(framer), urlsplit(expected)
    if want.scheme != parts.scheme:
        return False
    host, pattern = parts.hostname or "", want.hostname or ""
    host_ok = host.endswith(pattern[1:]) if pattern.startswith("*.") else host == pattern
    return host_ok and (want.port is None or want.port == parts.port)


def may_frame(headers: Mapping[str, str], page_url: str, framer: str) -> tuple[bool, str]:
    """Would a browser show `page_url` inside a frame on `framer`'s page? And why.

    >>> may_frame({"X-Frame-Options": "DENY"}, "https://as.example/a", "https://evil.example")
    (False, 'X-Frame-Options: DENY')
    >>> may_frame({}, "https://as.example/a", "https://evil.example")[0]
    True
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    page, framer_origin = _origin(page_url), _origin(framer)
    for policy in lowered.get("content-security-policy", "").split(","):
        for directive in policy.split(";"):
            words = directive.split()
            if not words or words[0].lower() != "frame-ancestors":
                continue
            sources = words[1:]
            # CSP: frame-ancestors, when present, decides; X-Frame-Options is ignored
            allowed = any(_source_matches(s, framer_origin, page) for s in sources)
            return allowed, f"Content-Security-Policy: frame-ancestors {' '.join(sources)}"
    xfo = lowered.get("x-frame-options", "").strip().lower()
    if xfo == "deny":
        return False, "X-Frame-Options: DENY"
    if xfo == "sameorigin":
        return framer_origin == page, "X-Frame-Options: SAMEORIGIN"
    return True, "neither frame-ancestors nor X-Frame-Options"


@attack_on("framing")
def clickjack(target: TargetLike, *, framer: str = ATTACKER_ORIGIN) -> AttackResult:
    """Can the attacker's page frame the consent page (or the login page before it)?"""
    t = as_target(target)
    app = t.register()
    with t.flow(app) as client:
        request = client.authorize()
        login = client.browser.open(request.url)
        page = signed_in(client.login(t.victim.username, t.victim.password), t.victim)
    shown = [login, page] if page.kind == "consent" else [login]
    verdicts = [(p, *may_frame(p.headers, p.url, framer)) for p in shown]
    framed = [p for p, allowed, _ in verdicts if allowed]
    allowed = bool(framed)
    target_page = framed[0] if framed else shown[-1]
    why = next(w for p, _, w in verdicts if p is target_page)
    seen = "; ".join(
        f"the {p.kind} page {p.url.split('?')[0]} sent {w}, so a browser "
        + ("shows it in a frame" if ok else "refuses to frame it")
        for p, ok, w in verdicts
    )
    steps = [
        f"{t.attacker.username}'s page at {framer} loads the {target_page.kind} page in an "
        "invisible frame, with a 'Claim your prize' button over Approve",
        f"the page answers with {why}; the browser "
        + ("shows it in the frame" if allowed else "refuses to show it in the frame"),
    ]
    what = (
        f"The {target_page.kind} page can be framed by {framer}: one click on the decoy approves."
        if allowed
        else f"The browser will not frame the {target_page.kind} page for {framer}: nothing "
        "to click."
    )
    return AttackResult(
        "Clickjacking",
        allowed,
        what,
        SWITCHES["framing"].source,
        "Content-Security-Policy: frame-ancestors 'none' (or the allowed origins) and "
        "X-Frame-Options: DENY on the login and consent pages.",
        tuple(steps),
        {
            "Content-Security-Policy": target_page.headers.get("content-security-policy", "(none)"),
            "X-Frame-Options": target_page.headers.get("x-frame-options", "(none)"),
        },
        f"Framed by {framer}: {seen}.",
    )
