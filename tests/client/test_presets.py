"""The presets' behaviour data is the products' own: each preset's consent answers are
the ones its page fixture (page_fixtures/, from the product's template) offers, and
each posts what the preset says."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from codegrant_kit.client import Preset, read_page
from codegrant_kit.client.presets import keycloak, wso2_api_manager, wso2_identity_server

PAGES = Path(__file__).parent / "page_fixtures"


@pytest.mark.parametrize(
    ("preset", "fixture"),
    [
        (wso2_identity_server(), "wso2_is7_consent.html"),
        (wso2_api_manager(), "wso2_apim3_consent.html"),
        (keycloak("http://localhost:8080", "demo"), "keycloak26_consent.html"),
    ],
    ids=["wso2_is7", "wso2_apim3", "keycloak26"],
)
def test_the_consent_answers_are_those_of_the_product_s_page(preset: Preset, fixture: str):
    request = httpx.Request("GET", preset.endpoints.authorization_endpoint)
    page = read_page(httpx.Response(200, html=(PAGES / fixture).read_text(), request=request))
    assert [choice.label for choice in page.consent_choices] == preset.consent_labels
    for choice, answer in zip(page.consent_choices, preset.consent, strict=True):
        assert choice.grants is answer.grants
        entries = [f"{name}={value}" for name, value in choice.request()[2]]
        assert answer.posts in entries, (answer, entries)


def test_what_a_learner_sees_differently_is_data_not_only_a_note():
    is7, apim, kc = wso2_identity_server(), wso2_api_manager(), keycloak("http://kc", "r")
    # IS 7: Allow is remembered (approveAlways); there is no Approve Once
    assert [a.remembered for a in is7.consent] == [True, False]
    assert "Approve Once" not in is7.consent_labels
    assert apim.consent_labels == ["Approve Once", "Approve Always", "Deny"]
    # PKCE is a per-application setting on all three, off for a new application
    assert not any(p.pkce_required for p in (is7, apim, kc))
    # refresh tokens: renewed on API Manager, not on IS 7 unless "Renew refresh token"
    assert (apim.refresh_rotated, is7.refresh_rotated, kc.refresh_rotated) == (True, False, False)
    assert "Renew refresh token" in is7.refresh and "Revoke Refresh Token" in kc.refresh
    rows = dict(is7.differences())
    assert list(rows) == ["consent", "PKCE", "refresh token"]
    assert rows["consent"].startswith("Allow (posts consent=approveAlways, remembered), Deny")
    assert rows["PKCE"].startswith("optional by default: per application")
    assert rows["refresh token"].startswith("not rotated by default")
    assert (is7.scope, apim.scope, kc.scope) == ("openid", "PRODUCTION", "openid profile")
