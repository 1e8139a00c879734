"""Attack 9: a stolen access token replayed from another machine (RFC 9449 1, RFC 9700 4.10).

An access token leaks: from a log, a proxy, a compromised API, malware on a
laptop. A bearer token works for whoever holds it, so the thief calls the API
from their own machine. DPoP (RFC 9449) binds the token to a key the honest
client never sends: the API wants, with every call, a fresh proof signed by that
key, over this very request and this very token (its ath). The thief has the
token but not the key: a call without a proof, or with a proof of their own key,
is refused. Lab switch: `no_dpop` (the server ignores DPoP and issues bearer tokens).

    >>> from codegrant_kit.lab import LabServer, stolen_token_replay
    >>> with LabServer() as lab:                      # doctest: +SKIP
    ...     print(stolen_token_replay(lab).verdict)
    attack FAILED: the defence held
"""

from __future__ import annotations

import httpx

from ..client import DpopKey, json_object, new_client
from ..client.dpop import with_proof
from ..server.switches import SWITCHES
from ._steps import sign_in
from .registry import attack_on
from .result import AttackResult, Lesson, Unsupported
from .scenario import TargetLike, as_target

LESSON = Lesson(
    "Stolen access token replayed from another machine",
    SWITCHES["no_dpop"].source,
    "DPoP: the token is bound to the client's key (cnf.jkt), and every call needs a "
    "fresh proof signed by it (RFC 9449 7).",
)


def _answer(response: httpx.Response) -> str:
    if response.is_success:
        body = json_object(response) or {}
        return f"{response.status_code}: the answer for {body.get('user', body.get('sub', '?'))}"
    challenge = response.headers.get("www-authenticate", "")
    return f"{response.status_code} {challenge[:120]}".strip()


@attack_on("no_dpop")
def stolen_token_replay(target: TargetLike) -> AttackResult:
    """The victim's client uses DPoP if the server lets it; the thief replays the token
    from another machine, first as a bearer token (no key), then with a key of their own.

    Succeeds when either replay gets the victim's photos: the token was a bearer token.
    """
    t = as_target(target)
    if t.api_url is None:
        raise Unsupported("No API URL to replay the token at.")
    app = t.register()
    with t.flow(app, dpop=True) as client:
        request = client.authorize()
        sign_in(client.browser, request.url, t.victim)
        client.receive_redirect()
        tokens = client.exchange_code()
        honest = client.call_api()
    steps = [
        f"{t.victim.username}'s client signs its token request with a DPoP key of its own "
        "(the private half never leaves it)",
        f"the server answers token_type {tokens.token_type!r}: "
        + ("bound to that key" if tokens.dpop_bound else "a plain bearer token"),
        f"the client calls the API ({honest.status_code}); the access token leaks "
        "(a log, a proxy, malware)",
    ]
    thief_key = DpopKey.generate(t.clock, t.token_factory)  # another machine, another key
    with new_client(t.verify) as thief:
        as_bearer = thief.get(t.api_url, headers={"Authorization": f"Bearer {tokens.access_token}"})
        own_key = thief.send(
            with_proof(httpx.Request("GET", t.api_url), thief_key, access_token=tokens.access_token)
        )
    steps += [
        f"{t.attacker.username} sends it from her machine as a bearer token: {_answer(as_bearer)}",
        f"then as a DPoP token with a proof of her own key: {_answer(own_key)}",
    ]
    succeeded = as_bearer.is_success or own_key.is_success
    evidence: dict[str, object] = {
        "token_type": tokens.token_type,
        "client's key (jkt)": client.dpop_key.thumbprint if client.dpop_key else "-",
        "thief's key (jkt)": thief_key.thumbprint,
        "replay as Bearer": as_bearer.status_code,
        "replay with the thief's key": own_key.status_code,
    }
    if succeeded:
        what = (
            "The thief got the victim's photos with the stolen token alone: the server "
            "issued a bearer token, which works for whoever holds it."
        )
    else:
        what = (
            "Both replays were refused: the token is bound to the client's DPoP key, and "
            "the thief can sign a proof only with a key of her own, whose thumbprint is "
            "not the token's cnf.jkt."
        )
    return LESSON.result(succeeded, what, steps, evidence)
