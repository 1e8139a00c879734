"""The login and consent pages: rendered once per context, the form's values put in after."""

from __future__ import annotations

from starlette.requests import Request

from codegrant_kit.server import pages

from .helpers import InProcess, authorize, sign_in, submit, the_form


def request(root_path: str = "") -> Request:
    return Request({"type": "http", "method": "GET", "headers": [], "root_path": root_path})


def test_a_kept_page_is_the_page_jinja_renders(server):
    context = {
        "client_name": "Import <Photos> & co",
        "username": "alice",
        "scopes": ("PRODUCTION", "photos:read"),
        "redirect_uri": "https://client.example.com/cb?a=1&b=2",
        "message": "",
    }
    form = {"session_data_key": "k" * 22, "csrf_token": "c" * 22}
    for root in ("", "/proxy/8000"):
        rendered = pages.render(request(root), server.config, "consent.html", **context, **form)
        direct = pages.ENV.get_template("consent.html").render(
            **context, **form, root=root, issuer=server.config.issuer, lab=()
        )
        assert rendered.body.decode() == direct


def test_each_page_gets_its_own_form_values(server):
    one, two = server.browser(), server.browser()
    forms = [the_form(authorize(b, server.client).text).hidden for b in (one, two, one)]
    keys = [form["sessionDataKey"] for form in forms]
    tokens = [form["csrf_token"] for form in forms]
    assert len(set(keys)) == 3 and len(set(tokens)) == 3
    assert all(server.store.get_pending(key) is not None for key in keys)


def test_a_client_name_cannot_spell_a_placeholder(server):
    name = "<cgk:csrf_token> <cgk:session_data_key>"
    client = server.add_client(client_name=name)
    browser = server.browser()
    page = authorize(browser, client)
    assert "&lt;cgk:csrf_token&gt; &lt;cgk:session_data_key&gt;" in page.text
    pending = server.store.get_pending(the_form(page.text).hidden["sessionDataKey"])
    assert pending is not None
    assert page.text.count(pending.csrf_token) == 1  # in its hidden input, nowhere else
    consent = sign_in(browser, page)
    assert consent.text.count(pending.csrf_token) == 1
    assert submit(browser, consent, consent="approve").status_code == 302


def test_a_retry_page_shows_what_was_typed(server):
    browser = server.browser()
    first = sign_in(browser, authorize(browser, server.client), "mallory", "x")
    second = sign_in(browser, first, "eve", "y")
    assert 'value="mallory"' in first.text and 'value="eve"' in second.text
    assert "mallory" not in second.text


def test_lab_servers_keep_their_banner():
    kit = InProcess.create(lab_switches=frozenset({"framing"}))
    try:
        page = authorize(kit.browser(), kit.client)
        assert "LAB SERVER" in page.text and "framing" in page.text
    finally:
        kit.close()
