from urllib.parse import parse_qsl

import httpx
import pytest

from codegrant_kit.client import Browser, BrowserError, parse_forms, read_page

# Shaped like WSO2 Identity Server's authenticationendpoint pages.
WSO2_LOGIN = """<!DOCTYPE html><html><head><title>WSO2 Identity Server</title></head><body>
<div class="ui visible negative message" id="error-msg">Login failed! Please recheck the
 username and password and try again.</div>
<form action="../commonauth" method="post" id="loginForm">
  <input id="usernameUserInput" type="text" name="usernameUserInput" autocomplete="off">
  <input id="username" name="username" type="hidden">
  <input id="password" name="password" type="password" value="" autocomplete="off">
  <input type="hidden" name="sessionDataKey" value='83b42b1e-8c0b-4d7d&amp;x'>
  <input type="checkbox" id="chkRemember" name="chkRemember">
  <input type="file" name="ignored">
  <input type="text" name="disabled" value="x" disabled>
  <button type="submit" class="ui primary button">Continue</button>
</form></body></html>"""

# The buttons run WSO2's script, which sets the hidden consent field and submits.
WSO2_CONSENT = """<html><head><script type="text/javascript">
    function approved() {
        document.getElementById('consent').value = "approve";
        document.getElementById("profile").submit();
    }
    function approvedAlways() {
        document.getElementById('consent').value = "approveAlways";
        document.getElementById("profile").submit();
    }
</script></head><body><main>
<h4>Photo printer requests access to your profile information</h4>
<form action="../oauth2/authorize" method="post" id="profile" name="oauth2_authz">
  <input type="hidden" name="sessionDataKeyConsent" value="c0ffee">
  <input type="hidden" name="consent" id="consent" value="deny">
  <input type="button" id="approve" onclick="approved(); return false;" value="Approve Once">
  <input type="button" id="approveAlways" onclick="approvedAlways(); return false;"
   value="Approve Always">
  <input type="reset" value="Clear">
</form></main><footer>WSO2 Inc.</footer></body></html>"""

SELECT_CONSENT = """<form method="POST" action="https://as.example/consent">
<select name="consent"><option value="deny">No</option>
<option value="approve" selected>Yes, once</option><option>approveAlways</option></select>
<textarea name="note">hello &amp; bye</textarea>
<input type="submit" value="Send">
</form>"""


def response(status=200, *, html=None, url="https://as.example/page", method="GET", **kwargs):
    request = httpx.Request(method, url)
    if html is not None:
        return httpx.Response(status, html=html, request=request, **kwargs)
    return httpx.Response(status, request=request, **kwargs)


def test_login_form_of_a_wso2_page():
    [form] = parse_forms(WSO2_LOGIN, "https://localhost:9443/authenticationendpoint/login.do?x=1")
    assert form.action == "https://localhost:9443/commonauth"
    assert form.method == "POST"
    assert form.has_password
    assert form.hidden == {"username": "", "sessionDataKey": "83b42b1e-8c0b-4d7d&x"}
    assert [button.label for button in form.buttons] == ["Continue"]
    entries = form.entries({"username": "admin", "password": "admin"}, form.buttons[0])
    # Unchecked boxes, files, disabled controls and unnamed buttons are not sent.
    assert entries == [
        ("usernameUserInput", ""),
        ("username", "admin"),
        ("password", "admin"),
        ("sessionDataKey", "83b42b1e-8c0b-4d7d&x"),
    ]


def test_unknown_fields_are_refused():
    [form] = parse_forms(WSO2_LOGIN, "https://as.example/")
    with pytest.raises(BrowserError, match="no field named 'pin'"):
        form.entries({"pin": "1234"})


def test_a_form_without_action_posts_to_its_page_and_get_is_the_default_method():
    [form] = parse_forms("<form><input name=q></form>", "https://as.example/a?b=c#frag")
    assert (form.action, form.method) == ("https://as.example/a?b=c#frag", "GET")
    [form] = parse_forms("<form action='/x#top'></form>", "https://as.example/a")
    assert form.action == "https://as.example/x"


def test_select_and_textarea_values():
    [form] = parse_forms(SELECT_CONSENT, "https://as.example/")
    [select] = form.named("consent")
    assert select.options == ["deny", "approve", "approveAlways"]
    assert select.value == "approve"
    assert form.named("note")[0].value == "hello & bye"
    assert form.entries() == [("consent", "approve"), ("note", "hello & bye")]


