import subprocess
import sys

import codegrant_kit.client as client


def test_all_is_sorted_and_complete():
    assert client.__all__ == sorted(client.__all__)
    assert len(set(client.__all__)) == len(client.__all__)
    for name in client.__all__:
        assert hasattr(client, name), name


def test_importing_the_client_loads_no_server_module():
    # a learner pointing the client at Keycloak needs neither uvicorn nor Starlette
    code = (
        "import codegrant_kit.client, sys\n"
        "assert 'uvicorn' not in sys.modules and 'starlette' not in sys.modules\n"
        "print(sorted(m for m in sys.modules if m.startswith('codegrant_kit.')\n"
        "      and not m.startswith('codegrant_kit.client')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_split_modules_still_export_what_they_did():
    # browser.py and transcript.py were split in three and four; old imports stand
    from codegrant_kit.client import browser, transcript

    for name in ("CONSENT_LABELS", "Browser", "ConsentChoice", "Field", "Form", "Page"):
        assert hasattr(browser, name), name
    for name in ("PageKind", "PageText", "parse_forms", "read_page"):
        assert hasattr(browser, name), name
    for name in ("Exchange", "Note", "Transcript", "mask_value", "mask_pairs", "mask_json"):
        assert hasattr(transcript, name), name
    for name in ("mask_header", "canonical_name", "SECRET_FIELDS", "AUTHORIZATION_SERVER"):
        assert hasattr(transcript, name), name
    assert hasattr(transcript, "RESOURCE_SERVER")


def test_a_flow_closes_both_of_its_clients_on_leaving_the_with_block():
    endpoints = client.Endpoints.manual(
        authorization_endpoint="https://as.example/authorize",
        token_endpoint="https://as.example/token",
    )
    with client.Flow(endpoints) as flow:
        assert not flow.http.is_closed and not flow.browser.http.is_closed
    assert flow.http.is_closed and flow.browser.http.is_closed
