"""The DPoP checkbox (RFC 9449): the proof step by step in the token panel, then the
token bound, the API called with proofs, and every proof decoded in the transcript."""

from __future__ import annotations

from codegrant_kit.client import decode_proof

from .conftest import Panels


def test_dpop_steps_behind_the_checkbox(panels: Panels) -> None:
    panels.to_code()
    token = panels.token
    assert token.model.dpop_steps == [] and not token._dpop.value
    assert panels.state.dpop_key is None
    token._dpop.value = True  # the learner ticks the box
    key = panels.state.dpop_key
    assert key is not None and panels.state.flow is not None
    assert panels.state.flow.dpop_key is key
    rows = {row[0]: row[1] for row in token.model.dpop_steps}
    assert rows["typ"] == "dpop+jwt" and rows["alg"] == "ES256"
    assert rows["jkt"] == key.thumbprint and rows["htm"] == "POST"
    assert rows["htu"] == panels.state.flow.endpoints.token_endpoint
    assert "ath" not in rows  # no access token at the token endpoint

    token._send.click()
    assert token.model.error == "", token.model.error
    assert "token_type is DPoP" in token.model.status
    assert token.model.sent_proof.startswith("DPoP: ey")
    assert "(the DPoP proof above, decoded" in token.model.sent_proof
    assert "DPoP" in token.model.raw_response  # "token_type": "DPoP"

    api = panels.api
    api._call.click()
    assert api.model.error == "", api.model.error
    assert api.model.status.startswith("200")
    assert "Authorization: DPoP " in api.model.exchange
    proof = next(
        line.removeprefix("DPoP: ")
        for line in api.model.exchange.splitlines()
        if line.startswith("DPoP: ")
    )
    assert decode_proof(proof).claims["htm"] == "GET"
    assert "ath" in decode_proof(proof).claims

    text = panels.transcript.model.text  # the seed-headers view keeps DPoP's headers
    assert text.count("(the DPoP proof above, decoded") == 2


def test_unticked_the_flow_is_bearer_as_before(panels: Panels) -> None:
    panels.to_code()
    panels.token._dpop.value = True
    panels.token._dpop.value = False
    assert panels.state.dpop_key is None and panels.token.model.dpop_steps == []
    panels.token._send.click()
    assert panels.state.tokens is not None and panels.state.tokens.token_type == "Bearer"
    assert panels.token.model.sent_proof == ""
    assert "DPoP" not in panels.transcript.model.text
