from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codegrant_kit.server.resource import looks_like_id_token

from .helpers import get_code, photos, redeem, token_request, tokens


def assert_invalid_token(response):
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'error="invalid_token"' in challenge
    assert response.json()["error"] == "invalid_token"


def test_good_token_lists_the_owners_photos(server, browser):
    issued = tokens(browser, server.client)
    response = photos(browser, issued["access_token"])
    assert response.status_code == 200
    body = response.json()
    assert body["user"] == "alice"
    assert len(body["photos"]) >= 1
    assert all(photo["owner"] == "alice" for photo in body["photos"])


def test_photos_belong_to_the_tokens_owner(server, browser):
    code = get_code(browser, server.client, username="bob")
    issued = redeem(browser, server.client, code).json()
    assert photos(browser, issued["access_token"]).json()["user"] == "bob"


def test_no_token(browser):
    assert_invalid_token(browser.get("/api/photos"))


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer ", "Bearer not-a-token", "Basic YTpi", "bearer", "Token abc"]
)
def test_bad_token(browser, header):
    assert_invalid_token(browser.get("/api/photos", headers={"Authorization": header}))


def test_scheme_is_case_insensitive(server, browser):
    issued = tokens(browser, server.client)
    headers = {"Authorization": "bearer " + issued["access_token"]}
    assert browser.get("/api/photos", headers=headers).status_code == 200


def test_refresh_token_is_not_an_access_token(server, browser):
    issued = tokens(browser, server.client)
    assert_invalid_token(photos(browser, issued["refresh_token"]))


def test_expired_token(server, browser):
    issued = tokens(browser, server.client)
    server.clock.advance(3599)
    assert photos(browser, issued["access_token"]).status_code == 200
    server.clock.advance(1)
    assert_invalid_token(photos(browser, issued["access_token"]))


def test_revoked_token(server, browser):
    issued = tokens(browser, server.client)
    token_request(browser, server.client, {"token": issued["access_token"]}, path="/revoke")
    assert_invalid_token(photos(browser, issued["access_token"]))


def test_token_in_the_url_is_refused(server, browser):
    issued = tokens(browser, server.client)
    response = browser.get("/api/photos", params={"access_token": issued["access_token"]})
    assert response.status_code == 400
    assert 'error="invalid_request"' in response.headers["www-authenticate"]
    assert "photos" not in response.json()
    # even alongside a good header
    response = browser.get(
        "/api/photos",
        params={"access_token": issued["access_token"]},
        headers={"Authorization": "Bearer " + issued["access_token"]},
    )
    assert response.status_code == 400


def test_challenge_is_a_valid_header(browser):
    # quotes in the description would break the auth-param syntax (RFC 6750 3)
    challenge = browser.get("/api/photos").headers["www-authenticate"]
    assert challenge.count('"') % 2 == 0
    assert 'realm="' in challenge


def test_every_answer_is_not_stored(server, browser):
    # RFC 6750 5.3 / RFC 6749 5.1: the photos and the errors stay out of caches
    issued = tokens(browser, server.client)
    answers = [
        photos(browser, issued["access_token"]),
        browser.get("/api/photos"),
        browser.get("/api/photos", params={"access_token": "x"}),
    ]
    assert [a.status_code for a in answers] == [200, 401, 400]
    for answer in answers:
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["pragma"] == "no-cache"


@given(st.text(max_size=300) | st.builds(lambda h: h + ".e30.sig", st.text(max_size=200)))
def test_telling_an_id_token_apart_never_raises(value):
    assert looks_like_id_token(value) in (True, False)


def test_a_jwt_access_token_header_is_not_an_id_tokens():
    # RFC 9068 2.1: typ at+jwt
    assert not looks_like_id_token("eyJ0eXAiOiJhdCtqd3QifQ.e30.c2ln")
    assert looks_like_id_token("eyJ0eXAiOiJKV1QifQ.e30.c2ln")


@pytest.mark.parametrize("after", [b"\xa0", b"\x85", b"\x1c", b"\x0b"])
def test_a_token_followed_by_unicode_white_space_is_not_that_token(server, browser, after):
    # RFC 9110 5.5: only spaces and tabs around a field value are not part of it; header
    # bytes read as Latin-1 make 0xA0 a no-break space, which str.strip() would drop
    issued = tokens(browser, server.client)
    headers = {"Authorization": b"Bearer " + issued["access_token"].encode() + after}
    assert_invalid_token(browser.get("/api/photos", headers=headers))


def test_spaces_and_tabs_around_the_token_are_not_part_of_it(server, browser):
    issued = tokens(browser, server.client)
    headers = {"Authorization": "Bearer \t" + issued["access_token"] + " \t"}
    assert browser.get("/api/photos", headers=headers).status_code == 200
