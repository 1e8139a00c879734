"""The browser cookie: what ties a login page's forms to the browser that opened it.

RFC 6749 10.12: the server must make sure the login and consent forms are posted
by the browser that asked. Each login page is bound to a cookie, and the server
mints its value: 16 random bytes and an HMAC-SHA256 tag of them under a key that
never leaves the server. A browser that arrives with anything else (a value some
other page chose, one of the wrong shape, 64 MiB of one) is given a new value, so
the server keeps 45 characters per page and never a value it did not make.

A value minted for someone else can still be planted, though: the name is what
stops that. Under TLS the cookie is `__Host-cgk_browser`; a browser takes such a
cookie only if it is Secure, has Path=/ and no Domain (RFC 6265bis 4.1.3.2), so
neither a sibling domain nor a plain-http page can set it.

    >>> key = b"k" * 32
    >>> value = mint(key, "AAAAAAAAAAAAAAAAAAAAAA")
    >>> is_ours(key, value), is_ours(key, value[:-1] + "B"), is_ours(key, "planted")
    (True, False, False)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

NAME = "cgk_browser"
NONCE_BYTES = 16
TAG_BYTES = 16  # 128 bits of HMAC-SHA256 (RFC 2104 5: truncation to half is fine)
SHAPE = re.compile(r"[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}")
LENGTH = 45


def cookie_name(secure: bool, path: str) -> str:
    """The cookie's name for a server with this scheme and path.

    Behind jupyter-server-proxy the server lives under a path (`/user/ada/proxy/8000`)
    of an origin it shares with Jupyter and every other proxied server. `__Host-`
    would need Path=/: the cookie would go to all of them, and a second kit server
    behind the same Jupyter would overwrite it with its own. There the name is
    `__Secure-cgk_browser` with the prefix as its path: still never set over plain
    http (RFC 6265bis 4.1.3.1), though a sibling domain could set it.

    >>> cookie_name(True, "/"), cookie_name(True, "/proxy/8000"), cookie_name(False, "/")
    ('__Host-cgk_browser', '__Secure-cgk_browser', 'cgk_browser')
    """
    if not secure:
        return NAME  # without TLS a network attacker can set any cookie anyway
    return f"__Host-{NAME}" if path == "/" else f"__Secure-{NAME}"


def mint(key: bytes, nonce: str) -> str:
    """`nonce.tag`: a random value and the server's tag of it."""
    return f"{nonce}.{_tag(key, nonce)}"


def is_ours(key: bytes, value: str) -> bool:
    """Did this server mint `value`? Only the shape is looked at before the tag."""
    if len(value) != LENGTH or not SHAPE.fullmatch(value):
        return False
    nonce, _, tag = value.partition(".")
    return hmac.compare_digest(tag, _tag(key, nonce))


def _tag(key: bytes, nonce: str) -> str:
    digest = hmac.new(key, nonce.encode("ascii"), hashlib.sha256).digest()[:TAG_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
