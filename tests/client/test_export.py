"""The transcript's exports: HAR 1.2 read back by haralyzer, a curl script run by curl."""

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime

import pytest
from conftest import REDIRECT_URI
from haralyzer import HarParser
from test_transcript import SEED_BASIC, SEED_SECRET, seed_transcript  # noqa: F401

from codegrant_kit.client import Flow, har_text, mermaid_source, to_curl, to_har
from codegrant_kit.runner import BackgroundServer, start_server

SECRETS = ("SplxlOBeZQQYbYS6WxSbIA", "2YotnFZFEjr1zCsicMWpAA", SEED_SECRET, SEED_BASIC)

# HAR 1.2 (W3C draft "HTTP Archive (HAR) format"): the fields it marks required.
REQUIRED = {
    "log": {"version", "creator", "entries"},
    "creator": {"name", "version"},
    "page": {"startedDateTime", "id", "title", "pageTimings"},
    "entry": {"startedDateTime", "time", "request", "response", "cache", "timings"},
    "request": {
        "method", "url", "httpVersion", "cookies", "headers", "queryString",
        "headersSize", "bodySize",
    },
    "response": {
        "status", "statusText", "httpVersion", "cookies", "headers", "content",
        "redirectURL", "headersSize", "bodySize",
    },
    "content": {"size", "mimeType"},
    "timings": {"send", "wait", "receive"},
    "pair": {"name", "value"},
}  # fmt: skip


def missing(kind, obj):
    return REQUIRED[kind] - set(obj)


def check_har_1_2(har):
    """Every required field of HAR 1.2 present, with the type and range it asks for."""
    log = har["log"]
    assert not missing("log", log) and log["version"] == "1.2"
    assert not missing("creator", log["creator"])
    for page in log.get("pages", []):
        assert not missing("page", page)
        datetime.fromisoformat(page["startedDateTime"])
    page_ids = {page["id"] for page in log.get("pages", [])}
    for entry in log["entries"]:
        assert not missing("entry", entry), missing("entry", entry)
        assert entry.get("pageref", next(iter(page_ids), None)) in page_ids
        assert datetime.fromisoformat(entry["startedDateTime"]).tzinfo is not None
        request, response = entry["request"], entry["response"]
        assert not missing("request", request), missing("request", request)
        assert not missing("response", response), missing("response", response)
        for pair in request["headers"] + request["queryString"] + request["cookies"]:
            assert not missing("pair", pair) and isinstance(pair["value"], str)
        for pair in response["headers"] + response["cookies"]:
            assert not missing("pair", pair)
        if "postData" in request:
            assert "mimeType" in request["postData"]
            assert "text" in request["postData"] or "params" in request["postData"]
        assert not missing("content", response["content"])
        assert isinstance(response["status"], int) and isinstance(response["redirectURL"], str)
        timings = entry["timings"]
        assert not missing("timings", timings)
        assert all(timings[name] >= 0 for name in ("send", "wait", "receive"))
        counted = sum(value for value in timings.values() if value != -1)
        assert entry["time"] == pytest.approx(counted)


def test_the_seed_transcript_is_valid_har_1_2_and_haralyzer_reads_it(seed_transcript):  # noqa: F811
    har = to_har(seed_transcript, reveal=True)
    check_har_1_2(har)
    parser = HarParser.from_string(har_text(seed_transcript, reveal=True))
    assert parser.version == "1.2" and parser.creator["name"] == "codegrant-kit"
    (page,) = parser.pages
    authorize, token, photos = page.entries
    assert authorize.request.method == "GET" and authorize.status == 302
    assert authorize.response.redirectURL.endswith("cb?code=SplxlOBeZQQYbYS6WxSbIA")
    assert {"name": "client_id", "value": "wU62DjlyDBnq87GlBwplfqvmAbAa"} in (
        authorize.request.queryString
    )
    assert token.request.get_header_value("Authorization") == f"Basic {SEED_BASIC}"
    assert token.request.mimeType == "application/x-www-form-urlencoded"
    assert token.request.text.startswith("grant_type=authorization_code&code=Splxl")
    assert token.response.mimeType == "application/json"
    assert json.loads(token.response.text)["access_token"] == "2YotnFZFEjr1zCsicMWpAA"
    assert token.response.cacheControl == "no-store"
    assert photos.url == "https://api.example.com/photos" and photos.status == 200
    assert [entry["comment"] for entry in har["log"]["entries"]] == ["Browser", "Client", "Client"]
    assert page.get_requests == [authorize, photos] and page.post_requests == [token]


