r"""The authorization request: RFC 6749 Section 4.1.1, with ``state`` and PKCE (RFC 7636).

The client sends the user's browser to the authorization endpoint with a query:

>>> request = AuthorizationRequest(
...     authorization_endpoint="https://server.example.com/authorize",
...     client_id="wU62DjlyDBnq87GlBwplfqvmAbAa",
...     redirect_uri="https://client.example.com/cb",
...     scope="PRODUCTION",
... )
>>> print(request.url.replace("&", "\n&"))
https://server.example.com/authorize?response_type=code
&client_id=wU62DjlyDBnq87GlBwplfqvmAbAa
&scope=PRODUCTION
&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb

A request whose scope holds ``openid`` (OpenID Connect Core 3.1.2.1) also carries a
fresh ``nonce``, which comes back inside the ID token and ties it to this request.

Randomness (``state``, the PKCE verifier, the nonce) comes from a ``token_factory`` that takes a
number of bytes and returns URL-safe text; it defaults to ``secrets.token_urlsafe``
and a tutorial can pass a seeded one.
"""

from __future__ import annotations

import base64
import hashlib
import random
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .discovery import asks_openid
from .explain import ParameterNote

TokenFactory = Callable[[int], str]

# RFC 7636 Section 4.1: code-verifier = 43*128unreserved
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
# RFC 6749 Section 10.10: guessing must be at most 2^-128 likely; 32 bytes give 2^-256.
STATE_BYTES = 32
# RFC 7636 Section 4.1: a 32-octet random sequence, base64url-encoded: 43 characters.
VERIFIER_BYTES = 32
# OpenID Connect Core 15.5.2: a nonce with enough entropy to prevent guessing.
NONCE_BYTES = 32


def seeded_token_factory(seed: int | str) -> TokenFactory:
    """A repeatable stand-in for ``secrets.token_urlsafe``, for tutorials and tests only.

    Its values are predictable by anyone who knows the seed: never use it for a
    real client (RFC 6749 Section 10.10 wants unguessable values).

    >>> make = seeded_token_factory(7)
    >>> make(32) == seeded_token_factory(7)(32)
    True
    """
    rng = random.Random(seed)  # noqa: S311 - deliberately predictable, see above

    def token_urlsafe(nbytes: int) -> str:
        raw = bytes(rng.getrandbits(8) for _ in range(nbytes))
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    return token_urlsafe


def new_state(token_factory: TokenFactory = secrets.token_urlsafe) -> str:
    """An unguessable ``state`` value binding the redirect to this browser session."""
    state = token_factory(STATE_BYTES)
    # RFC 6749 Appendix A.5: state = 1*VSCHAR (printable ASCII).
    if not state or not all(0x20 <= ord(char) <= 0x7E for char in state):
        raise ValueError(f"A state must be printable ASCII, got {state!r}.")
    return state


def new_nonce(token_factory: TokenFactory = secrets.token_urlsafe) -> str:
    """An unguessable ``nonce`` for an OpenID Connect request (Core 3.1.2.1, 15.5.2)."""
    return token_factory(NONCE_BYTES)


def s256(code_verifier: str) -> str:
    """BASE64URL-ENCODE(SHA256(ASCII(code_verifier))), RFC 7636 Section 4.2.

    >>> s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
    'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
    """
    digest = hashlib.sha256(code_verifier.encode("ascii")).digest()
    # RFC 7636 Appendix A: base64url without the trailing '=' padding.
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class PkcePair:
    """A PKCE code verifier (kept by the client) and its S256 challenge (sent out)."""

    code_verifier: str
    code_challenge: str
    code_challenge_method: str = "S256"

    @classmethod
    def from_verifier(cls, code_verifier: str) -> PkcePair:
        if not _VERIFIER.fullmatch(code_verifier):
            # RFC 7636 Section 4.1: 43 to 128 characters of [A-Z] [a-z] [0-9] - . _ ~
            raise ValueError(
                "A code_verifier is 43 to 128 characters from A-Z a-z 0-9 - . _ ~ "
                f"(RFC 7636 Section 4.1); got {len(code_verifier)} characters: "
                f"{code_verifier!r}."
            )
        return cls(code_verifier, s256(code_verifier))

    @classmethod
    def generate(cls, token_factory: TokenFactory = secrets.token_urlsafe) -> PkcePair:
        return cls.from_verifier(token_factory(VERIFIER_BYTES))


