"""Validating an ID token step by step: OpenID Connect Core 1.0 Sections 2, 3.1.3.7, 3.1.3.8.

An access token says what the client may do; an ID token says who signed in, to
this client, at this time. It is a signed JWT (RFC 7519) whose claims the client
MUST check before it believes them (OpenID Connect Core 3.1.3.7):

    split and base64url-decode       RFC 7515 7.1
    the header's alg and kid         Core 3.1.3.7 items 7, 8; RFC 8725 3.1
    fetch the JWKS, pick the key     Core 10.1.1; RFC 7517 4
    verify the signature             Core 3.1.3.7 item 6; RFC 7515 5.2
    iss equal to the issuer          Core 3.1.3.7 item 2
    aud contains the client_id       Core 3.1.3.7 item 3
    azp when several audiences       Core 3.1.3.7 items 4, 5
    exp and iat, with a clock skew   Core 3.1.3.7 items 9, 10
    sub present                      Core 2
    nonce equal to the one sent      Core 3.1.3.7 item 11 (after a refresh: 12.2)
    auth_time within max_age         Core 3.1.3.7 item 13 (when max_age was sent)
    at_hash against the access token Core 3.1.3.8

:func:`check_id_token` makes each check in that order and keeps each as an
:class:`IdTokenStep`: its value, the rule, the section, and in plain words what a
failure means. Once the token cannot be trusted at all (not a JWT, an algorithm
refused, no key, a bad signature) the steps stop: a forger writes claims that
pass. Plain data in, plain data out, so a learner or a test can call it against
any server.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa

from ._http import Verify
from .discovery import fetch_jwks
from .errors import ClientError, InvalidIdToken, JwtFormatError
from .explain import ParameterNote
from .jws import ALGORITHMS, MIN_RSA_BITS, b64url_decode, pick_keys, public_key, signature_ok

# Seconds the client's clock may differ from the server's; stated in every date step.
CLOCK_SKEW = 60
# A real ID token is one or two kilobytes; anything far longer is refused unread.
MAX_LENGTH = 64 * 1024

CORE = "OpenID Connect Core 1.0"

Outcome = Literal["pass", "fail", "skip"]


@dataclass(frozen=True)
class IdTokenStep:
    """One check: what was looked at, the rule, where the rule is, and the outcome."""

    name: str
    outcome: Outcome
    value: str
    rule: str
    section: str
    problem: str = ""  # plain words, only when the outcome is "fail"

    @property
    def passed(self) -> bool:
        return self.outcome != "fail"

    def __str__(self) -> str:
        mark = {"pass": "ok", "fail": "FAILED", "skip": "skipped"}[self.outcome]
        text = f"[{mark}] {self.name}: {self.value} ({self.rule}; {self.section})"
        return text + (f"\n    {self.problem}" if self.problem else "")


@dataclass(frozen=True)
class IdTokenCheck:
    """Valid or not, every step in the order made, and the decoded parts if any."""

    valid: bool
    steps: tuple[IdTokenStep, ...]
    header: Mapping[str, Any] = field(default_factory=dict)
    claims: Mapping[str, Any] = field(default_factory=dict)
    # the JWK Set the signature was checked with, fetched or given: a client keeps it
    jwks: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def failures(self) -> tuple[IdTokenStep, ...]:
        return tuple(step for step in self.steps if step.outcome == "fail")

    def step(self, name: str) -> IdTokenStep | None:
        return next((step for step in self.steps if step.name == name), None)

    def explain(self) -> list[ParameterNote]:
        """The steps as rows: step, value, rule (and the problem), section."""
        return [
            ParameterNote(
                step.name,
                step.value,
                step.rule + (f" FAILED: {step.problem}" if step.problem else ""),
                step.section,
            )
            for step in self.steps
        ]

    def raise_for_invalid(self) -> None:
        """Raise :class:`InvalidIdToken` saying each failure, if there is one."""
        if not self.valid:
            raise InvalidIdToken(
                " ".join(step.problem for step in self.failures)
                or "The ID token was not checked to the end."
            )

    def __str__(self) -> str:
        head = "VALID ID token" if self.valid else "INVALID ID token"
        return head + "\n" + "\n".join(str(step) for step in self.steps)


class _Refused(ClientError):
    """A step failed in a way that ends the check (message: the plain words)."""


def as_date(seconds: float) -> str:
    """A NumericDate as a UTC date, or its number when no calendar holds it.

    >>> as_date(0), as_date(1e20)
    ('1970-01-01 00:00:00 UTC', '100000000000000000000 (not a date)')
    """
    try:
        return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return f"{seconds:.0f} (not a date)"


def shown(value: object, limit: int = 80) -> str:
    """A value as a learner reads it, cut short, never raising (surrogates included).

    >>> shown("x" * 100, 10)
    "'xxxxxxxx…"
    """
    text = ascii(value) if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _json_object(part: str, name: str) -> dict[str, Any]:
    raw = b64url_decode(part, name)
    try:
        # RFC 7515 5.2 and RFC 7519 7.2: the decoded octets are UTF-8 JSON
        value = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _Refused(f"The {name}, once base64url-decoded, is not JSON text.") from exc
    if not isinstance(value, dict):
        raise _Refused(f"The {name} is JSON but not an object, as a JWT's {name} must be.")
    return value


def _number(value: object) -> float | None:
    # RFC 7519 2: a NumericDate is a JSON number of seconds; true is not one
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer of hundreds of digits
        return None
    return number if math.isfinite(number) else None


def at_hash(access_token: str, alg: str = "RS256") -> str:
    """The left half of the hash of the access token, base64url (Core 3.1.3.6).

    >>> at_hash("jHkWEdUXMU1BwAsC4vtUsZwnN3hOm0M0fx3QBJKTA3w", "RS256")
    '2qAHq4G4Kc5mksOfcEBpog'
    """
    digest = hashlib.new(ALGORITHMS[alg].hash().name, access_token.encode("ascii")).digest()
    half = digest[: len(digest) // 2]
    return base64.urlsafe_b64encode(half).rstrip(b"=").decode("ascii")


def _sent_nonce_step(claims: Mapping[str, Any], nonce: str | None) -> IdTokenStep:
    rule = "nonce equals the one this client sent in the authorization request"
    section = f"{CORE} Section 3.1.3.7 item 11"
    got = claims.get("nonce")
    if nonce is None:
        return IdTokenStep(
            "nonce",
            "skip",
            f"none sent; the token has {shown(got)}" if got is not None else "none sent",
            rule,
            section,
        )
    if got is None:
        problem = (
            "The token has no nonce, but this client sent one. Without it nothing ties the "
            "token to this sign-in: it could be a token from another flow, replayed "
            "or injected. Refuse it."
        )
        return IdTokenStep(
            "nonce", "fail", f"sent {shown(nonce)}, none in the token", rule, section, problem
        )
    if not isinstance(got, str) or not hmac.compare_digest(
        got.encode("utf-8", "replace"), nonce.encode("utf-8", "replace")
    ):
        problem = (
            f"The token's nonce is {shown(got)}, but this client sent {shown(nonce)}. The "
            "token was issued for another authorization request, perhaps one an attacker "
            "started: an injected or replayed ID token. Refuse it."
        )
        return IdTokenStep("nonce", "fail", f"token {shown(got)}", rule, section, problem)
    return IdTokenStep("nonce", "pass", f"{shown(got)}, the one sent", rule, section)


def check_id_token(
    id_token: str | bytes,
    *,
    issuer: str,
    client_id: str,
    jwks: Mapping[str, Any] | None = None,
    jwks_uri: str | None = None,
    nonce: str | None = None,
    access_token: str | None = None,
    algorithms: Sequence[str] = ("RS256",),
    trusted_audiences: Sequence[str] = (),
    clock_skew: float = CLOCK_SKEW,
    max_age: int | None = None,
    refreshed_from: Mapping[str, Any] | None = None,
    now: float | None = None,
    http: httpx.Client | None = None,
    verify: Verify = True,
) -> IdTokenCheck:
    """Every check of OpenID Connect Core 3.1.3.7 and 3.1.3.8, in order, each said.

    ``jwks`` is the issuer's JWK Set; without it, or when it lacks the token's
    ``kid`` (the keys rotated, Core 10.1.1), it is fetched from ``jwks_uri``.
    ``nonce`` is the one sent in the authorization request, ``access_token`` the
    one that came with the ID token. ``algorithms`` are those the client expects
    (Core 3.1.3.7 item 7: RS256 unless it registered another), never HMAC.
    ``refreshed_from`` is the claims of the first ID token, when this one came from
    a refresh (Core 12.2).
    """
    unknown = [alg for alg in algorithms if alg not in ALGORITHMS]
    if unknown:
        raise ValueError(
            f"The kit verifies only asymmetric signatures ({', '.join(ALGORITHMS)}), not "
            f"{', '.join(unknown)}: an ID token checked with a JWKS key must never be an HMAC."
        )
    now = time.time() if now is None else now
    steps: list[IdTokenStep] = []
    header: dict[str, Any] = {}
    claims: dict[str, Any] = {}

    def done(valid: bool) -> IdTokenCheck:
        valid = valid and all(step.passed for step in steps)
        return IdTokenCheck(valid, tuple(steps), header, claims, jwks)

    # 1. split and decode
    rule = "three base64url parts joined by dots: header, claims, signature"
    section = f"{CORE} Section 2; RFC 7515 Section 7.1"
    try:
        if isinstance(id_token, bytes):
            try:
                id_token = id_token.decode("ascii")
            except UnicodeDecodeError as exc:
                raise _Refused("The ID token is not ASCII text, as every JWT is.") from exc
        if not isinstance(id_token, str):
            raise _Refused(f"An ID token is text, not {type(id_token).__name__}.")
        text = id_token.strip()
        if len(text) > MAX_LENGTH:
            raise _Refused(
                f"The text is {len(text)} characters long; an ID token is a kilobyte or two, "
                f"and the kit reads none longer than {MAX_LENGTH}."
            )
        parts = text.split(".")
        if len(parts) != 3:
            raise _Refused(
                f"A JWT has three parts separated by dots; this text has {len(parts)}. An "
                "opaque access token is not an ID token: the ID token is the token "
                "response's id_token member."
            )
        header = _json_object(parts[0], "header")
        claims = _json_object(parts[1], "claims part")
        signature = b64url_decode(parts[2], "signature")
    except (_Refused, JwtFormatError) as exc:
        header, claims = {}, {}
        steps.append(
            IdTokenStep("split and decode", "fail", shown(id_token, 60), rule, section, str(exc))
        )
        return done(False)
    sizes = " + ".join(str(len(part)) for part in parts)
    steps.append(IdTokenStep("split and decode", "pass", f"{sizes} characters", rule, section))

    # 2. alg and kid
    alg, kid, typ = header.get("alg"), header.get("kid"), header.get("typ")
    value = f"alg={shown(alg)}, kid={shown(kid)}" + (f", typ={shown(typ)}" if typ else "")
    rule = f"alg is one this client expects ({', '.join(algorithms)}); never none, never an HMAC"
    section = f"{CORE} Section 3.1.3.7 items 7, 8; RFC 8725 Section 3.1"
    problem = ""
    if alg == "none":
        problem = (
            "alg is 'none': the token carries no signature, so anyone could have written "
            "it. A client that accepted it would sign in whoever the claims name. Refuse it, "
            "whatever the token says about itself."
        )
    elif isinstance(alg, str) and alg.upper().startswith("HS"):
        problem = (
            f"alg is {shown(alg)}, an HMAC: the same secret signs and verifies. The issuer's "
            "JWKS holds public keys that anyone can download; a validator that took one of "
            "them as the HMAC secret would accept a token anyone forged (the RS256/HS256 key "
            "confusion). The kit checks only the algorithms the client expects."
        )
    elif alg not in algorithms:
        problem = (
            f"alg is {shown(alg)}, but this client expects {', '.join(algorithms)}. The "
            "algorithm is chosen by the client, not read from the token (RFC 8725 3.1)."
        )
    elif "crit" in header:
        problem = (
            "The header lists critical extensions (crit) the kit does not understand; "
            "RFC 7515 4.1.11 says such a token MUST be rejected."
        )
    elif isinstance(typ, str) and typ.lower() in ("at+jwt", "application/at+jwt"):
        problem = (
            f"typ is {shown(typ)}: this is a JWT access token (RFC 9068), meant for an API, "
            "not an ID token meant for this client. It proves no sign-in."
        )
    if problem:
        steps.append(IdTokenStep("alg and kid", "fail", value, rule, section, problem))
        return done(False)
    assert isinstance(alg, str)
    steps.append(IdTokenStep("alg and kid", "pass", value, rule, section))

    # 3. the key
    rule = "the issuer's JWKS has exactly one signing key for this alg (and this kid)"
    section = f"{CORE} Section 10.1.1; RFC 7517 Section 4.5"
    fetched_from = ""
    try:
        keys = [] if jwks is None else pick_keys(jwks, kid, alg)
        if not keys and jwks_uri is not None:
            # Core 10.1.1: a new kid means the keys rotated: fetch them again
            jwks = fetch_jwks(jwks_uri, http=http, verify=verify)
            fetched_from = f" fetched from {jwks_uri}"
            keys = pick_keys(jwks, kid, alg)
        if jwks is None:
            raise _Refused(
                "There are no keys to check the signature with: pass the issuer's JWKS or its "
                "jwks_uri (from the metadata)."
            )
        listed = jwks.get("keys")
        count = len(listed) if isinstance(listed, list) else 0
        if not keys:
            raise _Refused(
                f"The issuer's JWKS ({count} keys) has no {alg} signing key"
                + (f" with kid={shown(kid)}" if kid is not None else "")
                + ": the token was signed with a key this issuer does not publish (another "
                "server's, or a forger's). Refuse it."
            )
        if len(keys) > 1:
            raise _Refused(
                f"The JWKS has {len(keys)} {alg} keys and the token names no kid, so the "
                "client cannot tell which one signed it (Core 10.1)."
            )
        key = public_key(keys[0])
        if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
            raise _Refused(
                f"The RSA key is {key.key_size} bits; RFC 7518 3.3 requires 2048 or more, "
                "since shorter keys can be factored."
            )
    except (_Refused, ClientError) as exc:
        steps.append(
            IdTokenStep("key", "fail", f"kid={shown(kid)}{fetched_from}", rule, section, str(exc))
        )
        return done(False)
    steps.append(
        IdTokenStep(
            "key",
            "pass",
            f"kid={shown(keys[0].get('kid'))}, one of {count}{fetched_from}",
            rule,
            section,
        )
    )

    # 4. the signature
    rule = f"the {alg} signature over header.claims verifies with that public key"
    section = f"{CORE} Section 3.1.3.7 item 6; RFC 7515 Section 5.2"
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
    if not signature_ok(alg, key, signature, signing_input):
        problem = (
            "The signature does not match the header and claims under the issuer's key: the "
            "token was changed after it was signed, or another key signed it. Nothing in it "
            "can be believed."
        )
        steps.append(
            IdTokenStep("signature", "fail", f"{len(signature)} bytes", rule, section, problem)
        )
        return done(False)
    steps.append(
        IdTokenStep("signature", "pass", f"{len(signature)} bytes, verified", rule, section)
    )

    # 5. iss
    iss = claims.get("iss")
    rule = "iss is exactly the issuer this client talks to"
    section = f"{CORE} Section 3.1.3.7 item 2"
    if iss != issuer:
        problem = (
            f"The token says it was issued by {shown(iss)}, but this client talks to "
            f"{shown(issuer)}. A token from another issuer must not sign anyone in here: "
            "whoever runs that issuer could name any user."
        )
        steps.append(IdTokenStep("iss", "fail", shown(iss), rule, section, problem))
    else:
        steps.append(IdTokenStep("iss", "pass", shown(iss), rule, section))

    # 6. aud
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else None
    rule = "aud contains this client's client_id, and no audience the client does not trust"
    section = f"{CORE} Section 3.1.3.7 item 3"
    if audiences is None or not all(isinstance(item, str) for item in audiences):
        problem = "aud is missing, or is not a string or an array of strings (Core 2)."
        steps.append(IdTokenStep("aud", "fail", shown(aud), rule, section, problem))
    elif client_id not in audiences:
        problem = (
            f"The token is meant for {shown(aud)}, not for this client ({shown(client_id)}). "
            "It was issued to another application: one that hands it on could sign its "
            "own users in here as anyone. Refuse it."
        )
        steps.append(IdTokenStep("aud", "fail", shown(aud), rule, section, problem))
    elif untrusted := [item for item in audiences if item not in (client_id, *trusted_audiences)]:
        problem = (
            f"The token is also meant for {shown(untrusted)}, which this client does not trust; "
            "Core 3.1.3.7 item 3 says to reject it (pass trusted_audiences if it does)."
        )
        steps.append(IdTokenStep("aud", "fail", shown(aud), rule, section, problem))
    else:
        steps.append(IdTokenStep("aud", "pass", shown(aud), rule, section))

    # 7. azp
    azp = claims.get("azp")
    rule = "with several audiences azp is present; when present it is the client_id"
    section = f"{CORE} Section 3.1.3.7 items 4, 5"
    several = isinstance(audiences, list) and len(audiences) > 1
    if several and azp is None:
        problem = (
            "The token names several audiences but no azp (authorized party), so it does not "
            "say which of them the token was issued to."
        )
        steps.append(IdTokenStep("azp", "fail", "absent", rule, section, problem))
    elif azp is not None and azp != client_id:
        problem = (
            f"azp is {shown(azp)}: the token was issued to that party, not to this client "
            f"({shown(client_id)})."
        )
        steps.append(IdTokenStep("azp", "fail", shown(azp), rule, section, problem))
    else:
        outcome: Outcome = "pass" if azp is not None else "skip"
        steps.append(
            IdTokenStep(
                "azp", outcome, shown(azp) if azp else "one audience, none needed", rule, section
            )
        )

    # 8. exp and iat
    skew = f"clock skew {clock_skew:g} s"
    exp = _number(claims.get("exp"))
    rule = f"now ({as_date(now)}) is before exp, allowing a {skew}"
    section = f"{CORE} Section 3.1.3.7 item 9"
    if exp is None:
        problem = "The token has no exp (a number of seconds since 1970), which Core 2 requires."
        steps.append(IdTokenStep("exp", "fail", shown(claims.get("exp")), rule, section, problem))
    elif now >= exp + clock_skew:
        problem = (
            f"The token expired at {as_date(exp)}, {now - exp:.0f} seconds ago (more than the "
            f"{skew}). An old ID token may be a replayed one: sign in again."
        )
        steps.append(IdTokenStep("exp", "fail", as_date(exp), rule, section, problem))
    else:
        steps.append(IdTokenStep("exp", "pass", as_date(exp), rule, section))
    iat = _number(claims.get("iat"))
    rule = f"iat is not later than now ({as_date(now)}) plus the {skew}"
    section = f"{CORE} Section 3.1.3.7 item 10"
    if iat is None:
        problem = "The token has no iat (when it was issued), which Core 2 requires."
        steps.append(IdTokenStep("iat", "fail", shown(claims.get("iat")), rule, section, problem))
    elif iat > now + clock_skew:
        problem = (
            f"The token says it was issued at {as_date(iat)}, {iat - now:.0f} seconds in the "
            f"future, beyond the {skew}: the issuer's clock is wrong or the token was forged "
            "to last longer."
        )
        steps.append(IdTokenStep("iat", "fail", as_date(iat), rule, section, problem))
    else:
        steps.append(IdTokenStep("iat", "pass", as_date(iat), rule, section))

    # 9. sub
    sub = claims.get("sub")
    rule = "sub, the user's identifier at this issuer, is a string of at most 255 ASCII characters"
    section = f"{CORE} Section 2"
    if not isinstance(sub, str) or not sub or len(sub) > 255 or not sub.isascii():
        problem = "The token has no usable sub, so it does not say who signed in."
        steps.append(IdTokenStep("sub", "fail", shown(sub), rule, section, problem))
    else:
        steps.append(IdTokenStep("sub", "pass", shown(sub), rule, section))

    # 10. nonce; a refreshed ID token SHOULD NOT carry one (Core 12.2)
    if refreshed_from is not None and "nonce" not in claims:
        rule = "a refreshed ID token need not carry the nonce; if it does, the same one"
        steps.append(IdTokenStep("nonce", "skip", "absent", rule, f"{CORE} Section 12.2"))
    else:
        steps.append(_sent_nonce_step(claims, nonce))

    # 10b. a refreshed ID token is about the same sign-in
    if refreshed_from is not None:
        rule = "after a refresh, iss, sub and aud are those of the first ID token"
        changed = [
            name for name in ("iss", "sub", "aud") if claims.get(name) != refreshed_from.get(name)
        ]
        if changed:
            problem = (
                f"The refreshed ID token changes {', '.join(changed)}: it is not about the "
                "sign-in the refresh token came from."
            )
            steps.append(
                IdTokenStep(
                    "same sign-in",
                    "fail",
                    ", ".join(changed),
                    rule,
                    f"{CORE} Section 12.2",
                    problem,
                )
            )
        else:
            steps.append(
                IdTokenStep(
                    "same sign-in", "pass", "iss, sub, aud unchanged", rule, f"{CORE} Section 12.2"
                )
            )

    # 11. auth_time, when the request carried max_age
    if max_age is not None:
        auth_time = _number(claims.get("auth_time"))
        rule = f"auth_time is present and at most max_age={max_age} s ago (plus the {skew})"
        section = f"{CORE} Section 3.1.3.7 item 13"
        if auth_time is None:
            problem = "The request asked for max_age, but the token has no auth_time to check it."
            steps.append(IdTokenStep("auth_time", "fail", "absent", rule, section, problem))
        elif now - auth_time > max_age + clock_skew:
            problem = (
                f"The user signed in at {as_date(auth_time)}, {now - auth_time:.0f} seconds "
                f"ago, longer than max_age={max_age} allows: the server did not ask again."
            )
            steps.append(
                IdTokenStep("auth_time", "fail", as_date(auth_time), rule, section, problem)
            )
        else:
            steps.append(IdTokenStep("auth_time", "pass", as_date(auth_time), rule, section))

    # 12. at_hash
    got = claims.get("at_hash")
    digest = ALGORITHMS[alg].hash().name.upper()
    rule = f"at_hash is the left half of the {digest} of the access token, base64url"
    section = f"{CORE} Section 3.1.3.8 (OPTIONAL in the code flow, 3.1.3.6)"
    if access_token is None:
        steps.append(IdTokenStep("at_hash", "skip", "no access token to compare", rule, section))
    elif got is None:
        steps.append(IdTokenStep("at_hash", "skip", "absent from the token", rule, section))
    else:
        try:
            expected = at_hash(access_token, alg)
        except UnicodeEncodeError:
            expected = ""
        if not isinstance(got, str) or not hmac.compare_digest(
            got.encode("utf-8", "replace"), expected.encode()
        ):
            problem = (
                f"at_hash is {shown(got)}, but the access token that came with it hashes to "
                f"{expected!r}: the two tokens were not issued together, so one was swapped in."
            )
            steps.append(IdTokenStep("at_hash", "fail", shown(got), rule, section, problem))
        else:
            steps.append(IdTokenStep("at_hash", "pass", shown(got), rule, section))
    return done(True)
