"""private_key_jwt: the client proves who it is with a JWT signed by its private key (RFC 7523).

    POST /token
      client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer
      client_assertion=<JWT: header {alg, kid, typ}; claims {iss, sub, aud, jti, exp, iat}>

No secret crosses the wire: the server checks the signature with the public keys
the client registered (`jwks`, or fetched from its `jwks_uri`, RFC 7591 2), then
the claims (RFC 7523 3), each check below with its section.

The audience rule is the one of the RFC 7523 update (draft-ietf-oauth-rfc7523bis-11
Section 4): `aud` is this server's issuer identifier, as one JSON string, and nothing
else. RFC 7523 3 also let the token endpoint URL serve, and servers accepted any of
their endpoint URLs. The 2025 audience-injection research (the reason for the update,
its Section 7) showed what that allows: a malicious authorization server that the
client also uses publishes, as its own token or PAR endpoint, the URL of an honest
server's endpoint. The client signs an assertion with that URL as aud, sends it to
the malicious server, which replays it at the honest server as the client. An
issuer identifier is unique per server (RFC 8414 2), so an assertion made for one
server can name no other.
"""

from __future__ import annotations

import hashlib
import heapq
import ipaddress
import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa

from ..client.errors import JwtFormatError
from ..client.jws import ALGORITHMS, b64url_decode, pick_keys, public_key, signature_ok
from .config import ServerConfig
from .errors import InvalidClient, InvalidClientMetadata
from .records import Client

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# the algorithms listed in token_endpoint_auth_signing_alg_values_supported (RFC 8414 2)
SIGNING_ALGS = ("RS256", "PS256", "ES256")
# draft-ietf-oauth-rfc7523bis-11 Section 4: the JWT type of a client assertion
ASSERTION_TYP = "client-authentication+jwt"
MAX_ASSERTION_CHARS = 16_384  # an RS512 assertion with an 8192-bit key fits
MAX_LIFETIME = 600  # seconds an assertion is taken after its iat (or, without iat, before its exp)
CLOCK_SKEW = 30  # seconds a client's clock may run ahead or behind
MAX_JWKS_BYTES = 64 * 1024  # a JWK Set of a few keys is 1-3 KiB
MAX_JWKS_KEYS = 10
MIN_RSA_BITS, MAX_RSA_BITS = 2048, 8192
JWKS_TIMEOUT = 2.0  # seconds for the whole fetch of a jwks_uri
JWKS_CACHE_SECONDS = 60


def check_jwks(value: object) -> str:
    """A client's registered `jwks` (RFC 7591 2), checked and as compact JSON text."""
    if not isinstance(value, dict) or not isinstance(value.get("keys"), list):
        raise InvalidClientMetadata('jwks must be a JWK Set: {"keys": [...]} (RFC 7517 5).')
    keys = value["keys"]
    text = json.dumps({"keys": keys}, separators=(",", ":"))
    # before any key is read: a huge modulus costs CPU to parse
    if len(text) > MAX_JWKS_BYTES:
        raise InvalidClientMetadata(f"jwks may be {MAX_JWKS_BYTES} bytes at most.")
    if not keys or len(keys) > MAX_JWKS_KEYS:
        raise InvalidClientMetadata(f"jwks must hold 1 to {MAX_JWKS_KEYS} keys.")
    for key in keys:
        if not isinstance(key, dict):
            raise InvalidClientMetadata("Each key in jwks must be a JSON object (RFC 7517 4).")
        # RFC 7517 4, RFC 7518 6.2.2: a registered key is public; a private member is a leak
        if {"d", "p", "q", "dp", "dq", "qi", "k"} & key.keys():
            raise InvalidClientMetadata(
                "jwks holds a private key member (d, p, q, k...): register the public key "
                "only, and keep the private key in the client."
            )
        try:
            usable = public_key(key)
        except JwtFormatError as exc:
            raise InvalidClientMetadata(f"A key in jwks cannot be used: {exc}") from None
        # RFC 7518 3.3: 2048 bits at least; past 8192 (or a huge e) each verification
        # costs the server seconds of CPU that one client would choose
        if isinstance(usable, rsa.RSAPublicKey) and not (
            MIN_RSA_BITS <= usable.key_size <= MAX_RSA_BITS and usable.public_numbers().e < 2**32
        ):
            raise InvalidClientMetadata(
                f"An RSA key in jwks must have {MIN_RSA_BITS} to {MAX_RSA_BITS} bits and a "
                "small public exponent (65537)."
            )
    return text