def test_read_page_kinds_and_messages():
    login = read_page(response(html=WSO2_LOGIN))
    assert (login.kind, login.title) == ("login", "WSO2 Identity Server")
    assert login.message.startswith("Login failed! Please recheck")
    retry = read_page(response(html=WSO2_LOGIN), after_login=True)
    assert retry.kind == "retry"
    assert retry.describe().startswith("Login failed (200 OK): Login failed! Please")

    consent = read_page(response(html=WSO2_CONSENT))
    assert consent.kind == "consent"
    # The text of <main>, without the footer; buttons are not words on the page.
    assert consent.message == "Photo printer requests access to your profile information"

    redirect = read_page(
        response(
            302, headers={"Location": "/cb?error=access_denied&state=s"}, url="https://c.example/x"
        )
    )
    assert redirect.kind == "redirect"
    assert redirect.location == "https://c.example/cb?error=access_denied&state=s"
    assert "The user clicked Deny" in redirect.message

    error = read_page(
        response(400, html="<main><h1>Error</h1><p class='alert'>Unknown client_id</p></main>")
    )
    assert (error.kind, error.message) == ("error page", "Unknown client_id")
    assert error.describe() == (
        "The server answered 400 Bad Request with an error page: Unknown client_id"
    )

    json_error = read_page(response(400, json={"error": "invalid_request"}))
    assert json_error.kind == "error page"
    assert json_error.message.startswith("invalid_request (RFC 6749 Section 5.2")

    other = read_page(response(html="<p>Hello <b>there</b>.</p>"))
    assert (other.kind, other.message) == ("other", "Hello there.")


def test_retry_without_a_message_still_says_what_happened():
    page = read_page(response(html="<form><input type=password name=p></form>"), after_login=True)
    assert page.message == "The login page came back: the username or password was not accepted."


def server(handler):
    seen = []

    def record(request):
        seen.append(request)
        return handler(request)

    return Browser(httpx.Client(transport=httpx.MockTransport(record))), seen


def test_wso2_consent_sets_the_hidden_consent_field():
    def handler(request):
        if request.method == "GET":
            return httpx.Response(200, html=WSO2_CONSENT)
        return httpx.Response(302, headers={"Location": "https://c.example/cb?code=x"})

    browser, seen = server(handler)
    browser.open("https://as.example/authenticationendpoint/oauth2_consent.do")
    page = browser.consent("approveAlways")
    assert page.kind == "redirect"
    assert seen[-1].url == "https://as.example/oauth2/authorize"
    assert seen[-1].headers["origin"] == "https://as.example"
    assert parse_qsl(seen[-1].content.decode()) == [
        ("sessionDataKeyConsent", "c0ffee"),
        ("consent", "approveAlways"),
    ]


def test_consent_with_a_select_and_an_unknown_choice():
    browser, seen = server(lambda request: httpx.Response(200, html=SELECT_CONSENT))
    browser.open("https://as.example/")
    with pytest.raises(
        BrowserError,
        match=r"offers 'No' \(consent=deny\), 'Yes, once' \(consent=approve\), 'approveAlways', ",
    ):
        browser.consent("maybe")
    browser.consent("deny")
    assert parse_qsl(seen[-1].content.decode()) == [("consent", "deny"), ("note", "hello & bye")]


def test_redirects_are_followed_hop_by_hop_until_the_client():
    def handler(request):
        path = request.url.path
        if path == "/authorize":
            return httpx.Response(302, headers={"Location": "/login.do?k=1"})
        if path == "/login.do" and request.method == "GET":
            return httpx.Response(
                200,
                html="<form method=post><input name=username>"
                "<input type=password name=password></form>",
            )
        if path == "/login.do":
            return httpx.Response(303, headers={"Location": "/consent.do"})
        if path == "/consent.do":
            return httpx.Response(307, headers={"Location": "https://c.example/cb?code=abc"})
        raise AssertionError(path)

    browser, seen = server(handler)
    browser.stop_at = "https://c.example/cb"
    page = browser.open("https://as.example/authorize?client_id=x")
    assert page.kind == "login"
    assert [(hop.status, hop.location) for hop in page.hops] == [
        (302, "https://as.example/login.do?k=1")
    ]
    page = browser.login("admin", "secret")
    assert page.kind == "redirect"
    assert page.location == "https://c.example/cb?code=abc"
    assert [hop.status for hop in page.hops] == [303]
    # 303 turns the POST into a GET; the client's URL itself is never fetched.
    assert [(r.method, r.url.path) for r in seen] == [
        ("GET", "/authorize"),
        ("GET", "/login.do"),
        ("POST", "/login.do"),
        ("GET", "/consent.do"),
    ]
    assert browser.history[-1] is page


def test_without_stop_at_no_redirect_is_followed_and_loops_are_cut():
    browser, seen = server(lambda request: httpx.Response(302, headers={"Location": "/again"}))
    page = browser.open("https://as.example/start")
    assert page.kind == "redirect"
    assert len(seen) == 1
    assert browser.follow().location == "https://as.example/again"
    browser.stop_at = "https://c.example/cb"
    with pytest.raises(BrowserError, match="More than 10 redirects"):
        browser.open("https://as.example/start")


