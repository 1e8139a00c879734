"""https with a local CA: trusted with its file, refused without it."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import httpx
import pytest
import trustme

from codegrant_kit.client import DiscoveryError, Flow, discover
from codegrant_kit.runner import BackgroundServer, start_server, stop_server

from .helpers import REDIRECT_URI, USERS, failed_start, serve, to_code


@pytest.fixture
def tls_server(tmp_path) -> Iterator[BackgroundServer]:
    server = start_server(users=USERS, password_hash="fast", tls=True, tls_dir=tmp_path / "tls")
    try:
        yield server
    finally:
        stop_server()


def test_a_whole_flow_over_tls_with_the_ca_file(tls_server, tmp_path):
    assert tls_server.url.startswith("https://127.0.0.1:")
    assert tls_server.ca_path == str(tmp_path / "tls" / "ca.pem")
    assert tls_server.verify == tls_server.ca_path
    api = f"{tls_server.url}/api/photos"
    with Flow.discover(tls_server.url, verify=tls_server.ca_path, api_url=api) as flow:
        assert flow.endpoints.token_endpoint == f"{tls_server.url}/token"
        flow.register("TLS importer", redirect_uri=REDIRECT_URI)
        to_code(flow, "ada")
        # the login cookie is only ever sent over TLS
        cookie = next(h for p in flow.browser.history for h in p.headers.get_list("set-cookie"))
        assert "; secure" in cookie.lower()
        # RFC 6265bis 4.1.3.2: no sibling domain or http page can plant it, and the
        # kit's own browser sends it back (the flow above got its code)
        assert cookie.startswith("__Host-cgk_browser=") and "; path=/;" in cookie.lower()
        assert flow.authorization_response.iss == tls_server.url  # iss: the https issuer
        assert flow.exchange_code().token_type == "Bearer"
        assert flow.call_api().json()["user"] == "ada"


def test_https_tells_the_browser_to_stay_on_https_and_plain_http_does_not(tls_server):
    # RFC 6797 6.1: Strict-Transport-Security, on https only (7.2)
    trusting = ssl.create_default_context(cafile=tls_server.ca_path)
    for path in ("/", "/.well-known/oauth-authorization-server", "/authorize"):
        response = httpx.get(tls_server.url + path, verify=trusting, timeout=5)
        assert response.headers["strict-transport-security"] == "max-age=86400", path
    with start_server(users=USERS, password_hash="fast") as plain:
        assert "strict-transport-security" not in httpx.get(plain.url + "/").headers


def test_a_client_that_does_not_trust_the_ca_is_refused(tls_server):
    with pytest.raises(DiscoveryError, match="CERTIFICATE_VERIFY_FAILED"):
        discover(tls_server.url)  # the usual CAs (certifi) do not know a classroom CA
    other_ca = trustme.CA()
    context = ssl.create_default_context()
    other_ca.configure_trust(context)
    with pytest.raises(DiscoveryError, match="CERTIFICATE_VERIFY_FAILED"):
        discover(tls_server.url, verify=context)
    with pytest.raises(httpx.RemoteProtocolError):  # plain http to the TLS port
        httpx.get(tls_server.url.replace("https:", "http:") + "/", timeout=5)


def test_the_ca_is_kept_and_reused_so_learners_trust_it_once(tmp_path):
    folder = tmp_path / "tls"
    with start_server(users=USERS, password_hash="fast", tls=True, tls_dir=folder) as first:
        ca = (folder / "ca.pem").read_bytes()
        certificate = (folder / "server.pem").read_bytes()
        port = int(first.url.rsplit(":", 1)[1])
    stop_server()
    with start_server(
        users=USERS, password_hash="fast", tls=True, tls_dir=folder, port=port
    ) as again:
        assert (folder / "ca.pem").read_bytes() == ca
        assert (folder / "server.pem").read_bytes() != certificate  # a new one each start
        assert discover(again.url, verify=str(folder / "ca.pem")).issuer == again.url
    stop_server()
    assert (folder / "ca-key.pem").stat().st_mode & 0o777 == 0o600
    assert (folder / "server-key.pem").stat().st_mode & 0o777 == 0o600


def test_serve_tls_prints_how_learners_trust_it(tmp_path):
    db = tmp_path / "class.db"
    with serve("--port", "0", "--tls", "--db", str(db), "--password-hash", "fast") as served:
        assert served.issuer.startswith("https://127.0.0.1:")
        ca = tmp_path / "class-tls" / "ca.pem"  # next to the database
        text = "".join(served.more_lines(3))
        assert f"trust this server's certificate authority, {ca}" in text
        assert f'Flow.discover("{served.issuer}", verify="{ca}")' in text
        assert f"curl --cacert {ca} {served.issuer}" in text
        assert discover(served.issuer, verify=str(ca)).issuer == served.issuer


def test_serve_takes_a_given_certificate_and_key(tmp_path):
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1")
    cert, key, ca_file = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    ca.cert_pem.write_to_path(str(ca_file))
    with serve("--port", "0", "--cert", str(cert), "--key", str(key)) as served:
        assert served.issuer.startswith("https://")
        assert "with the certificate" in served.more_lines(1)[-1]
        assert discover(served.issuer, verify=str(ca_file)).issuer == served.issuer
    # a key that is not the certificate's: a clear error, no traceback
    other = trustme.CA().issue_cert("127.0.0.1")
    other.private_key_pem.write_to_path(str(key))
    done = failed_start("--port", "0", "--cert", str(cert), "--key", str(key))
    assert done.returncode == 1
    assert f"Cannot use certificate {cert} with key {key}" in done.stderr
    assert "Traceback" not in done.stderr
    done = failed_start("--port", "0", "--cert", str(cert))
    assert done.returncode == 1 and "both a certificate and its key" in done.stderr
