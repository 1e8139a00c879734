"""Self-signed TLS, as on a lab WSO2 server: trusted by giving the CA file, refused otherwise."""

import datetime
import ipaddress
import ssl

import pytest
from conftest import REDIRECT_URI
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from independent_server import IndependentServer

from codegrant_kit.client import DiscoveryError, Flow, discover


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, and the same file as the CA to trust."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "codegrant-kit lab")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture(scope="module")
def tls_server(certificate):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    with IndependentServer(tls=context) as server:
        yield server


def test_an_untrusted_certificate_is_refused(tls_server):
    assert tls_server.issuer.startswith("https://")
    with pytest.raises(DiscoveryError, match="CERTIFICATE_VERIFY_FAILED"):
        discover(tls_server.issuer)


def test_the_whole_flow_over_tls_with_the_ca_file(tls_server, certificate):
    ca_file = certificate[0]
    assert discover(tls_server.issuer, verify=str(ca_file)).issuer == tls_server.issuer
    with Flow.discover(
        tls_server.issuer, verify=ca_file, api_url=tls_server.api_url, scope="photos"
    ) as flow:
        flow.register("TLS app", redirect_uri=REDIRECT_URI)
        flow.authorize()
        flow.open_authorization_page()
        flow.login("alice", "wonderland")
        flow.consent("approve")
        flow.receive_redirect()
        assert flow.exchange_code().scope == "photos"
        assert flow.call_api().status_code == 200
