"""A compliance checklist of RFC 9700 items, each checked live by running its attack.

    >>> report = run_checklist(server.url, username="alice", password="...")  # doctest: +SKIP
    >>> report.failed
    ()

Works against any RFC 8414 issuer: the checklist registers its own clients when
the server has a registration_endpoint (RFC 7591), or uses the keys it is given.
Every probe asks for a scope (the one given, else those of scopes_supported) and
uses PKCE, except the downgrade probe, whose point is a request without it.
An item passes when its attack fails, fails when the attack gets through, and is
skipped only when the answer cannot be known, saying why. Each reason is told from
what that run saw: the server's answers, the headers of each page, the guess that
signed in. After RFC 9700's items come OpenID Connect's (`oidc_checks`): the ID
token and userinfo of one sign-in each, and prompt=none; a provider that does not
do OpenID Connect gets them skipped, saying so.

It changes the server it runs against: it registers clients, signs the user in
many times, gives one Approve Always, and makes about 30 failed sign-ins and
client authentications (the last check, on a made-up username and its own
client), so run it against a lab or test server, not production.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from html import escape
from typing import Literal

import httpx

from ..client import Application, ClientError, TokenFactory, Verify
from ..runner import BackgroundServer
from ..server.switches import SWITCHES
from .attacks import BY_SWITCH
from .code_injection import intercept_code
from .code_replay import replay_code
from .front_channel import tamper_front_channel
from .guessing import guess_client_secret, guess_password
from .oidc_checks import OIDC_ITEMS
from .registry import known_switch
from .result import Unsupported
from .scenario import CALLBACK, Account, LabServer, Target, as_target

Status = Literal["pass", "fail", "skip"]
Outcome = tuple[Status, str]
Run = Callable[[Target], Outcome]

PASSWORD_PROBES = 12  # wrong passwords for a made-up user: more than a lockout of 10 allows
SECRET_PROBES = 21  # wrong secrets for the checklist's own client: more than 20


@dataclass(frozen=True)
class Check:
    key: str
    title: str
    section: str
    switch: str | None  # the lab switch that turns this defence off in our server
    run: Run


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    title: str
    section: str
    switch: str | None
    status: Status
    reason: str


@dataclass(frozen=True)
class ChecklistReport:
    issuer: str
    items: tuple[ChecklistItem, ...]
    # the profile the server says it runs (its metadata's codegrant_kit_profile), if any
    profile: str | None = None

    def _keys(self, status: Status) -> tuple[str, ...]:
        return tuple(item.key for item in self.items if item.status == status)

    @property
    def passed(self) -> tuple[str, ...]:
        return self._keys("pass")

    @property
    def failed(self) -> tuple[str, ...]:
        return self._keys("fail")

    @property
    def skipped(self) -> tuple[str, ...]:
        return self._keys("skip")

    @property
    def summary(self) -> str:
        return f"{len(self.passed)} passed, {len(self.failed)} failed, {len(self.skipped)} skipped"

    def __str__(self) -> str:
        on = f" (profile {self.profile})" if self.profile else ""
        lines = [f"RFC 9700 checklist for {self.issuer}{on}: {self.summary}"]
        lines += [
            f"  {item.status.upper():4}  {item.title} ({item.section}): {item.reason}"
            for item in self.items
        ]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        on = f" (profile {escape(self.profile)})" if self.profile else ""
        return f"<p><b>{escape(self.issuer)}</b>{on}: {escape(self.summary)}</p>" + report_table(
            self.items
        )


MARKS: dict[Status, tuple[str, str]] = {
    "pass": ("✔ pass", "#1b7f3b"),
    "fail": ("✘ fail", "#b00020"),
    "skip": ("- skip", "#666"),
}


def report_table(items: Iterable[ChecklistItem]) -> str:
    """The results as an HTML table: status, item, section, reason."""
    # left-aligned and at the left margin: JupyterLab centres an output's tables and
    # right-aligns their cells
    cell = "padding:2px 8px;vertical-align:top;border-bottom:1px solid #ddd;text-align:left"
    rows = "".join(
        f"<tr><td style='{cell};color:{MARKS[i.status][1]};white-space:nowrap'>"
        f"<b>{MARKS[i.status][0]}</b></td><td style='{cell}'>{escape(i.title)}</td>"
        f"<td style='{cell};white-space:nowrap'>{escape(i.section)}</td>"
        f"<td style='{cell}'>{escape(i.reason)}</td></tr>"
        for i in items
    )
    if not rows:
        return ""
    head = "".join(
        f"<th style='{cell};text-align:left'>{name}</th>" for name in ("", "item", "where", "why")
    )
    return (
        "<table style='border-collapse:collapse;line-height:1.35;font-size:0.92em;margin:0.3em 0'>"
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )


def _attacks(switch: str) -> Run:
    """The check of a switch: it passes when each attack the switch lets through fails."""

    def check(target: Target) -> Outcome:
        headlines = []
        for attack in BY_SWITCH[switch]:
            result = attack(target)
            if result.succeeded:
                return "fail", result.reason or result.headline
            headlines.append(result.reason or result.headline)
        return "pass", " ".join(headlines)

    return check


# Checks that are more than the attacks of their switch, by switch.
_OWN_RUNS: dict[str, Run] = {}


def check_for(switch: str) -> Callable[[Run], Run]:
    """Make this the check of `switch`'s checklist item, instead of running its attacks."""

    def register(run: Run) -> Run:
        _OWN_RUNS[known_switch(switch)] = run
        return run

    return register


