"""check_id_token against ID tokens minted by an independent library (joserfc), and
forgeries made by hand: every rule of OpenID Connect Core 3.1.3.7 and 3.1.3.8."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import warnings
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from authlib.oidc.core.util import create_half_hash
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from joserfc import jwt
from joserfc.errors import SecurityWarning
from joserfc.jwk import ECKey, RSAKey

from codegrant_kit.client import InvalidIdToken
from codegrant_kit.client.id_token import CLOCK_SKEW, IdTokenCheck, at_hash, check_id_token

ISSUER = "https://op.example.com"
CLIENT = "photo-app"
NONCE = "n-0S6_WzA2Mj"
ACCESS_TOKEN = "SlAV32hkKG"
NOW = 1_800_000_000.0
RSA = RSAKey.generate_key(2048, parameters={"kid": "rsa-1", "use": "sig"})
EC = ECKey.generate_key("P-256", parameters={"kid": "ec-1"})
JWKS = {"keys": [RSA.as_dict(private=False), EC.as_dict(private=False)]}
STEPS = [
    "split and decode",
    "alg and kid",
    "key",
    "signature",
    "iss",
    "aud",
    "azp",
    "exp",
    "iat",
    "sub",
    "nonce",
    "at_hash",
]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "iss": ISSUER,
        "sub": "248289761001",
        "aud": CLIENT,
        "exp": int(NOW) + 300,
        "iat": int(NOW),
        "nonce": NONCE,
        "at_hash": create_half_hash(ACCESS_TOKEN, "RS256").decode(),
    }
    base.update(changes)
    return {name: value for name, value in base.items() if value is not None}


def mint(
    key: Any = RSA, alg: str = "RS256", header: dict[str, Any] | None = None, **changes: Any
) -> str:
    """An ID token signed by joserfc, the kit's code nowhere in the way."""
    head = {"alg": alg, "kid": key.kid, **(header or {})}
    return jwt.encode(head, claims(**changes), key, algorithms=[alg])


def check(token: str | bytes, **options: Any) -> IdTokenCheck:
    kwargs: dict[str, Any] = {
        "issuer": ISSUER,
        "client_id": CLIENT,
        "jwks": JWKS,
        "nonce": NONCE,
        "access_token": ACCESS_TOKEN,
        "now": NOW,
    }
    kwargs.update(options)
    return check_id_token(token, **kwargs)


def failed(result: IdTokenCheck) -> list[str]:
    assert not result.valid
    assert all(step.problem for step in result.failures)
    return [step.name for step in result.failures]


def hand_signed(header: dict[str, Any], body: dict[str, Any], secret: bytes) -> str:
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(body).encode())}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


def test_a_valid_token_passes_every_step_each_with_value_rule_and_section() -> None:
    result = check(mint())
    assert result.valid, str(result)
    assert [step.name for step in result.steps] == STEPS
    assert result.claims["sub"] == "248289761001" and result.header["kid"] == "rsa-1"
    for step in result.steps:
        assert step.value and step.rule and step.section and not step.problem
        assert "OpenID Connect Core 1.0" in step.section
    assert result.step("signature").outcome == "pass"  # type: ignore[union-attr]
    assert result.step("azp").outcome == "skip"  # type: ignore[union-attr]
    assert result.step("at_hash").outcome == "pass"  # type: ignore[union-attr]
    assert "clock skew 60 s" in result.step("exp").rule  # type: ignore[union-attr]
    rows = result.explain()
    assert rows[4].parameter == "iss" and rows[4].value == repr(ISSUER)
    assert str(result).startswith("VALID ID token\n[ok] split and decode")
    result.raise_for_invalid()


def test_at_hash_agrees_with_authlib_and_the_spec_example() -> None:
    for alg in ("RS256", "ES384", "PS512"):
        assert (
            at_hash("some-access-token", alg) == create_half_hash("some-access-token", alg).decode()
        )


def test_es256_and_ps256_tokens_verify_when_expected() -> None:
    es = mint(EC, "ES256", at_hash=create_half_hash(ACCESS_TOKEN, "ES256").decode())
    assert check(es, algorithms=("ES256",)).valid
    assert failed(check(es)) == ["alg and kid"]  # only RS256 unless told otherwise
    ps = mint(RSA, "PS256")
    assert check(ps, algorithms=("PS256",)).valid


