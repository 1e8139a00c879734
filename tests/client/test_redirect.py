import pytest

from codegrant_kit.client import (
    IssuerMismatch,
    MalformedAuthorizationResponse,
    OAuthResponseError,
    RedirectUriMismatch,
    StateMismatch,
    explain_redirect,
    parse_redirect,
)

CB = "https://client.example.com/cb"
ISS = "https://as.example"


def test_a_good_redirect_gives_the_code_and_lists_the_checks():
    response = parse_redirect(
        f"{CB}?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz&iss=https%3A%2F%2Fas.example",
        expected_state="xyz",
        expected_issuer=ISS,
        redirect_uri=CB,
        iss_required=True,
    )
    assert response.ok
    assert (response.code, response.state, response.iss) == ("SplxlOBeZQQYbYS6WxSbIA", "xyz", ISS)
    assert len(response.checks) == 3
    assert response.explanation is None
    response.raise_for_error()  # nothing to raise
    assert [row.parameter for row in response.explain()] == ["code", "state", "iss"]


@pytest.mark.parametrize(
    "location",
    [
        f"{CB}?code=abc&state=other",
        f"{CB}?code=abc",
        f"{CB}?code=abc&state=xy",
        f"{CB}?code=abc&state=",
    ],
)
def test_a_wrong_or_missing_state_is_refused(location):
    with pytest.raises(StateMismatch, match="cross-site request forgery") as caught:
        parse_redirect(location, expected_state="xyz")
    assert caught.value.expected == "xyz"


def test_state_check_is_skipped_only_when_none_was_sent():
    assert parse_redirect(f"{CB}?code=abc&state=zzz", expected_state=None).state == "zzz"


def test_state_with_non_ascii_text_is_compared_not_crashed():
    with pytest.raises(StateMismatch):
        parse_redirect(f"{CB}?code=abc&state=%C3%A9", expected_state="x")


def test_a_foreign_issuer_is_refused_as_a_mix_up():
    with pytest.raises(IssuerMismatch, match="mix-up") as caught:
        parse_redirect(
            f"{CB}?code=abc&state=s&iss=https%3A%2F%2Fevil.example",
            expected_state="s",
            expected_issuer=ISS,
        )
    assert caught.value.received == "https://evil.example"


def test_a_missing_iss_is_refused_when_the_metadata_promises_it():
    with pytest.raises(IssuerMismatch, match="no iss parameter"):
        parse_redirect(
            f"{CB}?code=abc&state=s", expected_state="s", expected_issuer=ISS, iss_required=True
        )
    # Without the promise, a response without iss is accepted (RFC 9207 Section 2.4).
    response = parse_redirect(f"{CB}?code=abc&state=s", expected_state="s", expected_issuer=ISS)
    assert response.iss is None
    assert not any("iss" in check for check in response.checks)


def test_iss_required_needs_an_issuer():
    with pytest.raises(ValueError):
        parse_redirect(f"{CB}?code=a", expected_state=None, iss_required=True)


def test_an_error_response_is_returned_with_its_explanation():
    response = parse_redirect(
        f"{CB}?error=access_denied&error_description=The+user+said+no&state=s&iss=https%3A%2F%2Fas.example",
        expected_state="s",
        expected_issuer=ISS,
        iss_required=True,
    )
    assert not response.ok
    assert response.code is None
    assert (response.error, response.error_description) == ("access_denied", "The user said no")
    assert response.explanation is not None
    assert "Deny" in response.explanation.likely_cause
    with pytest.raises(OAuthResponseError, match="access_denied") as caught:
        response.raise_for_error()
    assert caught.value.status is None


def test_an_error_response_still_needs_the_right_state():
    with pytest.raises(StateMismatch):
        parse_redirect(f"{CB}?error=access_denied&state=forged", expected_state="s")


def test_the_redirect_must_come_to_our_redirect_uri():
    with pytest.raises(RedirectUriMismatch, match="registered redirect URI"):
        parse_redirect("https://evil.example/cb?code=abc", expected_state=None, redirect_uri=CB)
    ok = parse_redirect(
        "HTTPS://Client.Example.com/cb?code=abc", expected_state=None, redirect_uri=CB
    )
    assert ok.code == "abc"


def test_repeated_parameters_are_refused_rfc6749_3_1():
    with pytest.raises(MalformedAuthorizationResponse, match="more than once"):
        parse_redirect(f"{CB}?code=a&code=b", expected_state=None)
    with pytest.raises(MalformedAuthorizationResponse, match="'state' more than once"):
        parse_redirect(f"{CB}?code=a&state=s&state=t", expected_state="s")


def test_neither_code_nor_error():
    with pytest.raises(MalformedAuthorizationResponse, match="neither a code nor an error"):
        parse_redirect(f"{CB}?state=s", expected_state="s")


def test_a_response_in_the_fragment_points_at_the_implicit_grant():
    with pytest.raises(MalformedAuthorizationResponse, match="implicit grant"):
        parse_redirect(f"{CB}#access_token=abc&state=s", expected_state="s")


def test_extra_parameters_are_kept_and_labelled():
    response = parse_redirect(f"{CB}?code=a&session_state=x", expected_state=None)
    assert response.params["session_state"] == "x"
    assert response.explain()[1].purpose == "not an OAuth parameter"


def test_a_redirect_is_explained_before_any_check():
    # what the redirect panel shows as soon as the Location is there: every pair as
    # sent, a repeated one and a forged state included, each with its section
    location = f"{CB}?code=a&state=forged&code=b&iss={ISS}&session_state=x"
    notes = explain_redirect(location)
    assert [(n.parameter, n.value) for n in notes] == [
        ("code", "a"),
        ("state", "forged"),
        ("code", "b"),
        ("iss", ISS),
        ("session_state", "x"),
    ]
    assert notes[3].section == "RFC 9207 Section 2"
    assert notes[4].purpose == "not an OAuth parameter"
    with pytest.raises(MalformedAuthorizationResponse):
        parse_redirect(location, expected_state="xyz")
    assert explain_redirect(CB) == []


def test_a_checked_response_is_explained_as_its_redirect_was():
    location = f"{CB}?code=a&state=xyz&iss={ISS}"
    response = parse_redirect(location, expected_state="xyz", expected_issuer=ISS)
    assert response.explain() == explain_redirect(location)