def _pkce_enforced(target: Target) -> Outcome:
    result = intercept_code(target, pkce=True)
    methods = target.endpoints().code_challenge_methods_supported
    advertised = (
        f"the metadata lists code_challenge_methods_supported: {', '.join(methods)}"
        if methods
        else "the metadata lists no code_challenge_methods_supported"
    )
    if result.succeeded:
        return "fail", f"{result.reason} And {advertised}."
    if "S256" not in methods:
        # RFC 9700 2.1.1: publishing code_challenge_methods_supported is RECOMMENDED
        return "pass", f"{result.reason} But {advertised} with S256, so clients cannot tell."
    return "pass", f"{result.reason} And {advertised}."


@check_for("code_replay")
def _single_use(target: Target) -> Outcome:
    result = replay_code(target)
    if result.succeeded:
        return "fail", result.reason
    if result.evidence.get("victim's first token") == "active":
        # RFC 6749 4.1.2: the server "SHOULD revoke (when possible) all tokens previously
        # issued based on that authorization code"; the item claims it
        return "fail", f"{result.reason} The code works once, but its theft does not show."
    return "pass", result.reason


@check_for("no_throttle")
def _guessing(target: Target) -> Outcome:
    probe = f"cgk-probe-{target.token_factory(6)}"
    wrong = [f"wrong-{n}-{target.token_factory(6)}" for n in range(PASSWORD_PROBES)]
    login = guess_password(target, username=probe, wordlist=wrong)
    found = login.evidence.get("password found")
    if found is not None:
        guesses = int(str(login.evidence["guesses"]))
        which = "the first wrong password" if guesses == 1 else f"wrong password {guesses}"
        landed = str(login.evidence.get("last answer")).partition(":")[0]
        return "fail", (
            f"The made-up user {probe!r} signed in with {which} tried ({found!r}): this "
            "server's login accepts any password, so a guesser needs no luck, and a lockout "
            f"would not help. It led to: {landed}."
        )
    login_locked = bool(login.evidence.get("locked out"))
    login_note = (
        f"sign-in locked after {int(str(login.evidence['guesses'])) - 1} wrong passwords for "
        f"{probe!r} ({login.evidence['server said']})"
        if login_locked
        else f"no lockout after {PASSWORD_PROBES} wrong passwords for {probe!r} (the last "
        f"got: {login.evidence.get('last answer')})"
    )
    endpoints = target.endpoints()
    if endpoints.registration_endpoint is None:
        status: Status = "pass" if login_locked else "fail"
        return status, f"{login_note}; client secrets not tried (given keys are left alone)."
    own = target.register("Checklist secret probe", redirect_uris=[target.redirect_uri])
    secrets_tried = [f"wrong-{n}-{target.token_factory(6)}" for n in range(SECRET_PROBES)]
    client = guess_client_secret(target, client_id=own.client_id, wordlist=secrets_tried)
    if client.succeeded:
        return "fail", f"{login_note}; {client.reason}"
    client_locked = bool(client.evidence.get("locked out"))
    client_note = (
        f"client authentication locked after {int(str(client.evidence['guesses'])) - 1} "
        f"wrong secrets ({client.evidence['server said']})"
        if client_locked
        else f"no lockout after {SECRET_PROBES} wrong client secrets (the last got: "
        f"{client.evidence.get('last answer')})"
    )
    return ("pass" if login_locked and client_locked else "fail"), f"{login_note}; {client_note}."