@dataclass(frozen=True)
class AuthorizationRequest:
    """The query the client puts on the authorization endpoint's URL."""

    authorization_endpoint: str
    client_id: str
    redirect_uri: str | None = None
    scope: str | None = None
    state: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    response_type: str = "code"
    nonce: str | None = None
    # OpenID Connect Core 3.1.2.1: "none", "login", "consent", "select_account"
    prompt: str | None = None
    max_age: int | None = None  # seconds since the user last signed in, at most
    dpop_jkt: str | None = None  # RFC 9449 10: the code is for this DPoP key only
    # RFC 8707 Section 2: the API the token is for (its resource identifier, an absolute URI)
    resource: str | None = None

    @classmethod
    def build(
        cls,
        authorization_endpoint: str,
        client_id: str,
        redirect_uri: str | None,
        *,
        scope: str | None = None,
        state: str | None = None,
        pkce: PkcePair | None = None,
        nonce: str | None = None,
        prompt: str | None = None,
        max_age: int | None = None,
        resource: str | None = None,
        token_factory: TokenFactory = secrets.token_urlsafe,
        dpop_jkt: str | None = None,
    ) -> AuthorizationRequest:
        """A request with a fresh ``state`` unless one is given, and a fresh ``nonce``
        when the scope asks for ``openid``."""
        if nonce is None and asks_openid(scope):
            nonce = new_nonce(token_factory)
        return cls(
            authorization_endpoint=authorization_endpoint,
            client_id=client_id,
            redirect_uri=redirect_uri,
            scope=scope,
            state=state if state is not None else new_state(token_factory),
            code_challenge=pkce.code_challenge if pkce else None,
            code_challenge_method=pkce.code_challenge_method if pkce else None,
            nonce=nonce,
            prompt=prompt,
            max_age=max_age,
            dpop_jkt=dpop_jkt,
            resource=resource,
        )

    @classmethod
    def from_url(cls, url: str) -> AuthorizationRequest:
        """Take an authorize URL apart (for reading someone else's request)."""
        parts = urlsplit(url)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        client_id = params.get("client_id")
        if client_id is None:
            raise ValueError(f"No client_id in {url!r}: RFC 6749 Section 4.1.1 requires it.")
        max_age = params.get("max_age")
        if max_age is not None and not (max_age.isascii() and max_age.isdigit()):
            # OpenID Connect Core 3.1.2.1: max_age is a number of seconds
            raise ValueError(f"max_age must be a number of seconds, not {max_age!r}.")
        return cls(
            authorization_endpoint=urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
            client_id=client_id,
            redirect_uri=params.get("redirect_uri"),
            scope=params.get("scope"),
            state=params.get("state"),
            code_challenge=params.get("code_challenge"),
            code_challenge_method=params.get("code_challenge_method"),
            response_type=params.get("response_type", ""),
            nonce=params.get("nonce"),
            prompt=params.get("prompt"),
            max_age=int(max_age) if max_age is not None else None,
            dpop_jkt=params.get("dpop_jkt"),
            resource=params.get("resource"),
        )

    def params(self) -> list[tuple[str, str]]:
        """The query parameters in the order the seed page shows them."""
        pairs = [("response_type", self.response_type), ("client_id", self.client_id)]
        optional = (
            ("scope", self.scope),
            ("redirect_uri", self.redirect_uri),
            ("state", self.state),
            ("nonce", self.nonce),
            ("code_challenge", self.code_challenge),
            ("code_challenge_method", self.code_challenge_method),
            ("prompt", self.prompt),
            ("max_age", None if self.max_age is None else str(self.max_age)),
            ("dpop_jkt", self.dpop_jkt),
            ("resource", self.resource),
        )
        pairs.extend((name, value) for name, value in optional if value is not None)
        return pairs

    @property
    def url(self) -> str:
        parts = urlsplit(self.authorization_endpoint)
        # RFC 6749 Section 3.1: the endpoint's own query MUST be retained.
        query = parts.query + ("&" if parts.query else "") + urlencode(self.params())
        return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))

    def explain(self) -> list[ParameterNote]:
        """Each parameter, its value, what it is for, and the RFC section."""
        purposes = {
            "response_type": (
                "'code' asks for an authorization code (the code grant)",
                "RFC 6749 Section 4.1.1",
            ),
            "client_id": (
                "which application asks (the consumer key)",
                "RFC 6749 Section 2.2",
            ),
            "scope": (
                "what access is asked for (PRODUCTION on WSO2 API Manager)",
                "RFC 6749 Section 3.3",
            ),
            "redirect_uri": (
                "where the server sends the browser back with the code; must match a "
                "registered callback URL",
                "RFC 6749 Section 3.1.2",
            ),
            "state": (
                "a random value the client checks in the redirect, against CSRF",
                "RFC 6749 Section 10.12",
            ),
            "nonce": (
                "a random value the ID token must carry back: it ties the ID token to "
                "this request, against replay and injection",
                "OpenID Connect Core 3.1.2.1",
            ),
            "prompt": (
                "whether the provider shows its pages: none (never: answer at once or "
                "fail), login (sign in again), consent (ask again)",
                "OpenID Connect Core 3.1.2.1",
            ),
            "max_age": (
                "the longest time since the user signed in that the client accepts; the ID "
                "token's auth_time says when it was",
                "OpenID Connect Core 3.1.2.1",
            ),
            "resource": (
                "the API the access token is for: the server makes it that API's token "
                "alone (its audience), so another API refuses it",
                "RFC 8707 Section 2",
            ),
            "code_challenge": (
                "SHA-256 of the secret code_verifier; proves later that the same "
                "client redeems the code",
                "RFC 7636 Section 4.3",
            ),
            "code_challenge_method": (
                "how the challenge was made from the verifier (S256)",
                "RFC 7636 Section 4.3",
            ),
            "dpop_jkt": (
                "the thumbprint of the client's DPoP key: only a proof of that key redeems "
                "the code",
                "RFC 9449 Section 10",
            ),
        }
        return [ParameterNote(name, value, *purposes[name]) for name, value in self.params()]
