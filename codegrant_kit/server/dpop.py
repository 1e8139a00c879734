"""DPoP: at every request the client proves it holds the key its token is bound to (RFC 9449).

A bearer token works for whoever holds it. A DPoP-bound token works only with a
fresh proof signed by the client's private key, which never leaves the client:

Client                                               Authorization server / API
  | POST /token                                          |
  |   DPoP: <proof: header typ dpop+jwt, alg, jwk;       |  check the proof (4.3)
  |          claims jti, htm POST, htu .../token, iat>   |
  |<---- 200 {"token_type": "DPoP", "access_token": ...}  |  bound to the jwk's thumbprint
  |                                                      |  (cnf.jkt, RFC 7638; section 6)
  | GET /api/photos                                      |
  |   Authorization: DPoP <access token>                 |  check the proof, its ath, and
  |   DPoP: <proof: ..., htm GET, htu .../api/photos,    |  that its key is the token's
  |          ath = base64url(sha256(access token))>      |  (section 7)

Nonces (section 8, 9): with `ServerConfig.dpop_nonce` on, a proof must carry the
nonce the server last sent in a `DPoP-Nonce` header; one without it gets
`use_dpop_nonce` and the nonce to use. A nonce is the time window it was made
in with an HMAC of it, so the server keeps nothing per nonce; it is good for
that window and the next (NONCE_LIFETIME each). Off by default, as in Keycloak;
turn it on to see the challenge, or where clocks cannot be trusted to bound iat.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import struct
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from .config import ServerConfig
from .dpop_jti import JtiCache
from .errors import InvalidDpopProof, InvalidRequest, UseDpopNonce

# RFC 9449 5.1 dpop_signing_alg_values_supported: asymmetric algorithms only
ALGORITHMS = ("ES256", "RS256")
MAX_PROOF_AGE = 60  # seconds: an older iat is stale (RFC 9449 11.1 "a relatively brief period")
MAX_CLOCK_SKEW = 10  # seconds a client's clock may run ahead
NONCE_LIFETIME = 300  # seconds of each nonce window
MAX_PROOF_CHARS = 8192  # an RSA 8192-bit key fits; a proof is a header line, not a file
MAX_JTI_CHARS = 256
RSA_BITS = (2048, 8192)  # RFC 7518 3.3: 2048 or larger; larger than 8192 only costs us CPU
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
# RFC 7517 4, RFC 7518 6.2.2, 6.3.2: members that hold a private key
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str, what: str) -> bytes:
    if len(text) % 4 == 1 or _B64URL.fullmatch(text) is None:
        raise InvalidDpopProof(f"The DPoP proof's {what} is not base64url (RFC 7515 2).")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InvalidDpopProof(f"The DPoP proof's {what} is not base64url (RFC 7515 2).") from None


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 3: SHA-256 of the key's required members, sorted, without whitespace.

    The key and thumbprint of RFC 9449's examples (4.1, 6.1):

    >>> thumbprint({"kty": "EC", "x": "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs",
    ...             "y": "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA", "crv": "P-256"})
    '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I'
    """
    # RFC 7638 3.2: EC: crv, kty, x, y; RSA: e, kty, n
    names = ("crv", "kty", "x", "y") if jwk.get("kty") == "EC" else ("e", "kty", "n")
    canonical = json.dumps({name: jwk[name] for name in names}, separators=(",", ":"))
    return b64url(hashlib.sha256(canonical.encode()).digest())


def check_dpop_jkt(value: str | None) -> str | None:
    """RFC 9449 10: dpop_jkt is a JWK SHA-256 thumbprint, 43 characters of base64url."""
    if value is not None and (len(value) != 43 or _B64URL.fullmatch(value) is None):
        raise InvalidRequest(
            "dpop_jkt must be the base64url SHA-256 thumbprint (RFC 7638) of the client's "
            "DPoP key: 43 characters of A-Z a-z 0-9 - _ (RFC 9449 10)."
        )
    return value


def access_token_hash(access_token: str) -> str:
    """RFC 9449 4.2 ath: base64url of the SHA-256 of the access token's ASCII."""
    return b64url(hashlib.sha256(access_token.encode("ascii", "replace")).digest())


def normalized_uri(uri: str) -> str:
    """RFC 9449 4.3: the URI without query and fragment, scheme and host lower case,
    and no default port (RFC 3986 6.2.2, 6.2.3).

    >>> normalized_uri("HTTPS://Server.Example:443/token?x=1#y")
    'https://server.example/token'
    """
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is not None and (scheme, port) not in (("http", 80), ("https", 443)):
        host += f":{port}"
    return f"{scheme}://{host}{parts.path or '/'}"


def _normalized_or_none(uri: str) -> str | None:
    try:
        return normalized_uri(uri)
    except ValueError:  # urlsplit: a bad port or IPv6 literal
        return None


