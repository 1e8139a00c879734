"""The DPoP proof (RFC 9449), step by step: a key pair, its thumbprint, the claims, the JWS.

A client that uses DPoP makes one key pair (here per flow) and keeps the private
half. Every request to the token endpoint or the API carries a ``DPoP`` header: a
JWT signed with that key, naming the request it is for. The server binds the
tokens to the key's thumbprint, so a stolen token is useless without the key.

>>> key = DpopKey.generate()
>>> sorted(key.public_jwk)                      # 1. the public key, as a JWK (RFC 7517)
['crv', 'kty', 'x', 'y']
>>> len(key.thumbprint)                         # 2. its RFC 7638 thumbprint: the jkt
43
>>> steps = key.proof_steps("GET", "https://as.example/api/photos?x=1", access_token="tok")
>>> steps.claims["htu"]                         # 3. the claims: htu without the query
'https://as.example/api/photos'
>>> steps.ath                                   # 4. ath: base64url(sha256(access token))
'GnZ0607njffhrEOak8P6jjyUV4TU3sn9jjARc4svHWI'
>>> steps.header_value.count(".")               # 5. header.claims.signature
2
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from ._http import json_object
from .exchange import request_body
from .explain import ParameterNote
from .jwt import decode_jwt

ALGORITHM = "ES256"  # RFC 9449 5.1: what the kit's server and most others accept
# the order of P-256's base point (SEC 2, 2.4.2): a private key is 1 .. order - 1
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def jwk_thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638 3: SHA-256 of the required members, in sorted order, without whitespace."""
    names = ("crv", "kty", "x", "y") if jwk["kty"] == "EC" else ("e", "kty", "n")
    return b64url(hashlib.sha256(_json({name: jwk[name] for name in names})).digest())


def access_token_hash(access_token: str) -> str:
    """RFC 9449 4.2 ath: base64url(sha256(ASCII of the access token))."""
    return b64url(hashlib.sha256(access_token.encode("ascii")).digest())


