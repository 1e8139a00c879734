"""The JWT panel: a real RS256 token from the server, verified; a tampered one, rejected."""

from __future__ import annotations

import time

from codegrant_kit.client import check_jwt

from .conftest import Panels, close, make_panels


def test_a_real_jwt_is_decoded_verified_and_a_tampered_one_rejected(jwt_panels: Panels) -> None:
    panels = jwt_panels
    panels.to_code()
    panels.token._send.click()
    assert panels.token.model.error == ""
    jwt = panels.jwt.model
    assert jwt.token == panels.state.tokens.access_token  # carried over from step 6
    assert jwt.header["alg"] == "RS256" and jwt.header["typ"] == "at+jwt"
    assert jwt.claims["sub"] == "admin" and jwt.claims["iss"] == panels.state.issuer
    assert jwt.claims["client_id"] == panels.portal.model.consumer_key
    dates = {row[0]: row for row in jwt.dates}
    assert set(dates) >= {"exp", "iat"}
    assert dates["exp"][1] - dates["iat"][1] == 3600
    assert dates["iat"][2] == time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(dates["iat"][1]))

    panels.jwt._verify.click()
    assert jwt.verdict == "valid", jwt.error
    assert jwt.error == "" and "VALID" in jwt.status
    assert any("signature matches" in reason for reason in jwt.reasons)
    # the panel shows the client layer's check, step for step
    check = check_jwt(jwt.token, jwt.jwks, issuer=panels.state.issuer)
    assert check.valid and jwt.reasons == list(check.steps)
    assert "/jwks" in (panels.state.transcript.to_text() if panels.state.transcript else "")

    panels.jwt._tamper.click()
    assert jwt.claims["sub"] == "mallory"
    panels.jwt._verify.click()
    assert jwt.verdict == "invalid"
    assert "signature does not match" in jwt.error
    assert "Traceback" not in jwt.error

    # The token the API accepts is the untouched one
    panels.jwt._token.value = panels.state.tokens.access_token
    panels.jwt._verify.click()
    assert jwt.verdict == "valid"


def test_an_opaque_token_is_not_a_jwt(panels: Panels) -> None:
    panels.to_code()
    panels.token._send.click()
    assert panels.jwt.model.verdict == ""
    assert "not a JWT" in panels.jwt.model.error
    panels.jwt._verify.click()
    assert panels.jwt.model.verdict == "invalid"
    assert "three parts" in panels.jwt.model.error


def test_a_server_without_jwks_is_said_in_words() -> None:
    # a plain OAuth server: opaque access tokens, and no openid scope, so no ID tokens;
    # it signs nothing and publishes no keys (an OpenID Provider always does)
    panels = make_panels(scopes=("PRODUCTION", "photos:read"))
    try:
        _says_there_is_no_jwks(panels)
    finally:
        close(panels)


def _says_there_is_no_jwks(panels: Panels) -> None:
    panels.start()
    panels.jwt._token.value = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2ln"
    assert panels.jwt.model.claims == {"sub": "admin"}
    panels.jwt._verify.click()
    assert panels.jwt.model.verdict == ""
    assert "lists no jwks_uri" in panels.jwt.model.error