def _same(given: str, expected: str) -> bool:
    # compare_digest takes ASCII str only: compare bytes, whatever the client sent
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode())


def _jwk_member(jwk: dict[str, Any], name: str) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidDpopProof(f"The DPoP proof's jwk has no {name!r} (RFC 7518 6).")
    return b64url_decode(value, f"jwk member {name!r}")


def verify_signature(alg: str, jwk: dict[str, Any], signing_input: bytes, signature: bytes) -> None:
    """The JWS signature (RFC 7515 5.2) of `alg`, with the public key `jwk`."""
    wrong_key = InvalidDpopProof(f"The DPoP proof's jwk is not a key for {alg}.")
    try:
        if alg == "ES256":
            # RFC 7518 3.4: an EC P-256 key; the signature is R || S, 32 bytes each
            if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
                raise wrong_key
            x, y = _jwk_member(jwk, "x"), _jwk_member(jwk, "y")
            if len(x) != 32 or len(y) != 32 or len(signature) != 64:
                raise wrong_key
            public = ec.EllipticCurvePublicNumbers(
                int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()
            ).public_key()
            der = encode_dss_signature(
                int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            )
            public.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
        else:
            # RFC 7518 3.3: an RSA key of 2048 bits or more
            if jwk.get("kty") != "RSA":
                raise wrong_key
            n = int.from_bytes(_jwk_member(jwk, "n"), "big")
            e = int.from_bytes(_jwk_member(jwk, "e"), "big")
            if not RSA_BITS[0] <= n.bit_length() <= RSA_BITS[1] or e.bit_length() > 32:
                raise InvalidDpopProof(
                    f"The DPoP proof's RSA key must have {RSA_BITS[0]} to {RSA_BITS[1]} bits "
                    "and a small public exponent (RFC 7518 3.3)."
                )
            rsa.RSAPublicNumbers(e, n).public_key().verify(
                signature, signing_input, padding.PKCS1v15(), hashes.SHA256()
            )
    except InvalidSignature:
        # RFC 9449 4.3 (6): the signature verifies with the public key in the jwk
        raise InvalidDpopProof("The DPoP proof's signature does not verify with its jwk.") from None
    except ValueError:
        raise wrong_key from None


@dataclass(frozen=True)
class Proof:
    """A DPoP proof that passed every check of RFC 9449 4.3."""

    jkt: str  # the thumbprint of its key (RFC 7638): what tokens are bound to
    header: dict[str, Any]
    claims: dict[str, Any]


