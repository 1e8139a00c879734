"""Attack: the authorization request changed in the browser; PAR stops it (RFC 9126).

The authorization request travels in the browser's URL. Whatever runs there (a
malicious extension, malware, a user editing the URL) can change it before the
server sees it: a wider scope, another registered redirect_uri. The server
cannot tell: the request carries no client authentication (RFC 9126 1).

    client          browser (tampered)                     server
      | 302 /authorize?scope=photos:read  ->  ...scope=photos:read+PRODUCTION -> login, consent
      |<--------------------------------- code for photos:read PRODUCTION -----|

With PAR the client pushes the request over the back channel, authenticated; the
browser's URL holds only client_id and request_uri, and a scope added beside them
is ignored (RFC 9126 4). No lab switch: the defence is the client's (and, with
`require_pushed_authorization_requests`, the server's) choice to push.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..client import BrowserError, ClientError, OAuthResponseError
from ._steps import sign_in
from .registry import attack_on
from .result import AttackResult, Lesson, Unsupported
from .scenario import TargetLike, as_target, refused

TAMPERING = Lesson(
    "Front-channel parameters tampered in the browser",
    "RFC 9126 1, 4",
    "The client pushes its request (PAR): the browser carries only a request_uri, and "
    "parameters added beside it are ignored.",
)


def tampered(url: str, scope: str) -> str:
    """The URL with its scope replaced (or added), as an extension in the browser would.

    >>> tampered("https://as/authorize?client_id=c&scope=a", "a b")
    'https://as/authorize?client_id=c&scope=a+b'
    """
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "scope"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("scope", scope)])))


@attack_on(None, defence="pushed authorization requests (RFC 9126), used by the client")
def tamper_front_channel(target: TargetLike, *, par: bool = False) -> AttackResult:
    """The client asks for one scope; the browser widens it. With `par`, the client pushes."""
    t = as_target(target)
    narrow, extra = t.consent_scopes()
    app = t.register(scope=f"{narrow} {extra}")
    wide = f"{narrow} {extra}"
    steps: list[str] = []
    with t.flow(app) as client:
        client.authorize(scope=narrow)
        if par:
            try:
                pushed = client.push_authorization_request()
            except ClientError as exc:  # a server without PAR, or that refused the push
                raise Unsupported(f"The server takes no pushed request: {exc}") from exc
            steps.append(
                f"the client pushes scope {narrow!r} to the PAR endpoint and gets "
                f"{pushed.request_uri}"
            )
        url = client.open_url()
        steps.append(f"the client sends the browser to {url}")
        changed = tampered(url, wide)
        steps.append(f"an extension in the browser rewrites it to scope {wide!r}: {changed}")
        try:
            page = sign_in(client.browser, changed, t.victim)
            if page.kind != "redirect":
                # a server that takes pushed requests only refuses the bare one
                said = page.message or page.describe()
                return TAMPERING.result(
                    False,
                    f"The server refused the tampered request: {said}",
                    steps,
                    {"answer": said},
                    reason=f"The request rewritten to scope {wide!r} got no code ({said}).",
                )
            client.receive_redirect()
            tokens = client.exchange_code()
        except (OAuthResponseError, BrowserError) as exc:
            message = refused(exc) if isinstance(exc, OAuthResponseError) else str(exc)
            return TAMPERING.result(
                False,
                f"The tampered request was refused: {message}",
                steps,
                {"answer": message},
                reason=f"The request rewritten to scope {wide!r} was refused ({message}).",
            )
    granted = (tokens.scope or "").split()
    succeeded = extra in granted
    steps.append(f"{t.victim.username} signs in and approves; the token's scope: {tokens.scope!r}")
    evidence: dict[str, object] = {"asked by the client": narrow, "granted": tokens.scope}
    if succeeded:
        what = (
            f"The server granted {tokens.scope!r}: the scope the browser wrote, not the "
            f"{narrow!r} the client asked for. Nothing told the server the URL was changed."
        )
        reason = f"A scope rewritten in the browser to {wide!r} was granted ({tokens.scope!r})."
    else:
        what = (
            f"The server granted {tokens.scope!r}, the pushed request's scope: the "
            f"{extra!r} added in the browser was ignored."
        )
        reason = (
            f"The pushed request's scope {narrow!r} was granted ({tokens.scope!r}); the "
            f"{extra!r} added beside request_uri was ignored (RFC 9126 4)."
        )
    return TAMPERING.result(succeeded, what, steps, evidence, reason=reason)
