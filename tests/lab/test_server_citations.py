"""RFC 9700 sections the server shows learners (banner, log, metadata, error messages).

RFC 9700's numbering: 2.4 is the Resource Owner Password Credentials Grant, 4.3
Credential Leakage via Browser History (4.3.2: access tokens in URLs), 4.13 TLS
Terminating Reverse Proxies. The tests below are the citations as they should read.
"""

from __future__ import annotations

import httpx

from codegrant_kit.lab import guess_client_secret
from codegrant_kit.server.lab import SWITCHES

from .conftest import LabFactory


def test_token_in_query_cites_access_tokens_in_urls() -> None:
    assert "RFC 9700 4.3.2" in SWITCHES["token_in_query"].source


def test_no_throttle_does_not_cite_tls_proxies() -> None:
    assert "9700 4.13" not in SWITCHES["no_throttle"].source


def test_consent_any_scope_cites_privilege_restriction() -> None:
    assert "RFC 9700 4.3" not in SWITCHES["consent_any_scope"].source


def test_the_other_switches_cite_sections_that_exist() -> None:
    assert "RFC 9700 4.16" in SWITCHES["framing"].source
    assert "4.8.2" in SWITCHES["pkce_downgrade"].source
    assert "RFC 9700 4.11.2" in SWITCHES["open_redirect"].source
    assert "RFC 9700 4.2.4" in SWITCHES["referrer_leak"].source


def test_token_in_url_error_cites_4_3_2(lab: LabFactory) -> None:
    server = lab()
    body = httpx.get(server.url + "/api/photos?access_token=x").json()
    assert "RFC 9700 4.3.2" in body["error_description"]


def test_client_lockout_message_cites_guessing(lab: LabFactory) -> None:
    said = str(guess_client_secret(lab()).evidence["server said"])
    assert "9700 4.13" not in said and "6749 10.10" in said