def _pushed_requests(target: Target) -> Outcome:
    metadata = target.endpoints().metadata
    if not metadata.get("pushed_authorization_request_endpoint"):
        return "fail", (
            "The server lists no pushed_authorization_request_endpoint: every authorization "
            "request travels whole in the browser's URL, where an extension can rewrite its "
            "scope or redirect_uri (RFC 9126 1)."
        )
    result = tamper_front_channel(target, par=True)
    required = metadata.get("require_pushed_authorization_requests") is True
    also = (
        " The server takes pushed requests only (require_pushed_authorization_requests)."
        if required
        else " It still takes requests that were not pushed: only a client that pushes is safe."
    )
    return ("fail" if result.succeeded else "pass"), result.reason + also


# One item per lab switch, as the switch declares it, then those no switch turns off.
CHECKS: tuple[Check, ...] = (
    *(
        Check(s.check, s.check_title, s.source, s.name, _OWN_RUNS.get(s.name) or _attacks(s.name))
        for s in SWITCHES.values()
    ),
    Check(
        "pkce_enforced",
        "PKCE is supported and the code_verifier checked",
        "RFC 9700 2.1.1, 4.5.3.1",
        None,
        _pkce_enforced,
    ),
    Check(
        "pushed_requests",
        "A pushed request cannot be changed in the browser (PAR)",
        "RFC 9126 1, 4",
        None,
        _pushed_requests,
    ),
    # OpenID Connect: what any provider's ID tokens and userinfo must get right
    *(Check(key, title, section, None, run) for key, title, section, run in OIDC_ITEMS),
)


def run_check(check: Check, target: Target) -> ChecklistItem:
    """Run one check; a server that lacks what it needs gets a skip, with the reason."""
    try:
        status, reason = check.run(target)
    except Unsupported as exc:
        status, reason = "skip", str(exc)
    except (ClientError, httpx.HTTPError) as exc:
        status, reason = "skip", f"could not run: {exc}"
    return ChecklistItem(check.key, check.title, check.section, check.switch, status, reason)


def run_checklist(
    server: str | LabServer | BackgroundServer | Target,
    *,
    username: str | None = None,
    password: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    redirect_uri: str | None = None,
    api_url: str | None = None,
    scope: str | None = None,
    scopes: tuple[str, ...] = (),
    verify: Verify | None = None,
    token_factory: TokenFactory | None = None,
    only: Iterable[str] | None = None,
) -> ChecklistReport:
    """Run every check (or those named in `only`) live against `server`.

    Without `client_id` the checks register their own clients; without
    `api_url` the check of tokens in URLs is skipped (a LabServer gives its own).
    Every probe asks for `scope`, or else one of the server's scopes_supported;
    `scopes` are the two the consent check uses.
    """
    base = as_target(server)
    account = base.victim if username is None else Account(username, password or "")
    redirect_uri = redirect_uri or base.redirect_uri or CALLBACK
    application = base.application
    if client_id:
        application = Application.manual(client_id, client_secret or None, redirect_uri)
    # one account plays victim and attacker
    target = replace(
        base,
        victim=account,
        attacker=account,
        application=application,
        redirect_uri=redirect_uri,
        api_url=api_url if api_url is not None else base.api_url,
        scope=scope or base.scope,
        scopes=scopes or base.scopes,
        verify=base.verify if verify is None else verify,
        token_factory=token_factory or base.token_factory,
        weak_client_id=None,
        _endpoints=None,
    )
    target.endpoints()  # fails here, with DiscoveryError, if there is no server
    keys = [check.key for check in CHECKS]
    wanted = set(keys if only is None else only)
    unknown = sorted(wanted - set(keys))
    if unknown:
        raise KeyError(f"No check {unknown[0]!r}; the checks are {', '.join(keys)}.")
    items = tuple(run_check(check, target) for check in CHECKS if check.key in wanted)
    profile = target.endpoints().metadata.get("codegrant_kit_profile")
    name = profile.get("name") if isinstance(profile, dict) else None
    return ChecklistReport(target.issuer, items, name if isinstance(name, str) else None)
