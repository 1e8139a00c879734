"""The kit's single-page app in Chromium: a public client with PKCE, resource= and CORS."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from codegrant_kit.runner import BackgroundServer

from .conftest import USERS, ClientSite, start

# a page's fetch to the token endpoint from another origin: what the page can read
FETCH_TOKEN = """async ([url, clientId]) => {
  try {
    const answer = await fetch(url, {method: "POST", body: new URLSearchParams(
      {grant_type: "authorization_code", code: "stolen", client_id: clientId})});
    return `read ${answer.status} ${(await answer.json()).error}`;
  } catch (error) {
    return `blocked ${error.name}`;
  }
}"""


def test_the_spa_runs_the_flow_and_keeps_its_tokens_in_memory(server, page: Page, screenshot):
    page.goto(server.url + "/spa/")
    expect(page.locator("#where")).to_contain_text("in a JavaScript variable of this page")
    page.get_by_role("button", name="Sign in and import photos").click()
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(USERS["alice"])
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("button", name="Approve Once").click()
    photos = page.locator("#photos")
    expect(photos).to_contain_text('"user": "alice"')
    steps = page.locator("#steps")
    expect(steps).to_contain_text("resource_metadata=")  # found from the API's 401
    expect(steps).to_contain_text("client_secret none")  # a public client
    expect(steps).to_contain_text("POST /token with fetch (CORS, this origin): 200")
    # the code left the address bar; the tokens are in memory, in no storage
    assert page.url == server.url + "/spa/"
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    assert page.evaluate("window.codegrantSpa.hasTokens()") is True
    expect(page.locator("#storage")).to_contain_text("tokens in memory: yes")
    screenshot(page, "spa")
    # a reload forgets them
    page.reload()
    assert page.evaluate("window.codegrantSpa.hasTokens()") is False


def public_client(server: BackgroundServer, redirect_uri: str) -> str:
    client = server.app.state.store.add_client(
        redirect_uris=[redirect_uri], token_endpoint_auth_method="none"
    )
    return client.client_id


def test_cors_lets_only_the_clients_own_origin_read_the_token_endpoint(
    server, site: ClientSite, page: Page
):
    site.pages["/app"] = "<!doctype html><title>app</title>"
    own = public_client(server, site.callback)
    other = public_client(server, "https://app.example/cb")
    page.goto(site.url + "/app")  # another origin than the server's
    token = server.url + "/token"
    assert page.evaluate(FETCH_TOKEN, [token, own]) == "read 400 invalid_grant"
    # the same page, for a client that registered another origin: the browser blocks it
    assert page.evaluate(FETCH_TOKEN, [token, other]) == "blocked TypeError"


@pytest.fixture
def open_cors(site: ClientSite) -> Iterator[BackgroundServer]:
    with start(site, lab_switches=["cors_any_origin"]) as server:
        yield server


def test_with_the_lab_switch_any_origin_reads_it(open_cors, site: ClientSite, page: Page):
    site.pages["/evil"] = "<!doctype html><title>evil</title>"
    other = public_client(open_cors, "https://app.example/cb")
    page.goto(site.url + "/evil")
    assert page.evaluate(FETCH_TOKEN, [open_cors.url + "/token", other]) == (
        "read 400 invalid_grant"
    )
