"""TLS for the server: a local certificate authority made with trustme, or given files.

RFC 6749 1.6 and 3.1: the authorization server MUST require TLS for requests
that carry credentials. Without it the `Authorization: Basic` header of the
token request is only base64, which anyone on the path decodes. A classroom has
no public certificate, so `--tls` makes a small certificate authority (CA) and a
server certificate signed by it; learners trust the CA's file:

    ca.pem           the authority: give it to learners (verify="…/ca.pem")
    ca-key.pem       its private key: stays with the instructor
    server.pem       the server's certificate, for the names and addresses it is reached at
    server-key.pem   its private key

The CA is kept in its folder and reused at the next start, so learners trust it
once; the server certificate is made again at every start.
"""

from __future__ import annotations

import atexit
import datetime
import ipaddress
import os
import re
import shutil
import socket
import ssl
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

CA_FILE, CA_KEY_FILE = "ca.pem", "ca-key.pem"
CERT_FILE, KEY_FILE = "server.pem", "server-key.pem"
CERT_DAYS = 90  # the server certificate; a new one is made at every start anyway
WILDCARD_HOSTS = ("", "0.0.0.0", "::")  # noqa: S104 - names, not a bind
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"{_LABEL}(\.{_LABEL})*")


class TlsError(Exception):
    """The certificate or key cannot be used."""


@dataclass(frozen=True)
class TlsFiles:
    certfile: Path
    keyfile: Path
    ca: Path | None  # the authority learners trust; None when the files were given


def _write(path: Path, data: bytes, mode: int) -> None:
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as file:
        file.write(data)


def local_ca(directory: str | os.PathLike[str], hosts: Iterable[str]) -> TlsFiles:
    """A CA in `directory` (made on first use, then reused) and a certificate for `hosts`."""
    import trustme  # only a TLS server needs it

    folder = Path(directory).resolve()  # printed for learners: absolute
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    ca_file, ca_key = folder / CA_FILE, folder / CA_KEY_FILE
    if ca_file.exists() and ca_key.exists():
        try:
            ca = trustme.CA.from_pem(ca_file.read_bytes(), ca_key.read_bytes())
        except ValueError as exc:
            raise TlsError(f"The CA in {folder} cannot be read ({exc}); move it away.") from None
    else:
        ca = trustme.CA(
            organization_name="codegrant-kit",
            organization_unit_name=f"classroom CA on {socket.gethostname()}",
        )
        _write(ca_file, ca.cert_pem.bytes(), 0o644)
        _write(ca_key, ca.private_key_pem.bytes(), 0o600)
    now = datetime.datetime.now(datetime.timezone.utc)
    leaf = ca.issue_cert(*hosts, not_after=now + datetime.timedelta(days=CERT_DAYS))
    certfile, keyfile = folder / CERT_FILE, folder / KEY_FILE
    _write(certfile, b"".join(pem.bytes() for pem in leaf.cert_chain_pems), 0o644)
    _write(keyfile, leaf.private_key_pem.bytes(), 0o600)
    return TlsFiles(certfile, keyfile, ca_file)


def given(certfile: str | os.PathLike[str], keyfile: str | os.PathLike[str]) -> TlsFiles:
    """Certificate and key files given by hand, checked to load and to match."""
    files = TlsFiles(Path(certfile), Path(keyfile), None)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(files.certfile, files.keyfile)
    except (OSError, ssl.SSLError) as exc:
        raise TlsError(
            f"Cannot use certificate {files.certfile} with key {files.keyfile}: {exc}."
        ) from None
    return files


def temporary_directory() -> Path:
    """A folder for a CA that lives as long as this process (no --db, no --tls-dir)."""
    folder = Path(tempfile.mkdtemp(prefix="codegrant-kit-tls-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def tls_directory(tls_dir: str | os.PathLike[str] | None, db: object) -> Path:
    """Where the CA lives: the given folder, else next to the database, else a temporary one."""
    if tls_dir is not None:
        return Path(tls_dir)
    if isinstance(db, (str, os.PathLike)):
        path = Path(db)
        return path.parent / f"{path.stem}-tls"
    return temporary_directory()


def certificate_hosts(host: str, issuer: str) -> list[str]:
    """The names and addresses the certificate is for: loopback, the issuer's host, and
    for a server on every interface, this machine's name and addresses.
    """
    names = ["localhost", "127.0.0.1", "::1"]
    if host in WILDCARD_HOSTS:
        names += [socket.gethostname(), socket.getfqdn(), *_local_addresses()]
    else:
        names.append(host)
    issuer_host = urlsplit(issuer).hostname
    if issuer_host:
        names.append(issuer_host)
    usable = [name for name in names if _is_ip(name) or _HOSTNAME.fullmatch(name)]
    return list(dict.fromkeys(usable))


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _local_addresses() -> list[str]:
    addresses = []
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None):
            addresses.append(str(info[4][0]))
    except OSError:
        pass
    try:
        # the address of the default route: a UDP "connect" sends no packet
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1 (RFC 5737)
            addresses.append(probe.getsockname()[0])
    except OSError:
        pass
    return addresses


def trust_instructions(files: TlsFiles, issuer: str) -> str:
    """What to tell learners so that their clients trust this server."""
    if files.ca is None:
        return (
            f"TLS: serving {issuer} with the certificate {files.certfile}. Learners need the "
            "authority that signed it, unless a public one did:\n"
            f'  Flow.discover("{issuer}", verify="/path/to/that/ca.pem")'
        )
    ca = files.ca
    return "\n".join(
        [
            f"TLS: learners trust this server's certificate authority, {ca}",
            f'  in Python (codegrant_kit.client): Flow.discover("{issuer}", verify="{ca}")',
            f"  with curl: curl --cacert {ca} {issuer}/.well-known/oauth-authorization-server",
            "  in a browser: import ca.pem as a trusted authority, and remove it after the class",
            f"  keep {ca.with_name(CA_KEY_FILE)} to yourself: it can sign certificates.",
        ]
    )
