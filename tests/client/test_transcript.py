import json

import httpx
import pytest

from codegrant_kit.client import Endpoints, Transcript, mask_value, token_request

SEED_ID, SEED_SECRET = "IZsIi6HDbB5e8VKdZAnUi_fZ3f8a", "Gm0bJ6oWV8fC5OQLLlC6jslACW8a"
SEED_BASIC = "SVpzSWk2SERiQjVlOFZLZFpBblVpX2ZaM2Y4YTpHbTBiSjZvV1Y4ZkM1T1FMTGxDNmpzbEFDVzhh"
AUTHORIZE = (
    "https://server.example.com/authorize?response_type=code&client_id=wU62DjlyDBnq87GlBwplfqvmAbAa"
    "&scope=PRODUCTION&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb"
)
TOKEN_JSON = {"access_token": "2YotnFZFEjr1zCsicMWpAA", "token_type": "Bearer", "expires_in": 3600}


def seed_server(request: httpx.Request) -> httpx.Response:
    """The seed page's two answers, and a photo list for a bearer token."""
    if request.url.path == "/authorize":
        return httpx.Response(
            302, headers=[("Location", "https://client.example.com/cb?code=SplxlOBeZQQYbYS6WxSbIA")]
        )
    if request.url.path == "/token":
        return httpx.Response(
            200,
            content=json.dumps(TOKEN_JSON, indent=2).encode(),
            headers=[("Content-Type", "application/json"), ("Cache-Control", "no-store")],
        )
    return httpx.Response(200, json=[{"id": 1}])


@pytest.fixture
def seed_transcript():
    transcript = Transcript()
    transport = httpx.MockTransport(seed_server)
    with transcript.http_client("Browser", transport=transport) as browser:
        browser.get(AUTHORIZE)
    with transcript.http_client("Client", transport=transport) as client:
        client.send(
            token_request(
                "https://server.example.com/token",
                (SEED_ID, SEED_SECRET),
                code="SplxlOBeZQQYbYS6WxSbIA",
                redirect_uri="https://client.example.com/cb",
            )
        )
        client.get(
            "https://api.example.com/photos",
            headers={"Authorization": "Bearer 2YotnFZFEjr1zCsicMWpAA"},
        )
    return transcript


def test_raw_text_in_the_seed_pages_format(seed_transcript):
    authorize, token, _ = seed_transcript.exchanges
    assert authorize.raw_response(headers=["Location"]) == (
        "HTTP/1.1 302 Found\nLocation: https://client.example.com/cb?code=SplxlOBeZQQYbYS6WxSbIA"
    )
    assert token.raw_request(headers=["Host", "Authorization", "Content-Type"]) == (
        "POST /token HTTP/1.1\n"
        "Host: server.example.com\n"
        f"Authorization: Basic {SEED_BASIC}\n"
        "Content-Type: application/x-www-form-urlencoded\n"
        "\n"
        "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA"
        "&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb"
    )


def test_raw_text_shows_every_header_as_sent(seed_transcript):
    authorize, token, _ = seed_transcript.exchanges
    assert token.raw_request().splitlines()[:6] == [
        "POST /token HTTP/1.1",
        "Host: server.example.com",
        f"Authorization: Basic {SEED_BASIC}",
        "Content-Type: application/x-www-form-urlencoded",
        "Accept: application/json",
        "Content-Length: 108",
    ]
    assert authorize.raw_request().startswith(
        "GET /authorize?response_type=code&client_id=wU62DjlyDBnq87GlBwplfqvmAbAa"
        "&scope=PRODUCTION&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb HTTP/1.1\n"
        "Host: server.example.com\n"
    )
    assert "\n\n" not in authorize.raw_request()  # a GET has no body
    assert token.raw_response() == (
        "HTTP/1.1 200 OK\n"
        "Content-Type: application/json\n"
        "Cache-Control: no-store\n"
        f"Content-Length: {len(json.dumps(TOKEN_JSON, indent=2))}\n"
        "\n" + json.dumps(TOKEN_JSON, indent=2)
    )
    assert str(token) == token.raw_request() + "\n\n" + token.raw_response()
    assert token.elapsed is not None and token.elapsed >= 0


def test_masking_hides_credentials_but_keeps_the_shape(seed_transcript):
    authorize, token, api = seed_transcript.exchanges
    masked = token.raw_request(mask=True)
    assert SEED_BASIC not in masked
    assert "Authorization: Basic SVpz…" in masked
    assert masked.endswith(
        "grant_type=authorization_code&code=Splx…&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb"
    )
    assert '"access_token": "2Yot…"' in token.raw_response(mask=True)
    assert '"token_type": "Bearer"' in token.raw_response(mask=True)
    assert "Location: https://client.example.com/cb?code=Splx…" in authorize.raw_response(mask=True)
    assert "Authorization: Bearer 2Yot…" in api.raw_request(mask=True)
    assert "2YotnFZFEjr1zCsicMWpAA" not in seed_transcript.to_text(mask=True)
    assert "2YotnFZFEjr1zCsicMWpAA" in seed_transcript.to_text()