def test_the_har_masks_credentials_unless_asked(seed_transcript):  # noqa: F811
    masked = har_text(seed_transcript)
    for secret in SECRETS:
        assert secret not in masked
    check_har_1_2(json.loads(masked))
    (page,) = HarParser.from_string(masked).pages
    token = page.entries[1]
    assert token.request.get_header_value("Authorization") == "Basic SVpz…"
    assert {"name": "code", "value": "Splx…"} in token.request["postData"]["params"]
    assert json.loads(token.response.text)["access_token"] == "2Yot…"
    revealed = har_text(seed_transcript, reveal=True)
    assert all(secret in revealed for secret in SECRETS if secret != SEED_SECRET)  # in Basic


def test_the_curl_script_lists_the_browser_and_masks_by_default(seed_transcript):  # noqa: F811
    script = to_curl(seed_transcript)
    assert script.startswith("#!/bin/sh\n") and "\nset -eu\n" in script
    assert "CANNOT replay" in script
    browser = "# browser, front channel, not replayed: GET https://server.example.com/authorize\n"
    assert browser in script
    assert script.count("\ncurl ") == 2  # the token request and the API call
    assert "--header 'Authorization: Basic SVpz…'" in script
    assert "--data-raw 'grant_type=authorization_code&code=Splx…&redirect_uri=" in script
    for secret in SECRETS:
        assert secret not in script
    revealed = to_curl(seed_transcript, reveal=True)
    assert "CANNOT" not in revealed and f"--header 'Authorization: Basic {SEED_BASIC}'" in revealed
    assert "Content-Length" not in revealed  # curl counts the body it sends itself


def test_the_mermaid_source_is_the_diagram(seed_transcript):  # noqa: F811
    source = mermaid_source(seed_transcript)
    assert source == seed_transcript.to_mermaid(detail=True)
    assert "    C->>AS: POST /token (grant_type, code, redirect_uri)" in source


# --- the curl script run by real curl against the kit's server ------------------------


def curl_or_skip():
    found = shutil.which("curl")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("curl is missing: CI must install it (apt-get install curl)")
        pytest.skip("curl is not installed: the replay test needs the real curl")
    return found


@pytest.fixture(scope="module")
def kit() -> Iterator[BackgroundServer]:
    with start_server(users={"admin": "admin"}, password_hash="fast") as server:
        yield server


@pytest.fixture
def flow(kit):
    with Flow.discover(kit.url, api_url=f"{kit.url}/api/photos", scope="PRODUCTION") as flow:
        flow.register("Replay", redirect_uri=REDIRECT_URI)
        flow.authorize()
        flow.open_authorization_page()
        flow.login("admin", "admin")
        flow.consent("approve")
        flow.receive_redirect()
        flow.exchange_code()
        yield flow


def run(script, tmp_path, *args):
    curl_or_skip()
    path = tmp_path / "replay.sh"
    path.write_text(script, encoding="utf-8")
    done = subprocess.run(
        ["bash", str(path), *args], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    # one section per request: "### n. METHOD /path", then curl --include's output
    sections = re.split(r"^### \d+\. ", done.stdout, flags=re.MULTILINE)[1:]
    answers = []
    for section in sections:
        title, _, rest = section.partition("\n")
        head, _, body = rest.strip().partition("\n\n")  # text mode: CRLF read as LF
        status = int(head.split()[1])
        answers.append((title, status, body.strip()))
    return answers


def test_a_fresh_api_call_and_introspection_replay_with_curl(flow, tmp_path):
    start = len(flow.transcript.entries)
    photos = flow.call_api()
    assert flow.introspect().active
    fresh = flow.transcript.entries[start:]
    answers = run(to_curl(fresh, reveal=True), tmp_path)
    assert [(title, status) for title, status, _ in answers] == [
        ("GET /api/photos", 200),
        ("POST /introspect", 200),
    ]
    assert json.loads(answers[0][2]) == photos.json()
    introspection = json.loads(answers[1][2])
    assert introspection["active"] is True and introspection["username"] == "admin"
    assert introspection["client_id"] == flow.application.client_id


def test_the_whole_flow_replayed_meets_the_single_use_code(flow, tmp_path):
    answers = run(to_curl(flow.transcript, reveal=True), tmp_path)
    statuses = dict((title, status) for title, status, _ in answers)
    assert statuses["GET /.well-known/oauth-authorization-server"] == 200
    # RFC 6749 Section 4.1.2: the code was used once already
    body = next(body for title, _, body in answers if title == "POST /token")
    assert statuses["POST /token"] == 400 and json.loads(body)["error"] == "invalid_grant"


def test_a_masked_script_cannot_replay(flow, tmp_path):
    start = len(flow.transcript.entries)
    flow.call_api()
    answers = run(to_curl(flow.transcript.entries[start:]), tmp_path)
    assert [(title, status) for title, status, _ in answers] == [("GET /api/photos", 401)]