def check_jwks_uri(uri: object) -> str:
    """A client's `jwks_uri`: https, or http on a loopback address (the lab's)."""
    if not isinstance(uri, str) or len(uri) > 2048:
        raise InvalidClientMetadata("jwks_uri must be a URL of at most 2048 characters.")
    try:
        parts = urlsplit(uri)
        host = parts.hostname or ""
    except ValueError:
        raise InvalidClientMetadata(f"jwks_uri {uri!r:.80} cannot be parsed.") from None
    if parts.scheme == "https" and host:
        return uri
    if parts.scheme == "http" and _is_loopback(host):
        return uri
    raise InvalidClientMetadata(
        "jwks_uri must be https (RFC 7591 2), or http on 127.0.0.1, [::1] or localhost "
        "for a client running beside this teaching server."
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def fetch_jwks(uri: str) -> dict[str, Any]:
    """The JWK Set at a client's jwks_uri, read with a bound on its size and time.

    The server fetches a URL that any client chose (SSRF, RFC 7591 5): without bounds,
    one client could make it read an endless body, or wait on a server that never
    answers, while other clients' requests queue. So: one GET, no redirects, at most
    MAX_JWKS_BYTES and JWKS_TIMEOUT seconds. A classroom server should also sit where
    the URLs it can reach are ones a learner may see; loopback is allowed for the lab.
    The fetch blocks this request's worker for at most about 2 x JWKS_TIMEOUT; failed
    authentications count toward the client's lockout (RFC 6749 10.10).
    """
    body = bytearray()
    try:
        with (
            httpx.Client(timeout=JWKS_TIMEOUT, follow_redirects=False) as http,
            http.stream("GET", uri, headers={"Accept": "application/json"}) as response,
        ):
            if response.status_code != 200:
                raise InvalidClient(f"The client's jwks_uri answered {response.status_code}.")
            # httpx's timeout bounds each read; a server that trickles a byte at a time
            # is stopped by this deadline on the whole fetch
            deadline = time.monotonic() + JWKS_TIMEOUT
            for chunk in response.iter_bytes():
                body += chunk
                if time.monotonic() > deadline:
                    raise InvalidClient(
                        f"The client's jwks_uri took more than {JWKS_TIMEOUT} s to read."
                    )
                if len(body) > MAX_JWKS_BYTES:
                    raise InvalidClient(
                        f"The client's jwks_uri holds more than {MAX_JWKS_BYTES} bytes."
                    )
    except httpx.HTTPError as exc:
        raise InvalidClient(f"The client's jwks_uri could not be read: {exc}.") from None
    try:
        jwks = json.loads(body)
    except ValueError:
        raise InvalidClient("The client's jwks_uri is not JSON.") from None
    try:
        return dict(json.loads(check_jwks(jwks)))
    except InvalidClientMetadata as exc:
        raise InvalidClient(f"The client's jwks_uri: {exc.description}") from None


class JwksCache:
    """Fetched JWK Sets, kept JWKS_CACHE_SECONDS; at most `size` URIs."""

    def __init__(self, clock: Callable[[], float], size: int = 1000) -> None:
        self.clock = clock
        self.size = size
        self._kept: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def get(self, uri: str, fetch: Callable[[str], dict[str, Any]] = fetch_jwks) -> dict[str, Any]:
        now = self.clock()
        with self._lock:
            kept = self._kept.get(uri)
        if kept is not None and kept[0] > now:
            return kept[1]
        jwks = fetch(uri)
        with self._lock:
            if len(self._kept) >= self.size:
                self._kept.pop(next(iter(self._kept)))
            self._kept[uri] = (now + JWKS_CACHE_SECONDS, jwks)
        return jwks


class JtiCache:
    """The jti of each accepted assertion, until its exp (RFC 7523 3 item 7).

    Bounded twice: MAX_PER_CLIENT per client, so one client sending assertions as
    fast as it can only locks itself out, and `size` in all. An assertion lives at
    most MAX_LIFETIME seconds, so a client needs MAX_PER_CLIENT / MAX_LIFETIME
    authentications a second to reach its bound.
    """

    MAX_PER_CLIENT = 200

    def __init__(self, clock: Callable[[], float], size: int = 100_000) -> None:
        self.clock = clock
        self.size = size
        self._expiry: dict[bytes, float] = {}
        self._heap: list[tuple[float, bytes]] = []  # (exp, key), soonest first
        self._per_client: dict[str, int] = {}
        self._owner: dict[bytes, str] = {}
        self._lock = threading.Lock()

    def add(self, client_id: str, jti: str, exp: float) -> str | None:
        """Remember a jti; the reason to refuse it, or None."""
        key = hashlib.sha256(f"{client_id}\x00{jti}".encode("utf-8", "surrogatepass")).digest()
        with self._lock:
            self._forget(self.clock())
            if key in self._expiry:
                return "this assertion's jti was used already: make a new assertion each time"
            if self._per_client.get(client_id, 0) >= self.MAX_PER_CLIENT:
                return (
                    f"this client sent {self.MAX_PER_CLIENT} assertions that have not expired "
                    "yet; give them a shorter exp, or wait"
                )
            if len(self._expiry) >= self.size:
                return "this server holds too many live assertions now; try again in a minute"
            self._expiry[key] = exp
            heapq.heappush(self._heap, (exp, key))
            self._owner[key] = client_id
            self._per_client[client_id] = self._per_client.get(client_id, 0) + 1
        return None

    def _forget(self, now: float) -> None:
        # the heap's first entry expires first: each add pops only what has expired
        while self._heap and self._heap[0][0] <= now:
            _, key = heapq.heappop(self._heap)
            del self._expiry[key]
            owner = self._owner.pop(key)
            self._per_client[owner] -= 1
            if not self._per_client[owner]:
                del self._per_client[owner]

    def __len__(self) -> int:
        return len(self._expiry)


def replay_window_end(claims: Mapping[str, Any]) -> float:
    """Until when an accepted assertion's jti must be kept: past it, iat or exp refuses it."""
    exp = float(claims["exp"]) + CLOCK_SKEW
    iat = claims.get("iat")
    return exp if iat is None else min(exp, float(iat) + MAX_LIFETIME + CLOCK_SKEW)


def accepted_audiences(config: ServerConfig) -> tuple[str, ...]:
    """The aud values that name this server: its issuer only, or (LAB) the old ones too."""
    from .metadata import PATHS  # metadata lists the auth methods: imported late

    if config.lab("legacy_assertion_audience"):
        # LAB: RFC 7523 3's "the token endpoint URL ... MAY be used", and any endpoint
        return (config.issuer, *(config.issuer + path for path in PATHS.values()))
    return (config.issuer,)


def read_assertion(assertion: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """Header, claims, signature and signing input of a compact JWS; InvalidClient if not one."""
    if len(assertion) > MAX_ASSERTION_CHARS:
        raise InvalidClient(f"client_assertion is longer than {MAX_ASSERTION_CHARS} characters.")
    parts = assertion.split(".")
    if len(parts) != 3:
        raise InvalidClient("client_assertion is not a JWT: three base64url parts joined by dots.")
    try:
        header = json.loads(b64url_decode(parts[0], "assertion's header"))
        claims = json.loads(b64url_decode(parts[1], "assertion's claims"))
        signature = b64url_decode(parts[2], "assertion's signature")
    except (JwtFormatError, ValueError, RecursionError):
        raise InvalidClient(
            "client_assertion is not a JWT: its header and claims must be base64url JSON."
        ) from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise InvalidClient("client_assertion's header and claims must be JSON objects.")
    return header, claims, signature, f"{parts[0]}.{parts[1]}".encode("ascii")


def check_assertion(
    config: ServerConfig, client: Client, assertion: str, jwks: Mapping[str, Any]
) -> dict[str, Any]:
    """The assertion's claims, if it proves `client`; else InvalidClient saying why."""
    header, claims, signature, signing_input = read_assertion(assertion)
    alg = header.get("alg")
    # RFC 7523 3 item 9: the JWT MUST be digitally signed; RFC 8725 2.1: no "none"
    if alg not in SIGNING_ALGS:
        raise InvalidClient(
            f"client_assertion's alg {alg!r:.40} is not accepted; sign it with one of "
            f"{', '.join(SIGNING_ALGS)} (token_endpoint_auth_signing_alg_values_supported)."
        )
    # draft-ietf-oauth-rfc7523bis-11 Section 4: a typ, when sent, says it is a client
    # assertion, so a JWT made for something else (a DPoP proof, an ID token) is no use
    typ = header.get("typ")
    if typ is not None and typ not in ("JWT", ASSERTION_TYP):
        raise InvalidClient(
            f"client_assertion's typ {typ!r:.40} is not a client assertion's; send typ "
            f"{ASSERTION_TYP} or leave it out."
        )
    keys = pick_keys(jwks, header.get("kid"), alg) if alg in ALGORITHMS else []
    try:
        verified = any(signature_ok(alg, public_key(key), signature, signing_input) for key in keys)
    except JwtFormatError:
        verified = False
    if not verified:
        raise InvalidClient(
            "client_assertion's signature does not verify with any key the client "
            "registered (jwks or jwks_uri) for its kid and alg (RFC 7523 3 item 9)."
        )
    # RFC 7523 3 items 1, 2: iss and sub are the client_id (RFC 7523 2.2)
    if claims.get("iss") != client.client_id or claims.get("sub") != client.client_id:
        raise InvalidClient("client_assertion's iss and sub must both be the client_id.")
    aud = claims.get("aud")
    accepted = accepted_audiences(config)
    if len(accepted) > 1:
        # LAB: RFC 7523 3 as first written: an array may hold the server among others
        named = aud if isinstance(aud, list) else [aud]
        ok = any(isinstance(a, str) and a in accepted for a in named)
    else:
        # draft-ietf-oauth-rfc7523bis-11 Section 4: aud MUST be the issuer identifier,
        # a JSON string, not an array; the token endpoint URL is no longer accepted
        ok = isinstance(aud, str) and aud == config.issuer
    if not ok:
        raise InvalidClient(
            f"client_assertion's aud {aud!r:.120} is not this server: it must be the issuer "
            f"{config.issuer!r}, one string (draft-ietf-oauth-rfc7523bis Section 4). An "
            "endpoint URL as aud could be one that another server also uses, and an assertion "
            "made for that server then works here."
        )
    now = config.clock()
    exp = claims.get("exp")
    # RFC 7523 3 item 4: the JWT MUST contain an exp; past it, it MUST be rejected
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        raise InvalidClient("client_assertion has no exp (a number of seconds since 1970).")
    if exp <= now - CLOCK_SKEW:
        raise InvalidClient("client_assertion has expired (its exp is past): make a new one.")
    iat = claims.get("iat")
    if iat is not None and (not isinstance(iat, (int, float)) or isinstance(iat, bool)):
        raise InvalidClient("client_assertion's iat must be a number of seconds since 1970.")
    # RFC 7523 3 item 6: the server MAY reject JWTs with an iat unreasonably far in the
    # past; with one, its jti is kept MAX_LIFETIME only, whatever the exp (Authlib's is an
    # hour ahead), and an older assertion is refused, so a forgotten jti cannot come back
    if iat is not None and not now - MAX_LIFETIME - CLOCK_SKEW <= iat <= now + CLOCK_SKEW:
        raise InvalidClient(
            f"client_assertion's iat is not within the last {MAX_LIFETIME} s: make a new one."
        )
    if iat is None and exp > now + MAX_LIFETIME + CLOCK_SKEW:
        raise InvalidClient(
            f"client_assertion has no iat and an exp more than {MAX_LIFETIME} s ahead: send "
            "iat, or a short-lived assertion (a minute is enough)."
        )
    nbf = claims.get("nbf")
    # RFC 7523 3 item 5: a nbf in the future means not yet
    if isinstance(nbf, (int, float)) and nbf > now + CLOCK_SKEW:
        raise InvalidClient("client_assertion is not valid yet (its nbf is in the future).")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > 256:
        raise InvalidClient(
            "client_assertion needs a jti, a unique string of up to 256 characters, so that "
            "it cannot be replayed (RFC 7523 3 item 7)."
        )
    return claims
