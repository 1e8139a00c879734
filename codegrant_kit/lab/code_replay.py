"""Attack 1: a stolen authorization code redeemed a second time (RFC 6749 4.1.2).

RFC 6749 4.1.2: "If an authorization code is used more than once, the
authorization server MUST deny the request and SHOULD revoke (when possible)
all tokens previously issued based on that authorization code." RFC 9700 4.2.4
repeats it for codes that leaked. Lab switch: `code_replay`.
"""

from __future__ import annotations

from ..client import json_object
from ..server.switches import SWITCHES
from ._steps import code_from, sign_in, token_state
from .registry import attack_on
from .result import AttackResult, Lesson
from .scenario import TargetLike, as_target

REPLAY = Lesson(
    "Code replay",
    SWITCHES["code_replay"].source,
    "A code works once; a second redemption is refused, and the tokens the code first "
    "gave are revoked, so the theft shows.",
)


@attack_on("code_replay")
def replay_code(target: TargetLike) -> AttackResult:
    """The victim's client redeems its code; the attacker replays the same token request."""
    t = as_target(target)
    steps: list[str] = []
    app = t.register()
    with t.flow(app) as client:
        request = client.authorize()
        code_from(sign_in(client.browser, request.url, t.victim), request.url)
        response = client.receive_redirect()
        stolen = client.token_request()  # what a logging proxy on the way saw
        first = client.exchange_code()
        steps.append(
            f"{t.victim.username} signs in; the client redeems code {response.code} and gets "
            f"access token {first.access_token}"
        )
    steps.append("the attacker replays the token request copied from a proxy's log")
    with t.http() as attacker:
        replay = attacker.send(stolen)
    body = json_object(replay) or {}
    succeeded = replay.status_code == 200 and "access_token" in body
    victim_token = token_state(t, app, first.access_token)
    steps.append(f"the victim's first access token is now {victim_token}")
    evidence: dict[str, object] = {
        "replay answered": f"{replay.status_code} {body.get('error', '')}".strip(),
        "victim's first token": victim_token,
    }
    if succeeded:
        evidence["attacker's access token"] = body["access_token"]
        what = (
            "The stolen code was redeemed a second time: the attacker holds an access token "
            f"of its own, and the victim's token is still {victim_token}. Nothing shows "
            "that the code was stolen."
        )
        reason = (
            f"The replayed token request for code {response.code} got an access token of its "
            f"own ({replay.status_code}), and the victim's first token is {victim_token}."
        )
    else:
        description = body.get("error_description", "")
        what = (
            f"The replay was refused with {body.get('error', replay.status_code)}. "
            f"{description} The victim's first token is {victim_token}: the theft shows."
        )
        answered = f"{replay.status_code} {body.get('error', '')}".strip()
        said = f" ({str(description).rstrip('.')})" if description else ""
        if victim_token == "inactive":
            revoked = "the victim's first access token is now inactive: the theft shows"
        elif victim_token == "active":
            revoked = "the victim's first access token is still active: the replay revoked nothing"
        else:
            revoked = (
                f"whether it revoked the victim's first access token cannot be told ({victim_token}"
                ": no introspection endpoint, and no API URL given)"
            )
        reason = f"The replay of code {response.code} was answered {answered}{said}; {revoked}."
    return REPLAY.result(succeeded, what, steps, evidence, reason=reason)