def decode(proof: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """The JWS's header, claims, signing input and signature; no check of what they say."""
    # RFC 9449 4.3 (2): the value is a single well-formed JWT
    if len(proof) > MAX_PROOF_CHARS:
        raise InvalidDpopProof(f"The DPoP proof is longer than {MAX_PROOF_CHARS} characters.")
    parts = proof.split(".")
    if len(parts) != 3:
        raise InvalidDpopProof("The DPoP proof is not a JWT: header.claims.signature.")
    decoded = []
    for part, what in zip(parts[:2], ("header", "claims"), strict=True):
        try:
            value = json.loads(b64url_decode(part, what))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise InvalidDpopProof(f"The DPoP proof's {what} is not JSON.") from None
        if not isinstance(value, dict):
            raise InvalidDpopProof(f"The DPoP proof's {what} is not a JSON object.")
        decoded.append(value)
    signature = b64url_decode(parts[2], "signature")
    return decoded[0], decoded[1], f"{parts[0]}.{parts[1]}".encode("ascii"), signature


class DpopVerifier:
    """The checks of RFC 9449 4.3, the jti cache (11.1) and the server's nonces (8, 9)."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.jtis = JtiCache(config.clock, MAX_PROOF_AGE + MAX_CLOCK_SKEW)
        self._nonce_key: bytes | None = None
        self._lock = threading.Lock()

    @property
    def nonce_key(self) -> bytes:
        # drawn when the first nonce is made, not before: a tutorial's seeded randomness
        # gives the same codes and tokens whether the server could make nonces or not
        with self._lock:
            if self._nonce_key is None:
                self._nonce_key = self.config.randomness.token(32).encode()
            return self._nonce_key

    def nonce(self, window: int | None = None) -> str:
        """The nonce of this time window (RFC 9449 8): its number and an HMAC of it."""
        if window is None:
            window = int(self.config.clock() // NONCE_LIFETIME)
        packed = struct.pack(">Q", window)
        return b64url(packed + hmac.new(self.nonce_key, packed, hashlib.sha256).digest()[:16])

    def _nonce_is_current(self, nonce: object) -> bool:
        window = int(self.config.clock() // NONCE_LIFETIME)
        return isinstance(nonce, str) and any(
            _same(nonce, self.nonce(w)) for w in (window, window - 1)
        )

    def verify(
        self,
        headers: list[str],
        method: str,
        uris: tuple[str, ...],
        access_token: str | None = None,
    ) -> Proof:
        """The proof in `headers` (every DPoP header of the request), for `method` at one of
        `uris` (what the client may have called this endpoint); with `access_token`, at the API.
        """
        # RFC 9449 4.3 (1): there is not more than one DPoP HTTP request header field
        if len(headers) != 1:
            raise InvalidDpopProof("Send exactly one DPoP header.")
        header, claims, signing_input, signature = decode(headers[0].strip())
        # RFC 9449 4.3 (4): the typ JOSE Header Parameter has the value dpop+jwt
        if header.get("typ") != "dpop+jwt":
            raise InvalidDpopProof("The DPoP proof's header must have typ 'dpop+jwt'.")
        # RFC 9449 4.3 (5): alg is an asymmetric algorithm, not none, and supported
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise InvalidDpopProof(
                f"The DPoP proof's alg must be one of {', '.join(ALGORITHMS)} "
                "(asymmetric; never none or HS256)."
            )
        jwk = header.get("jwk")
        if not isinstance(jwk, dict):
            raise InvalidDpopProof("The DPoP proof's header must hold the public key as 'jwk'.")
        # RFC 9449 4.3 (7): the jwk does not contain a private key
        if PRIVATE_MEMBERS & jwk.keys():
            raise InvalidDpopProof(
                "The DPoP proof's jwk holds a private key: send the public key only, and "
                "make a new key pair, since this one is no longer secret."
            )
        # RFC 9449 4.3 (6): the signature verifies with the public key in the jwk
        verify_signature(str(alg), jwk, signing_input, signature)
        jkt = thumbprint(jwk)
        self._check_claims(claims, method, uris, access_token)
        # RFC 9449 4.3 (11), 11.1: a jti is used once, within the proof window
        jti, iat = claims["jti"], float(claims["iat"])
        if self.jtis.seen(f"{jkt}.{jti}", iat):
            raise InvalidDpopProof(
                "This DPoP proof (its jti) was used already: make a new proof for each request."
            )
        return Proof(jkt, header, claims)

    def _check_claims(
        self, claims: dict[str, Any], method: str, uris: tuple[str, ...], access_token: str | None
    ) -> None:
        # RFC 9449 4.3 (3): all required claims (4.2) are present
        missing = [name for name in ("jti", "htm", "htu", "iat") if name not in claims]
        if access_token is not None and "ath" not in claims:
            missing.append("ath")
        if missing:
            raise InvalidDpopProof(f"The DPoP proof lacks the claim {missing[0]!r} (RFC 9449 4.2).")
        jti = claims["jti"]
        if not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI_CHARS:
            raise InvalidDpopProof(f"The DPoP proof's jti must be 1 to {MAX_JTI_CHARS} characters.")
        # RFC 9449 4.3 (8): the htm claim matches the HTTP method of the request
        if claims["htm"] != method:
            raise InvalidDpopProof(f"The DPoP proof is for htm {method!r}: this request's method.")
        # RFC 9449 4.3 (9): htu matches the request's URI, without query and fragment
        htu = claims["htu"]
        targets = {normalized_uri(uri) for uri in uris}
        if not isinstance(htu, str) or len(htu) > 2048 or _normalized_or_none(htu) not in targets:
            raise InvalidDpopProof(
                f"The DPoP proof's htu must be this request's URI, {uris[0]} "
                "(without query or fragment, RFC 9449 4.3)."
            )
        # RFC 9449 4.3 (10), 8: the nonce the server provided, if it requires one
        if self.config.dpop_nonce and not self._nonce_is_current(claims.get("nonce")):
            raise UseDpopNonce(
                "This server requires a nonce in DPoP proofs: make the proof again with the "
                "nonce from the DPoP-Nonce header (RFC 9449 8).",
                self.nonce(),
            )
        # RFC 9449 4.3 (11): iat is within an acceptable window
        iat, now = claims["iat"], self.config.clock()
        if isinstance(iat, bool) or not isinstance(iat, (int, float)) or iat != iat:
            raise InvalidDpopProof("The DPoP proof's iat must be a number of seconds (RFC 7519).")
        if not now - MAX_PROOF_AGE <= iat <= now + MAX_CLOCK_SKEW:
            raise InvalidDpopProof(
                f"The DPoP proof's iat is more than {MAX_PROOF_AGE} s old or in the future: "
                "make a fresh proof for each request (and check the client's clock)."
            )
        # RFC 9449 4.3 (12): ath is the hash of the access token sent with it
        if access_token is not None and not (
            isinstance(claims["ath"], str) and _same(claims["ath"], access_token_hash(access_token))
        ):
            raise InvalidDpopProof(
                "The DPoP proof's ath is not base64url(sha256(access token)) of the token sent."
            )