def test_steps_out_of_place_are_explained():
    browser, _ = server(lambda request: httpx.Response(200, html="<p>Welcome</p>"))
    with pytest.raises(BrowserError, match="call open"):
        browser.login("a", "b")
    browser.open("https://as.example/")
    with pytest.raises(BrowserError, match="no login form on the current page \\(other\\)"):
        browser.login("a", "b")
    with pytest.raises(BrowserError, match="no consent form"):
        browser.consent()
    with pytest.raises(BrowserError, match="not a redirect"):
        browser.follow()


def test_a_dead_server_is_a_browser_error():
    def refuse(request):
        raise httpx.ConnectError("connection refused", request=request)

    browser, _ = server(refuse)
    with pytest.raises(BrowserError, match=r"Could not reach https://as\.example/"):
        browser.open("https://as.example/")


def test_a_browser_closes_only_the_client_it_made():
    own = Browser()
    own.close()
    assert own.http.is_closed
    given = httpx.Client()
    with Browser(given):
        pass
    assert not given.is_closed
    given.close()


# node-oidc-provider's consent page (devInteractions): no field named consent.
NODE_CONSENT = """<html><head><title>Authorize</title></head><body><div class="login-card">
<h1>Authorize</h1>
<form autocomplete="off" action="/interaction/u1d/confirm" method="post">
  <input type="hidden" name="prompt" value="consent"/>
  <button autofocus type="submit" class="login login-submit">Continue</button>
</form>
<div class="login-help"><a href="/interaction/u1d/abort">[ Cancel ]</a></div>
</div></body></html>"""


def test_a_consent_page_is_known_by_its_buttons_not_by_a_field_named_consent():
    def handler(request):
        if request.method == "GET" and request.url.path == "/interaction/u1d":
            return httpx.Response(200, html=NODE_CONSENT)
        return httpx.Response(303, headers={"Location": "https://c.example/cb?code=x"})

    browser, seen = server(handler)
    page = browser.open("https://as.example/interaction/u1d")
    assert page.kind == "consent"
    assert [(c.label, c.grants) for c in page.consent_choices] == [
        ("Continue", True),
        ("[ Cancel ]", False),
    ]
    assert browser.consent("approve").kind == "redirect"
    assert (seen[-1].method, seen[-1].url.path) == ("POST", "/interaction/u1d/confirm")
    assert parse_qsl(seen[-1].content.decode()) == [("prompt", "consent")]
    browser.open("https://as.example/interaction/u1d")
    browser.consent("deny")
    assert (seen[-1].method, str(seen[-1].url)) == (
        "GET",
        "https://as.example/interaction/u1d/abort",
    )


UNSURE = """<html><body><main><h1>One more step</h1><p>Pick an organisation.</p>
<form method="post" action="/pick"><input type="hidden" name="t" value="9">
<select name="org"><option>Acme</option></select><button>Next</button></form>
</main></body></html>"""


def test_a_page_the_kit_cannot_place_is_said_so_with_its_words_and_forms():
    page = read_page(response(html=UNSURE), after_login=True)
    assert page.kind == "other"
    said = page.describe()
    assert said.startswith("200 OK: the kit cannot tell what this page is")
    assert "'One more step Pick an organisation.'" in said
    assert "a form POST https://as.example/pick, hidden t=9, buttons ['Next']" in said
    browser, _ = server(lambda request: httpx.Response(200, html=UNSURE))
    browser.open("https://as.example/")
    with pytest.raises(BrowserError, match=r"cannot tell what this page is.*submit\(form"):
        browser.consent("approve")


def test_a_submit_button_s_formaction_and_formmethod_are_where_its_click_goes():
    [form] = parse_forms(
        "<form method=post action=/a><input type=hidden name=h value=1>"
        "<button name=go value=1 formaction=/b formmethod=get>Go</button></form>",
        "https://as.example/p",
    )
    [go] = form.buttons
    assert form.target(go) == ("GET", "https://as.example/b")
    assert form.target() == ("POST", "https://as.example/a")
    assert form.entries(button=go) == [("h", "1"), ("go", "1")]


def test_a_lone_surrogate_is_sent_as_a_browser_sends_it():
    [form] = parse_forms("<form><input type=hidden name=h value='a\ud800b'></form>", "https://a/")
    assert form.entries() == [("h", "a\ufffdb")]


def test_a_username_first_form_is_a_login_page_but_a_code_form_is_not():
    first = read_page(response(html="<form method=post><input name=username><button>Next</button>"))
    assert first.kind == "login" and first.describe().endswith("comes on the next page.")
    code = read_page(response(html="<form method=post><input name=user_code><button>Go</button>"))
    assert code.kind == "other"