def test_field_names_as_sent_or_in_their_usual_capitalization():
    def lower_case_server(request):
        return httpx.Response(
            401, headers=[(b"www-authenticate", b"Bearer"), (b"cache-control", b"no-store")]
        )

    transcript = Transcript()
    with transcript.http_client(transport=httpx.MockTransport(lower_case_server)) as client:
        client.get("https://api.example/photos", headers={"x-trace-id": "1"})
    [exchange] = transcript.exchanges
    assert exchange.raw_response() == (
        "HTTP/1.1 401 Unauthorized\nWWW-Authenticate: Bearer\nCache-Control: no-store"
    )
    assert exchange.raw_response(as_sent=True).splitlines()[1] == "www-authenticate: Bearer"
    assert "X-Trace-Id: 1" in exchange.raw_request()
    assert "x-trace-id: 1" in exchange.raw_request(as_sent=True)


def test_mask_value_rules():
    assert mask_value("short") == "********"
    assert mask_value("longer-secret") == "long…"
    assert mask_value("a-very-long-password", name="password") == "********"


def test_mermaid_diagram_of_the_traffic(seed_transcript):
    seed_transcript.note("the browser brings the code to the client")
    assert seed_transcript.to_mermaid() == "\n".join(
        [
            "sequenceDiagram",
            "    participant B as Browser",
            "    participant C as Client",
            "    participant AS as Authorization Server",
            "    participant RS as Resource Server",
            "    B->>AS: GET /authorize",
            "    AS-->>B: 302 Found",
            "    C->>AS: POST /token",
            "    AS-->>C: 200 OK",
            "    C->>RS: GET /photos",
            "    RS-->>C: 200 OK",
            "    Note over B,C: the browser brings the code to the client",
        ]
    )
    detailed = seed_transcript.to_mermaid(detail=True)
    assert "B->>AS: GET /authorize (response_type, client_id, scope, redirect_uri)" in detailed
    assert "AS-->>B: 302 Found to /cb (code)" in detailed
    assert "C->>AS: POST /token (grant_type, code, redirect_uri)" in detailed
    assert "SplxlOBeZQQYbYS6WxSbIA" not in detailed
    assert seed_transcript.markdown().startswith("```mermaid\nsequenceDiagram\n")
    assert seed_transcript.markdown().endswith("\n```")


def test_participants_follow_the_endpoints_when_known(seed_transcript):
    seed_transcript.endpoints = Endpoints.manual(
        authorization_endpoint="https://server.example.com/authorize",
        token_endpoint="https://server.example.com/token",
    )
    _, token, api = seed_transcript.exchanges
    assert seed_transcript.participant(token) == "Authorization Server"
    assert seed_transcript.participant(api) == "Resource Server"
    seed_transcript.endpoints = Endpoints.manual(
        authorization_endpoint="https://server.example.com/authorize",
        token_endpoint="https://server.example.com/oauth2/token",
    )
    assert seed_transcript.participant(token) == "Resource Server"


def test_only_parties_that_took_part_are_drawn_and_labels_are_escaped():
    transcript = Transcript()
    with transcript.http_client(transport=httpx.MockTransport(seed_server)) as client:
        client.get("https://server.example.com/a;b#c")
    diagram = transcript.to_mermaid()
    assert "participant B as Browser" not in diagram
    assert "participant RS" not in diagram
    assert "C->>AS: GET /a#59;b" in diagram


def test_a_request_without_answer_is_kept():
    def refuse(request):
        raise httpx.ConnectError("refused", request=request)

    transcript = Transcript()
    with (
        transcript.http_client(transport=httpx.MockTransport(refuse)) as client,
        pytest.raises(httpx.ConnectError),
    ):
        client.post("https://server.example.com/token", data={"password": "pw"})
    [exchange] = transcript.exchanges
    assert exchange.response is None
    assert exchange.raw_response() == "(no response)"
    assert exchange.raw_request(mask=True).endswith("password=********")
    assert "Note over C,AS: no response" in transcript.to_mermaid()


def test_attach_keeps_the_clients_own_hooks_and_clear_empties():
    calls = []
    client = httpx.Client(
        transport=httpx.MockTransport(seed_server),
        event_hooks={"request": [lambda r: calls.append(r.url.path)]},
    )
    transcript = Transcript()
    transcript.attach(client, "Browser")
    client.get("https://server.example.com/x")
    client.close()
    assert calls == ["/x"]
    assert len(transcript) == 1
    assert [e.actor for e in transcript] == ["Browser"]
    assert transcript.last is transcript.exchanges[0]
    assert repr(transcript) == "<Transcript: 1 exchanges>"
    transcript.clear()
    assert len(transcript) == 0 and transcript.last is None


def test_recording_clients_do_not_follow_redirects():
    transcript = Transcript()
    with transcript.http_client(transport=httpx.MockTransport(seed_server)) as client:
        response = client.get(AUTHORIZE)
    assert response.status_code == 302
    assert len(transcript) == 1
