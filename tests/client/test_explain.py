import pytest

from codegrant_kit.client import explain_error, known_errors

RFC_CODES = {
    "authorization response": {
        "invalid_request",
        "unauthorized_client",
        "access_denied",
        "unsupported_response_type",
        "invalid_scope",
        "server_error",
        "temporarily_unavailable",
    },
    "token endpoint": {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
        # RFC 9449 12.2
        "invalid_dpop_proof",
        "use_dpop_nonce",
    },
    "protected resource": {
        "invalid_request",
        "invalid_token",
        "insufficient_scope",
        "invalid_dpop_proof",
        "use_dpop_nonce",
    },
    "client registration": {
        "invalid_redirect_uri",
        "invalid_client_metadata",
        "invalid_software_statement",
        "unapproved_software_statement",
    },
    "token revocation": {"unsupported_token_type"},
}
WHERE = {
    "authorization response": "authorization",
    "token endpoint": "token",
    "protected resource": "resource",
    "client registration": "registration",
    "token revocation": "revocation",
}


def test_every_rfc_error_code_is_covered():
    assert {place: set(codes) for place, codes in known_errors().items()} == RFC_CODES


@pytest.mark.parametrize(
    ("place", "code"), [(place, code) for place, codes in RFC_CODES.items() for code in codes]
)
def test_each_code_has_meaning_cause_and_fix(place, code):
    explanation = explain_error(code, where=WHERE[place])
    assert explanation.known
    assert explanation.where == place
    assert explanation.section.startswith("RFC ")
    assert explanation.meaning and explanation.likely_cause and explanation.fix
    assert str(explanation).startswith(f"{code} ({explanation.section}, {place})")


def test_the_same_code_means_different_things_in_different_places():
    token = explain_error("invalid_request", where="token")
    resource = explain_error("invalid_request", where="resource")
    assert token.section == "RFC 6749 Section 5.2"
    assert resource.section == "RFC 6750 Section 3.1"
    assert token.meaning != resource.meaning
    assert explain_error("invalid_request").section == "RFC 6749 Section 5.2"
    assert explain_error("invalid_token").section == "RFC 6750 Section 3.1"


@pytest.mark.parametrize(
    ("description", "words"),
    [
        ("Code challenge failed.", "code_verifier does not match"),
        ("Invalid 'redirect_uri' in request.", "redirect_uri differs"),
        ("The code has already been used", "already exchanged once"),
        ("Authorization code expired", "expired"),
        (None, "One of: the code or refresh token was used already"),
        # a description that lists several causes proves none of them
        ("The authorization code is unknown or has expired.", "One of:"),
        ("This refresh token was already exchanged for a new one.", "RFC 9700"),
    ],
)
def test_the_description_sharpens_the_likely_cause(description, words):
    explanation = explain_error("invalid_grant", description, where="token")
    assert words in explanation.likely_cause
    if description:
        assert f'The server says: "{description}"' in str(explanation)


def test_an_unknown_code_is_said_to_be_unknown():
    explanation = explain_error("slow_down_please", "custom")
    assert not explanation.known
    assert "not an error code defined" in explanation.meaning
    assert explanation.description == "custom"
    assert explain_error("nope", where="token").where == "token endpoint"


@pytest.mark.parametrize(
    "code",
    ["login_required", "consent_required", "interaction_required", "account_selection_required"],
)
def test_openid_connects_authorization_errors_are_explained(code):
    for where in ("authorization", None):
        explanation = explain_error(code, where=where)
        assert explanation.known and explanation.where == "authorization response"
        assert explanation.section == "OpenID Connect Core 1.0 Section 3.1.2.6"
        assert "prompt=none" in explanation.meaning and explanation.fix
    assert not explain_error("login_required", where="token").known
