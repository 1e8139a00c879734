"""The client's callback page on the kernel's server: what it shows, keeps and hands back."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from codegrant_kit.server.client_callback import ENV, MAX_QUERY, PER_STATE, ReceivedRedirects

from .helpers import authorize, sign_in, submit

CALLBACK = "/client/callback"
RECEIVED = "/client/callback/received"


def test_the_page_shows_code_state_and_iss_and_sends_the_learner_back(browser):
    page = browser.get(CALLBACK, params={"code": "c0de", "state": "st4te", "iss": "http://x"})
    assert page.status_code == 200
    for value in ("c0de", "st4te", "http://x", "Go back to the notebook"):
        assert value in page.text
    assert "client's redirection endpoint (RFC 6749 3.1.2)" in page.text


def test_the_page_is_never_cached_nor_leaks_the_code_through_referer(browser):
    page = browser.get(CALLBACK, params={"code": "c", "state": "s"})
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none'


# the server fixture only accumulates redirects, which are bounded: safe to share
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=st.text(st.sampled_from(list("<>&\"' /=scriptonerra\u2028")), min_size=1))
def test_what_arrived_is_shown_escaped_never_as_markup(browser, value):
    page = browser.get(CALLBACK, params={"code": value, "state": value, "iss": value})
    for name in ("code", "state", "iss"):
        assert f'<code id="{name}">{escape(value)}</code>' in page.text
    assert "<script" not in page.text.lower().replace("&lt;script", "")


def test_a_hostile_value_is_escaped_in_the_page():
    # the hypothesis test above need not draw this one, so it is spelled out
    html = ENV.get_template("client_callback.html").render(
        shown=[("code", "<script>alert(1)</script>")], has_state=True
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html


def test_the_received_endpoint_answers_only_for_the_state_asked(browser):
    browser.get(CALLBACK, params={"code": "mine", "state": "alice-state", "iss": "i"})
    browser.get(CALLBACK, params={"code": "theirs", "state": "bob-state", "iss": "i"})
    mine = browser.get(RECEIVED, params={"state": "alice-state"})
    assert mine.status_code == 200
    assert mine.headers["cache-control"] == "no-store"
    assert mine.json() == {"state": "alice-state", "queries": ["code=mine&state=alice-state&iss=i"]}
    assert "theirs" not in mine.text
    assert browser.get(RECEIVED, params={"state": "guess"}).json()["queries"] == []


def test_without_a_state_the_received_endpoint_answers_nothing(browser):
    browser.get(CALLBACK, params={"code": "c", "state": "s"})
    for params in ({}, {"state": ""}):
        answer = browser.get(RECEIVED, params=params)
        assert answer.status_code == 400
        assert answer.json()["error"] == "invalid_request"
        assert "code" not in answer.text.replace("error_description", "")


def test_a_redirect_without_state_is_shown_but_not_kept(server, browser):
    page = browser.get(CALLBACK, params={"code": "c"})
    assert "copy the address bar" in page.text
    assert len(server.app.state.received_redirects) == 0


def test_memory_stays_bounded_per_state_and_in_all():
    kept = ReceivedRedirects(per_state=3, states=4)
    for n in range(10):
        kept.add("s", f"code={n}")
    assert kept.for_state("s") == ["code=7", "code=8", "code=9"]
    for n in range(10):
        kept.add(f"other{n}", "code=x")
    assert len(kept) == 4 and kept.for_state("s") == []
    assert kept.for_state("other9") == ["code=x"]


def test_the_app_keeps_the_last_few_per_state(server, browser):
    for n in range(PER_STATE + 3):
        browser.get(CALLBACK, params={"code": str(n), "state": "s"})
    queries = browser.get(RECEIVED, params={"state": "s"}).json()["queries"]
    assert queries == [f"code={n}&state=s" for n in range(3, PER_STATE + 3)]


def test_other_methods_get_405(browser):
    answer = browser.post(CALLBACK, data={"code": "c"})
    assert answer.status_code == 405 and answer.headers["allow"] == "GET"


def test_the_servers_own_redirect_lands_on_the_page(server, browser):
    uri = "http://testserver/client/callback"
    client = server.add_client(redirect_uris=[uri])
    consent = sign_in(browser, authorize(browser, client, state="xyz"))
    redirect = submit(browser, consent, consent="approve")
    assert redirect.status_code == 302
    landed = browser.get(redirect.headers["location"])
    assert "xyz" in landed.text and "Go back to the notebook" in landed.text
    (query,) = browser.get(RECEIVED, params={"state": "xyz"}).json()["queries"]
    assert "code=" in query and "iss=" in query


def test_a_query_too_long_to_keep_is_shown_but_not_kept(server, browser):
    long_code = "c" * (MAX_QUERY + 1)
    page = browser.get(CALLBACK, params={"code": long_code, "state": "s"})
    assert long_code in page.text
    assert len(server.app.state.received_redirects) == 0
