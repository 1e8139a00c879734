"""Client authentication with a password: RFC 6749 Section 2.3.1, step by step.

The consumer key and consumer secret are first form-encoded (RFC 6749 Appendix B),
then joined by a colon, then base64-encoded, then sent as
``Authorization: Basic ...`` (RFC 7617 Section 2):

>>> steps = BasicAuthSteps("my app", "s3cr:t")
>>> steps.encoded_id, steps.encoded_secret
('my+app', 's3cr%3At')
>>> steps.joined
'my+app:s3cr%3At'
>>> steps.header_value
'Basic bXkrYXBwOnMzY3IlM0F0'

The RFC also allows the two in the request body (``client_secret_post``) but says it
is NOT RECOMMENDED: :func:`body_credentials`.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Protocol, Union
from urllib.parse import unquote_plus

from .explain import ParameterNote

# RFC 6749 Appendix B (the HTML form encoding): these bytes stay as they are.
_FORM_SAFE = frozenset(b"*-._0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


class HasCredentials(Protocol):
    """Anything with a consumer key and secret, such as a registered Application."""

    @property
    def client_id(self) -> str: ...

    @property
    def client_secret(self) -> str | None: ...


Credentials = Union[HasCredentials, "tuple[str, str]", "tuple[str, None]"]


def credentials_of(client: Credentials) -> tuple[str, str | None]:
    """``(client_id, client_secret)`` from an Application or a plain pair."""
    if isinstance(client, tuple):
        client_id, client_secret = client
        return client_id, client_secret
    return client.client_id, client.client_secret


def form_urlencode(value: str) -> str:
    """Encode one value as RFC 6749 Appendix B says: UTF-8, space as ``+``, others ``%XX``.

    >>> form_urlencode("a b~c*")
    'a+b%7Ec*'
    """
    out = []
    for byte in value.encode("utf-8"):
        if byte in _FORM_SAFE:
            out.append(chr(byte))
        elif byte == 0x20:
            out.append("+")
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


@dataclass(frozen=True)
class BasicAuthSteps:
    """Each intermediate value of the ``Authorization: Basic`` header."""

    client_id: str
    client_secret: str

    @property
    def encoded_id(self) -> str:
        # RFC 6749 Section 2.3.1: the client identifier is encoded using the
        # application/x-www-form-urlencoded encoding algorithm per Appendix B.
        return form_urlencode(self.client_id)

    @property
    def encoded_secret(self) -> str:
        # RFC 6749 Section 2.3.1: ... and the encoded value is used as the password.
        return form_urlencode(self.client_secret)

    @property
    def joined(self) -> str:
        # RFC 7617 Section 2: user-id and password joined by a single colon.
        return f"{self.encoded_id}:{self.encoded_secret}"

    @property
    def base64(self) -> str:
        # RFC 7617 Section 2: the user-pass is encoded into an octet sequence, then base64.
        return base64.b64encode(self.joined.encode("utf-8")).decode("ascii")

    @property
    def header_value(self) -> str:
        return f"Basic {self.base64}"

    @property
    def header(self) -> tuple[str, str]:
        return ("Authorization", self.header_value)

    def explain(self) -> list[ParameterNote]:
        """The four steps as rows: step, value, what happened, where the rule is."""
        return [
            ParameterNote(
                "encoded client_id",
                self.encoded_id,
                "the consumer key, form-encoded",
                "RFC 6749 Section 2.3.1",
            ),
            ParameterNote(
                "encoded client_secret",
                self.encoded_secret,
                "the consumer secret, form-encoded",
                "RFC 6749 Section 2.3.1",
            ),
            ParameterNote("joined", self.joined, "joined by ':'", "RFC 7617 Section 2"),
            ParameterNote("base64", self.base64, "the joined text in base64", "RFC 7617 Section 2"),
            ParameterNote(
                "Authorization",
                self.header_value,
                "the header sent to the token endpoint",
                "RFC 7617 Section 2",
            ),
        ]


def unencoded_basic(client_id: str, client_secret: str) -> str:
    """The header of a client that skips RFC 6749 2.3.1's form-encoding: RFC 7617 alone.

    A known interoperability trap: a secret with ``+`` then reaches a server that
    decodes as 2.3.1 says with a space in its place.

    >>> unencoded_basic("app", "a+b")
    'Basic YXBwOmErYg=='
    >>> decode_basic(unencoded_basic("app", "a+b")).client_secret
    'a b'
    """
    raw = f"{client_id}:{client_secret}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


@dataclass(frozen=True)
class DecodedBasic:
    """A Basic header taken apart, the reverse of :class:`BasicAuthSteps`."""

    base64: str
    joined: str
    client_id: str
    client_secret: str


def decode_basic(header_value: str) -> DecodedBasic:
    """Take ``Basic xxx`` (or ``Authorization: Basic xxx``) apart.

    >>> decode_basic("Basic bXkrYXBwOnMzY3IlM0F0").client_id
    'my app'
    """
    text = header_value.strip()
    if text.lower().startswith("authorization:"):
        text = text.split(":", 1)[1].strip()
    scheme, _, encoded = text.partition(" ")
    # RFC 7617 Section 2: the scheme name is case-insensitive.
    if scheme.lower() != "basic" or not encoded.strip():
        raise ValueError(f"Not a Basic header: {header_value!r}. It must read 'Basic <base64>'.")
    encoded = encoded.strip()
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"{encoded!r} is not valid base64.") from exc
    try:
        joined = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError("The decoded bytes are not UTF-8 text.") from exc
    if ":" not in joined:
        raise ValueError(f"The decoded text {joined!r} has no ':' between id and secret.")
    # RFC 7617 Section 2: the user-id cannot contain a colon, so split at the first.
    encoded_id, _, encoded_secret = joined.partition(":")
    return DecodedBasic(encoded, joined, unquote_plus(encoded_id), unquote_plus(encoded_secret))


def body_credentials(client_id: str, client_secret: str | None) -> dict[str, str]:
    """The ``client_secret_post`` form fields (RFC 6749 Section 2.3.1).

    The RFC says: including the client credentials in the request body using the two
    parameters is NOT RECOMMENDED and SHOULD be limited to clients unable to use Basic.
    """
    fields = {"client_id": client_id}
    if client_secret is not None:
        fields["client_secret"] = client_secret
    return fields
