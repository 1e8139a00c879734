from urllib.parse import parse_qsl, urlsplit

import pytest

from codegrant_kit.client import (
    AuthorizationRequest,
    PkcePair,
    new_state,
    s256,
    seeded_token_factory,
)

# RFC 7636 Appendix B
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
# fmt: off
VERIFIER_OCTETS = bytes([
    116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186,
    22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
])
# fmt: on


def test_pkce_matches_rfc7636_appendix_b():
    pair = PkcePair.from_verifier(VERIFIER)
    assert pair.code_challenge == CHALLENGE
    assert pair.code_challenge_method == "S256"
    assert s256(VERIFIER) == CHALLENGE


def test_pkce_generate_uses_32_random_octets_like_appendix_b():
    def appendix_b_octets(nbytes):
        import base64

        assert nbytes == 32
        return base64.urlsafe_b64encode(VERIFIER_OCTETS).rstrip(b"=").decode()

    pair = PkcePair.generate(appendix_b_octets)
    assert pair.code_verifier == VERIFIER
    assert pair.code_challenge == CHALLENGE


def test_generated_verifiers_are_random_and_valid():
    first, second = PkcePair.generate(), PkcePair.generate()
    assert first.code_verifier != second.code_verifier
    assert len(first.code_verifier) == 43
    assert PkcePair.from_verifier(first.code_verifier) == first


@pytest.mark.parametrize(
    "verifier",
    ["a" * 42, "a" * 129, "a" * 42 + "+", "a" * 42 + "=", "a" * 42 + " "],
)
def test_verifiers_outside_rfc7636_4_1_are_refused(verifier):
    with pytest.raises(ValueError, match="43 to 128 characters"):
        PkcePair.from_verifier(verifier)


def test_verifier_bounds_are_inclusive():
    PkcePair.from_verifier("a" * 43)
    PkcePair.from_verifier("-._~" * 32)


def test_seeded_factory_repeats_and_differs_by_seed():
    assert seeded_token_factory(1)(32) == seeded_token_factory(1)(32)
    assert seeded_token_factory(1)(32) != seeded_token_factory(2)(32)
    make = seeded_token_factory("tutorial")
    assert make(32) != make(32)  # a stream, not a constant
    assert new_state(seeded_token_factory(3)) == new_state(seeded_token_factory(3))


def test_state_is_long_and_printable():
    state = new_state()
    assert len(state) >= 43
    assert state != new_state()
    with pytest.raises(ValueError, match="printable ASCII"):
        new_state(lambda n: "é" * n)
    with pytest.raises(ValueError):
        new_state(lambda n: "")


def test_url_has_the_seed_order_and_encoding():
    request = AuthorizationRequest(
        authorization_endpoint="https://localhost:9443/oauth2/authorize",
        client_id="wU62DjlyDBnq87GlBwplfqvmAbAa",
        redirect_uri="https://client.example.com/cb",
        scope="PRODUCTION",
        state="xyz",
        code_challenge=CHALLENGE,
        code_challenge_method="S256",
    )
    assert request.url == (
        "https://localhost:9443/oauth2/authorize?response_type=code"
        "&client_id=wU62DjlyDBnq87GlBwplfqvmAbAa&scope=PRODUCTION"
        "&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb&state=xyz"
        f"&code_challenge={CHALLENGE}&code_challenge_method=S256"
    )


def test_spaces_in_scope_and_the_endpoints_own_query_rfc6749_3_1():
    request = AuthorizationRequest(
        authorization_endpoint="https://as.example/authorize?tenant=a%20b",
        client_id="c",
        scope="openid photos",
    )
    parts = urlsplit(request.url)
    assert parts.query == "tenant=a%20b&response_type=code&client_id=c&scope=openid+photos"
    assert dict(parse_qsl(parts.query))["tenant"] == "a b"


def test_build_makes_a_state_and_carries_the_challenge():
    pkce = PkcePair.from_verifier(VERIFIER)
    request = AuthorizationRequest.build(
        "https://as.example/authorize",
        "client",
        "https://client.example.com/cb",
        scope="PRODUCTION",
        pkce=pkce,
        token_factory=seeded_token_factory(0),
    )
    assert request.state == new_state(seeded_token_factory(0))
    assert (request.code_challenge, request.code_challenge_method) == (CHALLENGE, "S256")
    assert AuthorizationRequest.from_url(request.url) == request
    assert AuthorizationRequest.build("https://a/x", "c", None, state="s").state == "s"


def test_explain_names_each_parameter_and_its_section():
    request = AuthorizationRequest.build(
        "https://as.example/authorize",
        "client",
        "https://client.example.com/cb",
        scope="PRODUCTION",
        pkce=PkcePair.from_verifier(VERIFIER),
    )
    rows = request.explain()
    assert [row.parameter for row in rows] == [
        "response_type",
        "client_id",
        "scope",
        "redirect_uri",
        "state",
        "code_challenge",
        "code_challenge_method",
    ]
    assert dict((row.parameter, row.section) for row in rows)["state"] == "RFC 6749 Section 10.12"
    assert all(row.purpose and row.value for row in rows)


def test_from_url_needs_a_client_id():
    with pytest.raises(ValueError, match="client_id"):
        AuthorizationRequest.from_url("https://as.example/authorize?response_type=code")


def test_an_openid_request_carries_a_fresh_nonce_oidc_core_3_1_2_1():
    request = AuthorizationRequest.build(
        "https://op.example/authorize", "app", "https://app.example/cb", scope="openid profile"
    )
    again = AuthorizationRequest.build(
        "https://op.example/authorize", "app", "https://app.example/cb", scope="openid profile"
    )
    assert request.nonce and again.nonce and request.nonce != again.nonce
    assert len(request.nonce) == 43  # 32 octets, base64url
    params = dict(request.params())
    assert params["nonce"] == request.nonce
    assert [name for name, _ in request.params()].index("nonce") == 5  # after state
    assert AuthorizationRequest.from_url(request.url).nonce == request.nonce
    assert any(note.parameter == "nonce" and "OpenID" in note.section for note in request.explain())
    # the same random source as state, so a tutorial's seed repeats it
    seeded = [
        AuthorizationRequest.build(
            "https://op.example/authorize",
            "app",
            None,
            scope="openid",
            token_factory=seeded_token_factory(3),
        ).nonce
        for _ in range(2)
    ]
    assert seeded[0] == seeded[1]


def test_no_nonce_without_openid_and_a_given_one_is_kept():
    plain = AuthorizationRequest.build("https://op.example/a", "app", None, scope="PRODUCTION")
    assert plain.nonce is None and "nonce" not in plain.url
    # "openid" must be a scope of its own, not part of another
    assert (
        AuthorizationRequest.build("https://op.example/a", "app", None, scope="openidx").nonce
        is None
    )
    kept = AuthorizationRequest.build(
        "https://op.example/a", "app", None, scope="openid", nonce="n1"
    )
    assert kept.nonce == "n1"


def test_prompt_and_max_age_go_last_and_come_back_from_the_url():
    request = AuthorizationRequest.build(
        "https://op.example/a", "app", None, scope="openid", prompt="login", max_age=0
    )
    names = [name for name, _ in request.params()]
    assert names[-2:] == ["prompt", "max_age"] and dict(request.params())["max_age"] == "0"
    again = AuthorizationRequest.from_url(request.url)
    assert (again.prompt, again.max_age) == ("login", 0)
    assert {"prompt", "max_age"} <= {note.parameter for note in request.explain()}
    with pytest.raises(ValueError, match="number of seconds"):
        AuthorizationRequest.from_url("https://op.example/a?client_id=app&max_age=%C2%B2")
