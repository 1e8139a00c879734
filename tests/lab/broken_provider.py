"""The kit's server with one OpenID Connect defect, for checklist items whose truth is "fail".

`BrokenProvider("aud")` is the real server on a real socket, whose answers one
ASGI middleware changes in one known way; everything else is the server's own:

    nonce         the ID token is re-signed without its nonce
    alg_none      the ID token is re-written with alg "none" and no signature
    aud           the ID token is re-signed for another audience
    at_hash       the ID token is re-signed with the at_hash of another token
    iss           the ID token is re-signed with another iss
    userinfo_sub  userinfo answers another sub
    prompt_none   the authorization endpoint never sees prompt (so it shows the login page)

Re-signed means signed with the server's own current key (its kid is at jwks_uri),
so only the named claim is wrong.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from codegrant_kit.lab.scenario import API_PATH, ATTACKER, VICTIM, LabClock, Target
from codegrant_kit.runner import BackgroundServer, build
from codegrant_kit.server import ServerConfig

DEFECTS = ("nonce", "alg_none", "aud", "at_hash", "iss", "userinfo_sub", "prompt_none")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Defect:
    """Pure ASGI middleware: one change to /token's id_token, /userinfo or /authorize."""

    def __init__(self, app: ASGIApp, *, defect: str, state: Any) -> None:
        self.app, self.defect, self.state = app, defect, state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if path == "/authorize" and self.defect == "prompt_none":
            query = parse_qsl(scope["query_string"].decode(), keep_blank_values=True)
            kept = urlencode([(k, v) for k, v in query if k != "prompt"]).encode()
            await self.app({**scope, "query_string": kept}, receive, send)
            return
        if path not in ("/token", "/userinfo"):
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def keep(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            else:
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, keep)
        body = b"".join(chunks)
        if start.get("status") == 200:
            body = self.change(path, json.loads(body))
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def change(self, path: str, answer: dict[str, Any]) -> bytes:
        if path == "/userinfo" and self.defect == "userinfo_sub":
            answer["sub"] = "someone-else"
        elif path == "/token" and "id_token" in answer:
            answer["id_token"] = self.id_token(answer["id_token"])
        return json.dumps(answer).encode()

    def id_token(self, token: str) -> str:
        _, body, _ = token.split(".")
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        if self.defect == "alg_none":
            header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
            return f"{header}.{body}."
        if self.defect == "nonce":
            claims.pop("nonce", None)
        elif self.defect == "aud":
            claims["aud"] = "another-client"
        elif self.defect == "at_hash":
            claims["at_hash"] = "AAAAAAAAAAAAAAAAAAAAAA"
        elif self.defect == "iss":
            claims["iss"] = "https://op.example.com"
        else:
            return token
        signed: str = self.state.signing_keys.sign(claims, typ="JWT")
        return signed


class BrokenProvider(BackgroundServer):
    """The kit's server, running, with one defect (see the module docstring)."""

    def __init__(self, defect: str) -> None:
        if defect not in DEFECTS:
            raise ValueError(f"No defect {defect!r}; the defects are {', '.join(DEFECTS)}.")
        config = ServerConfig(clock=LabClock())
        sock, app = build(
            host="127.0.0.1",
            port=0,
            users={VICTIM.username: VICTIM.password, ATTACKER.username: ATTACKER.password},
            config=config,
            password_hash="fast",
        )
        app.add_middleware(Defect, defect=defect, state=app.state)
        super().__init__(sock, app)
        self.start()
        self.target = Target(self.url, api_url=self.url + API_PATH, weak_client_id=None)

    def __enter__(self) -> BrokenProvider:
        return self