def test_alg_none_is_refused_and_stops_the_check() -> None:
    token = f"{part({'alg': 'none'})}.{part(claims())}."
    result = check(token)
    assert failed(result) == ["alg and kid"]
    assert [step.name for step in result.steps] == ["split and decode", "alg and kid"]
    assert "no signature" in result.failures[0].problem
    # even when the caller lists it: the kit has no such algorithm
    with pytest.raises(ValueError, match="asymmetric"):
        check(token, algorithms=("none",))


@pytest.mark.parametrize(
    "secret",
    [
        RSA.as_pem(private=False),
        json.dumps(RSA.as_dict(private=False)).encode(),
        base64.urlsafe_b64decode(RSA.as_dict(private=False)["n"] + "=="),
    ],
    ids=["pem", "jwk-json", "modulus"],
)
def test_an_rs256_token_resigned_hs256_with_the_public_key_is_refused(secret: bytes) -> None:
    token = hand_signed({"alg": "HS256", "kid": "rsa-1"}, claims(sub="admin"), secret)
    result = check(token)
    assert failed(result) == ["alg and kid"]
    assert "key confusion" in result.failures[0].problem
    with pytest.raises(ValueError, match="HMAC"):
        check(token, algorithms=("RS256", "HS256"))


def test_a_changed_claim_breaks_the_signature_and_nothing_after_is_believed() -> None:
    header, body, signature = mint().split(".")
    forged = json.loads(base64.urlsafe_b64decode(body + "=="))
    forged["sub"] = "admin"
    result = check(f"{header}.{b64url(json.dumps(forged).encode())}.{signature}")
    assert failed(result) == ["signature"]
    assert result.steps[-1].name == "signature"


def test_a_token_signed_by_another_key_with_the_same_kid_is_refused() -> None:
    other = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})
    assert failed(check(mint(other))) == ["signature"]


def test_wrong_iss() -> None:
    result = check(mint(iss="https://evil.example"))
    assert failed(result) == ["iss"]
    assert "https://evil.example" in result.failures[0].problem
    # the rest is still checked and said
    assert [step.name for step in result.steps] == STEPS
    # exactly the issuer: a trailing slash is another issuer
    assert failed(check(mint(iss=ISSUER + "/"))) == ["iss"]


def test_wrong_aud() -> None:
    result = check(mint(aud="another-app"))
    assert failed(result) == ["aud"]
    assert "another application" in result.failures[0].problem
    assert failed(check(mint(aud=None))) == ["aud"]
    assert failed(check(mint(aud=[CLIENT, 7], azp=CLIENT))) == ["aud"]


def test_several_audiences_need_azp_naming_the_client() -> None:
    audiences = [CLIENT, "api.example.com"]
    trusted = ("api.example.com",)
    assert failed(check(mint(aud=audiences), trusted_audiences=trusted)) == ["azp"]
    assert failed(check(mint(aud=audiences, azp="api.example.com"), trusted_audiences=trusted)) == [
        "azp"
    ]
    assert check(mint(aud=audiences, azp=CLIENT), trusted_audiences=trusted).valid
    # an audience the client does not trust is refused (Core 3.1.3.7 item 3)
    assert failed(check(mint(aud=audiences, azp=CLIENT))) == ["aud"]
    # azp present with one audience must still be the client
    assert failed(check(mint(azp="someone-else"))) == ["azp"]


def test_exp_with_the_stated_clock_skew() -> None:
    assert check(mint(exp=int(NOW) - CLOCK_SKEW + 1)).valid  # within the skew
    result = check(mint(exp=int(NOW) - CLOCK_SKEW - 1))
    assert failed(result) == ["exp"]
    assert "expired" in result.failures[0].problem
    assert failed(check(mint(exp=int(NOW) - 10), clock_skew=0)) == ["exp"]
    for bad in (None, "tomorrow", True, 10**400):
        assert failed(check(mint(exp=bad))) == ["exp"]


def test_iat_in_the_future_beyond_the_skew() -> None:
    assert check(mint(iat=int(NOW) + CLOCK_SKEW - 1)).valid
    result = check(mint(iat=int(NOW) + CLOCK_SKEW + 5))
    assert failed(result) == ["iat"]
    assert "in the future" in result.failures[0].problem
    assert failed(check(mint(iat=None))) == ["iat"]


