from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from codegrant_kit.server import pkce

from .helpers import CHALLENGE, VERIFIER

UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"


def test_rfc7636_appendix_b():
    assert pkce.s256(VERIFIER) == CHALLENGE
    assert pkce.verify(VERIFIER, CHALLENGE)


def test_verify_refuses_other_verifiers_and_plain():
    assert not pkce.verify(VERIFIER[:-1] + "A", CHALLENGE)
    assert not pkce.verify(VERIFIER, VERIFIER)  # "plain" is not accepted


def test_verifier_length_43_to_128():
    assert not pkce.is_valid_verifier("a" * 42)
    assert pkce.is_valid_verifier("a" * 43)
    assert pkce.is_valid_verifier("a" * 128)
    assert not pkce.is_valid_verifier("a" * 129)


def test_verifier_alphabet_is_unreserved():
    assert pkce.is_valid_verifier(UNRESERVED[:43])
    for bad in "+/= %\n\u00e9":
        assert not pkce.is_valid_verifier("a" * 42 + bad)


def test_challenge_is_43_base64url():
    assert pkce.is_valid_challenge(CHALLENGE)
    assert not pkce.is_valid_challenge(CHALLENGE + "=")
    assert not pkce.is_valid_challenge(CHALLENGE[:-1])
    assert not pkce.is_valid_challenge(CHALLENGE[:-1] + "~")  # base64url has no ~
    assert not pkce.is_valid_challenge(CHALLENGE[:-1] + "\n")


@given(st.text(alphabet=UNRESERVED, min_size=43, max_size=128))
def test_every_verifier_gives_a_valid_challenge(verifier):
    assert pkce.is_valid_verifier(verifier)
    assert pkce.is_valid_challenge(pkce.s256(verifier))
    assert pkce.verify(verifier, pkce.s256(verifier))