def htu_of(url: str) -> str:
    """RFC 9449 4.2: the URI of the request "without query and fragment parts"."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


@dataclass(frozen=True)
class DpopProofSteps:
    """Each value that goes into one proof, for a learner to read before it is sent."""

    header: dict[str, Any]  # typ dpop+jwt, alg, and the public jwk
    claims: dict[str, Any]  # jti, htm, htu, iat[, ath][, nonce]
    signing_input: str  # base64url(header) "." base64url(claims)
    signature: str  # base64url of the ES256 signature R || S
    thumbprint: str  # the jkt the server binds tokens to
    ath: str | None = None

    @property
    def header_value(self) -> str:
        """What goes on the wire: ``DPoP: <this>``."""
        return f"{self.signing_input}.{self.signature}"

    def explain(self) -> list[ParameterNote]:
        """One row per value: what it is, and where RFC 9449 (or 7638) asks for it."""
        claims, jwk = self.claims, self.header["jwk"]
        rows = [
            ("typ", "dpop+jwt", "the JWT is a DPoP proof", "RFC 9449 4.2"),
            ("alg", str(self.header["alg"]), "an asymmetric signature", "RFC 9449 4.2"),
            ("jwk", json.dumps(jwk), "the public key (never the private)", "RFC 9449 4.2"),
            ("jkt", self.thumbprint, "the jwk's thumbprint: cnf.jkt", "RFC 7638 3"),
            ("jti", str(claims["jti"]), "unique: a replay is refused", "RFC 9449 11.1"),
            ("htm", str(claims["htm"]), "this request's method", "RFC 9449 4.2"),
            ("htu", str(claims["htu"]), "its URI, no query or fragment", "RFC 9449 4.2"),
            ("iat", str(claims["iat"]), "made now: a stale one is refused", "RFC 9449 4.2"),
        ]
        if self.ath is not None:
            rows.append(("ath", self.ath, "base64url(sha256(access token))", "RFC 9449 4.2"))
        if "nonce" in claims:
            rows.append(("nonce", str(claims["nonce"]), "the server's DPoP-Nonce", "RFC 9449 8"))
        notes = [ParameterNote(*row) for row in rows]
        return notes


@dataclass
class DpopKey:
    """One DPoP key pair (P-256, ES256) and the nonce each server last sent.

    `proof(method, url, access_token=...)` is the value of the next ``DPoP`` header;
    `proof_steps` the same with every intermediate value. `remember_nonce` keeps
    a server's ``DPoP-Nonce`` (RFC 9449 8) for the next proof to that server.

    `token_factory` makes the private key and each jti: `secrets` by default; a
    tutorial's seeded factory makes them repeat (the ES256 signature never does).
    """

    private_key: ec.EllipticCurvePrivateKey
    clock: Callable[[], float] = time.time
    nonces: dict[str, str] = field(default_factory=dict)  # origin -> its last DPoP-Nonce
    token_factory: Callable[[int], str] = secrets.token_urlsafe

    @classmethod
    def generate(
        cls,
        clock: Callable[[], float] = time.time,
        token_factory: Callable[[int], str] = secrets.token_urlsafe,
    ) -> DpopKey:
        """A new P-256 key; its private scalar is 32 bytes of `token_factory`."""
        raw = base64.urlsafe_b64decode(_padded(token_factory(32)))
        scalar = int.from_bytes(raw, "big") % (P256_ORDER - 1) + 1
        return cls(ec.derive_private_key(scalar, ec.SECP256R1()), clock, {}, token_factory)

    @property
    def public_jwk(self) -> dict[str, str]:
        numbers = self.private_key.public_key().public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url(numbers.x.to_bytes(32, "big")),
            "y": b64url(numbers.y.to_bytes(32, "big")),
        }

    @property
    def thumbprint(self) -> str:
        """The jkt: what ``dpop_jkt`` sends (RFC 9449 10) and ``cnf.jkt`` holds."""
        return jwk_thumbprint(self.public_jwk)

    def private_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def remember_nonce(self, url: str, nonce: str | None) -> None:
        if nonce:
            self.nonces[_origin(url)] = nonce

    def proof_steps(
        self, method: str, url: str, *, access_token: str | None = None, nonce: str | None = None
    ) -> DpopProofSteps:
        """The proof for `method` `url`; with `access_token` its ath (at a resource)."""
        header = {"typ": "dpop+jwt", "alg": ALGORITHM, "jwk": self.public_jwk}
        claims: dict[str, Any] = {
            "jti": self.token_factory(16),
            "htm": method,
            "htu": htu_of(url),
            "iat": int(self.clock()),
        }
        ath = None
        if access_token is not None:
            ath = access_token_hash(access_token)
            claims["ath"] = ath
        nonce = nonce or self.nonces.get(_origin(url))
        if nonce is not None:
            claims["nonce"] = nonce
        signing_input = f"{b64url(_json(header))}.{b64url(_json(claims))}"
        der = self.private_key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        # RFC 7518 3.4: the JWS signature is R and S, 32 bytes each, not DER
        signature = b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
        return DpopProofSteps(header, claims, signing_input, signature, self.thumbprint, ath)

    def proof(
        self, method: str, url: str, *, access_token: str | None = None, nonce: str | None = None
    ) -> str:
        return self.proof_steps(method, url, access_token=access_token, nonce=nonce).header_value


def _padded(text: str) -> str:
    return text + "=" * (-len(text) % 4)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


@dataclass(frozen=True)
class DecodedProof:
    """A DPoP header taken apart, for the transcript: raw beside decoded."""

    header: dict[str, Any]
    claims: dict[str, Any]
    thumbprint: str | None


def decode_proof(value: str) -> DecodedProof:
    """The header and claims of a ``DPoP`` header value; JwtFormatError if it is not a JWT."""
    decoded = decode_jwt(value)
    jwk = decoded.header.get("jwk")
    try:
        jkt = jwk_thumbprint(jwk) if isinstance(jwk, dict) else None
    except (KeyError, TypeError):
        jkt = None
    return DecodedProof(decoded.header, decoded.claims, jkt)


# -- on the wire ----------------------------------------------------------------


def with_proof(
    request: httpx.Request, key: DpopKey, *, access_token: str | None = None
) -> httpx.Request:
    """A copy of `request` with a fresh ``DPoP`` header; with `access_token`, also
    ``Authorization: DPoP <token>`` and the proof's ath (RFC 9449 7.1)."""
    headers = httpx.Headers(request.headers)
    if access_token is not None:
        headers["Authorization"] = f"DPoP {access_token}"
    headers["DPoP"] = key.proof(request.method, str(request.url), access_token=access_token)
    return httpx.Request(
        request.method, request.url, headers=headers, content=request_body(request)
    )


def asks_for_nonce(response: httpx.Response) -> bool:
    """Is this the server's use_dpop_nonce challenge (RFC 9449 8 at the token endpoint:
    400 and a JSON error; 9 at a resource: 401 and WWW-Authenticate: DPoP)?"""
    if "dpop-nonce" not in response.headers:
        return False
    if response.status_code == 401:
        return 'error="use_dpop_nonce"' in response.headers.get("www-authenticate", "")
    if response.status_code == 400:
        body = json_object(response)
        return body is not None and body.get("error") == "use_dpop_nonce"
    return False


def send_with_proof(
    request: httpx.Request,
    key: DpopKey,
    send: Callable[[httpx.Request], httpx.Response],
    *,
    access_token: str | None = None,
) -> httpx.Response:
    """Send `request` with a proof; on use_dpop_nonce, once more with the server's nonce.

    Every ``DPoP-Nonce`` the server sends is kept for the next proof to it (RFC 9449 8.2).
    """
    response = send(with_proof(request, key, access_token=access_token))
    key.remember_nonce(str(request.url), response.headers.get("dpop-nonce"))
    if asks_for_nonce(response):
        # RFC 9449 8: "the client ... retries the request with a new DPoP proof" with the nonce
        response = send(with_proof(request, key, access_token=access_token))
        key.remember_nonce(str(request.url), response.headers.get("dpop-nonce"))
    return response