def test_wrong_and_missing_nonce() -> None:
    result = check(mint(nonce="another-flows-nonce"))
    assert failed(result) == ["nonce"]
    assert "another authorization request" in result.failures[0].problem
    result = check(mint(nonce=None))
    assert failed(result) == ["nonce"]
    assert "no nonce" in result.failures[0].problem
    # none sent: nothing to compare, said so
    skipped = check(mint(nonce=None), nonce=None)
    assert skipped.valid and skipped.step("nonce").outcome == "skip"  # type: ignore[union-attr]


def test_wrong_at_hash() -> None:
    result = check(mint(at_hash=create_half_hash("another-token", "RS256").decode()))
    assert failed(result) == ["at_hash"]
    assert "not issued together" in result.failures[0].problem
    # the right token's ID token next to another access token
    assert failed(check(mint(), access_token="a-swapped-access-token")) == ["at_hash"]
    assert failed(check(mint(at_hash=12))) == ["at_hash"]
    # optional in the code flow: absent is said, not refused
    absent = check(mint(at_hash=None))
    assert absent.valid and absent.step("at_hash").outcome == "skip"  # type: ignore[union-attr]


def test_sub_is_required() -> None:
    assert failed(check(mint(sub=None))) == ["sub"]
    assert failed(check(mint(sub="x" * 256))) == ["sub"]


def test_max_age_wants_a_recent_auth_time() -> None:
    fresh = check(mint(auth_time=int(NOW) - 30), max_age=60)
    assert fresh.valid and fresh.step("auth_time") is not None
    assert failed(check(mint(auth_time=int(NOW) - 600), max_age=60)) == ["auth_time"]
    assert failed(check(mint(), max_age=60)) == ["auth_time"]


def test_unknown_kid() -> None:
    result = check(mint(RSAKey.generate_key(2048, parameters={"kid": "rsa-2"})))
    assert failed(result) == ["key"]
    assert "does not publish" in result.failures[0].problem
    assert [step.name for step in result.steps][-1] == "key"


def jwks_server(documents: list[dict[str, Any]]) -> tuple[httpx.Client, list[str]]:
    """A JWKS endpoint over httpx's WSGI transport: each GET serves the next document."""
    served: list[str] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        served.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(documents[min(len(served), len(documents)) - 1]).encode()]

    return httpx.Client(transport=httpx.WSGITransport(app=app)), served


def test_a_new_kid_fetches_the_jwks_again_as_keys_rotate() -> None:
    rotated = RSAKey.generate_key(2048, parameters={"kid": "rsa-2"})
    http, served = jwks_server([{"keys": [*JWKS["keys"], rotated.as_dict(private=False)]}])
    with http:
        result = check(mint(rotated), jwks_uri="https://op.example.com/jwks", http=http)
    assert result.valid, str(result)
    assert served == ["/jwks"]
    assert "fetched from https://op.example.com/jwks" in result.step("key").value  # type: ignore[union-attr]
    # without any JWKS, it is fetched
    http, served = jwks_server([JWKS])
    with http:
        assert check(mint(), jwks=None, jwks_uri="https://op.example.com/jwks", http=http).valid
    assert failed(check(mint(), jwks=None)) == ["key"]


def test_keys_that_must_not_verify() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)  # joserfc warns too; the kit refuses
        small = RSAKey.generate_key(1024, parameters={"kid": "small"}, private=True)
        token = mint(small)
    result = check(token, jwks={"keys": [small.as_dict(private=False)]})
    assert failed(result) == ["key"] and "2048" in result.failures[0].problem
    encryption = {**RSA.as_dict(private=False), "use": "enc"}
    assert failed(check(mint(), jwks={"keys": [encryption]})) == ["key"]
    other_alg = {**RSA.as_dict(private=False), "alg": "PS256"}
    assert failed(check(mint(), jwks={"keys": [other_alg]})) == ["key"]
    broken = {**RSA.as_dict(private=False), "e": "AA"}
    assert failed(check(mint(), jwks={"keys": [broken]})) == ["key"]
    # two RS256 keys and no kid: which one?
    second = RSAKey.generate_key(2048, parameters={"kid": "rsa-2"})
    two = {"keys": [RSA.as_dict(private=False), second.as_dict(private=False)]}
    no_kid = jwt.encode({"alg": "RS256"}, claims(), RSA)
    assert failed(check(no_kid, jwks=two)) == ["key"]
    assert check(no_kid, jwks={"keys": [RSA.as_dict(private=False)]}).valid


def test_header_rules_beyond_alg() -> None:
    assert failed(check(mint(header={"typ": "at+jwt"}))) == ["alg and kid"]
    # joserfc will not sign a header with an unknown crit: signed here by hand
    signing_input = (
        f"{part({'alg': 'RS256', 'kid': 'rsa-1', 'crit': ['x'], 'x': 1})}.{part(claims())}"
    )
    private = RSA.private_key
    assert private is not None
    signature = private.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    result = check(f"{signing_input}.{b64url(signature)}")
    assert failed(result) == ["alg and kid"] and "crit" in result.failures[0].problem


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "e30.e30.***",
        "eyJhbGciOiJSUzI1NiJ9=.e30.",
        "e.e30.",
        b64url(b"[1, 2]") + ".e30.",
        b64url(b"not json") + ".e30.",
        b64url(b'{"alg": NaN}') + ".e30.",
        b64url('{"alg":"RS256"}'.encode("utf-16")) + ".e30.",
        "é.e30.",
        "x" * 70_000,
        b"\xff\xfe.e30.",
    ],
)
def test_bad_base64_and_other_non_jwts_are_said_in_words(token: str | bytes) -> None:
    result = check(token)
    assert failed(result) == ["split and decode"]
    assert len(result.steps) == 1


def test_each_non_jwt_is_told_what_is_wrong_with_it() -> None:
    said = {
        "e30.e30.***": "signature is not base64url",
        "e3=.e30.": "header is not base64url",
        b64url(b"not json") + ".e30.": "header, once base64url-decoded, is not JSON",
        b64url(b"[1]") + ".e30.": "JSON but not an object",
        "a.b": "three parts",
    }
    for token, words in said.items():
        assert words in check(token).failures[0].problem, token


def test_raise_for_invalid_says_each_failure() -> None:
    result = check(mint(iss="https://evil.example", nonce="other"))
    with pytest.raises(InvalidIdToken, match=r"evil\.example.*another authorization request"):
        result.raise_for_invalid()


def json_values() -> st.SearchStrategy[Any]:
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text()
    )
    return st.recursive(scalars, lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner))


def part(value: Any) -> str:
    return b64url(json.dumps(value).encode())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(),
        st.binary(),
        st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)),
        st.lists(st.text(), min_size=1, max_size=5).map(".".join),
        st.tuples(json_values(), json_values(), st.binary()).map(
            lambda t: f"{part(t[0])}.{part(t[1])}.{b64url(t[2])}"
        ),
        st.tuples(
            st.dictionaries(st.sampled_from(["alg", "kid", "typ", "crit"]), json_values()),
            st.dictionaries(
                st.sampled_from(["iss", "aud", "exp", "iat", "nonce", "sub"]), json_values()
            ),
            st.binary(max_size=300),
        ).map(
            lambda t: (
                f"{part({'alg': 'RS256', 'kid': 'rsa-1', **t[0]})}.{part(t[1])}.{b64url(t[2])}"
            )
        ),
    )
)
def test_hostile_input_gets_the_kits_clear_words_never_a_crash(token: str | bytes) -> None:
    result = check(token)
    assert not result.valid
    assert result.failures and all(step.problem for step in result.failures)
    str(result), result.explain()


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            ["iss", "aud", "azp", "exp", "iat", "nonce", "sub", "at_hash", "auth_time"]
        ),
        json_values(),
    )
)
def test_hostile_claims_under_a_real_signature_are_refused_in_words(
    changes: dict[str, Any],
) -> None:
    result = check(jwt.encode({"alg": "RS256", "kid": "rsa-1"}, changes, RSA), max_age=60)
    assert not result.valid or changes.get("iss") == ISSUER
    assert [step.name for step in result.steps][:4] == STEPS[:4]
    assert all(step.problem for step in result.failures)
    str(result)


def test_a_refreshed_id_token_needs_no_nonce_but_the_same_sign_in() -> None:
    first = claims()
    refreshed = check(mint(nonce=None), refreshed_from=first)
    assert refreshed.valid, str(refreshed)
    assert refreshed.step("nonce").outcome == "skip"  # type: ignore[union-attr]
    assert "12.2" in refreshed.step("nonce").section  # type: ignore[union-attr]
    assert refreshed.step("same sign-in").outcome == "pass"  # type: ignore[union-attr]
    # if it carries a nonce, it is still the one sent
    assert failed(check(mint(nonce="other"), refreshed_from=first)) == ["nonce"]
    other_user = check(mint(nonce=None, sub="someone-else"), refreshed_from=first)
    assert failed(other_user) == ["same sign-in"]
    assert "sub" in other_user.failures[0].problem
