"""The authorization response: the ``Location`` of the ``302 Found``, taken apart.

RFC 6749 Section 4.1.2 puts ``code`` and ``state`` in the query of the redirect URI;
Section 4.1.2.1 puts ``error``, ``error_description``, ``error_uri`` and ``state``
there instead when the request fails; RFC 9207 Section 2 adds ``iss``, the issuer
that sent the response.

>>> response = parse_redirect(
...     "https://client.example.com/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz",
...     expected_state="xyz",
... )
>>> response.code
'SplxlOBeZQQYbYS6WxSbIA'

Before the code is used the client checks, in this order: the redirect came to its
own redirect URI, ``state`` is the one it sent (RFC 6749 Section 10.12), and ``iss``
names the server it talked to (RFC 9207 Section 2.4). A failed check raises an
exception whose message says what the check protects against.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from .errors import (
    IssuerMismatch,
    MalformedAuthorizationResponse,
    OAuthResponseError,
    RedirectUriMismatch,
    StateMismatch,
)
from .explain import Explanation, ParameterNote, explain_error, notes

RESPONSE_PARAMETERS = ("code", "state", "iss", "error", "error_description", "error_uri")


@dataclass(frozen=True)
class AuthorizationResponse:
    """What came back in the redirect, after the checks passed."""

    location: str
    code: str | None = None
    state: str | None = None
    iss: str | None = None
    error: str | None = None
    error_description: str | None = None
    error_uri: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    checks: tuple[str, ...] = ()
    # the error explained with what the flow did (Flow.receive_redirect sets it)
    in_flow: Explanation | None = field(default=None, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        return self.error is None and self.code is not None

    @property
    def explanation(self) -> Explanation | None:
        if self.error is None:
            return None
        return self.in_flow or explain_error(
            self.error, self.error_description, where="authorization"
        )

    def raise_for_error(self) -> None:
        """Raise :class:`OAuthResponseError` if the server sent an error instead of a code."""
        if self.error is not None:
            exc = OAuthResponseError(
                status=None,
                error=self.error,
                error_description=self.error_description,
                error_uri=self.error_uri,
                where="authorization",
            )
            if self.in_flow is not None:
                exc.reexplain(self.in_flow)
            raise exc

    def explain(self) -> list[ParameterNote]:
        """Each parameter of the redirect, what it is for, and its RFC section."""
        return _notes(self.params.items())


# what each parameter of the redirect is for, and where the RFC says so
_PURPOSES: dict[str, tuple[str, str]] = {
    "code": (
        "the authorization code, to exchange at the token endpoint; one use, short-lived",
        "RFC 6749 Section 4.1.2",
    ),
    "state": ("the value the client sent, echoed back", "RFC 6749 Section 4.1.2"),
    "iss": ("the issuer that sent this response", "RFC 9207 Section 2"),
    "error": ("why no code was issued", "RFC 6749 Section 4.1.2.1"),
    "error_description": ("the server's words for the error", "RFC 6749 Section 4.1.2.1"),
    "error_uri": ("a page about the error", "RFC 6749 Section 4.1.2.1"),
}


def _notes(pairs: Iterable[tuple[str, str]]) -> list[ParameterNote]:
    return notes(pairs, _PURPOSES, "not an OAuth parameter")


def same_endpoint(url: str, target: str) -> bool:
    """Whether ``url`` goes to ``target``, whatever its query: the scheme and host
    compared without case (RFC 3986 Section 6.2.2.1), the path exactly.

    >>> same_endpoint("HTTPS://Client.Example/cb?code=x", "https://client.example/cb")
    True
    """
    a, b = urlsplit(url), urlsplit(target)
    return (a.scheme.lower(), a.netloc.lower(), a.path) == (
        b.scheme.lower(),
        b.netloc.lower(),
        b.path,
    )


def explain_redirect(location: str) -> list[ParameterNote]:
    """Every parameter of a redirect's query, as sent, before any check.

    >>> [note.parameter for note in explain_redirect("https://c.example/cb?code=x&code=y")]
    ['code', 'code']
    """
    pairs = parse_qsl(urlsplit(location).query, keep_blank_values=True)
    return _notes(pairs)


def parse_redirect(
    location: str,
    *,
    expected_state: str | None,
    expected_issuer: str | None = None,
    redirect_uri: str | None = None,
    iss_required: bool = False,
) -> AuthorizationResponse:
    """Check the redirect and return its parameters.

    ``iss_required`` is the server's ``authorization_response_iss_parameter_supported``
    metadata; ``expected_issuer`` must then be given.
    """
    if iss_required and expected_issuer is None:
        raise ValueError("iss_required needs expected_issuer to compare with.")
    parts = urlsplit(location)
    checks: list[str] = []

    if redirect_uri is not None:
        if not same_endpoint(location, redirect_uri):
            raise RedirectUriMismatch(redirect_uri, location)
        checks.append("the redirect goes to this client's redirect_uri")

    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not pairs and parts.fragment:
        fragment = dict(parse_qsl(parts.fragment))
        if "code" in fragment or "error" in fragment or "access_token" in fragment:
            raise MalformedAuthorizationResponse(
                "The response is in the URL fragment (#...), the implicit grant's way "
                "(RFC 6749 Section 4.2.2); the code grant puts it in the query "
                "(Section 4.1.2). Check response_type=code."
            )
    params: dict[str, str] = {}
    for name, value in pairs:
        # RFC 6749 Section 3.1: parameters MUST NOT be included more than once.
        if name in RESPONSE_PARAMETERS and name in params:
            raise MalformedAuthorizationResponse(
                f"The redirect has {name!r} more than once; RFC 6749 Section 3.1 forbids "
                "it, and a repeated value may be an injection attempt."
            )
        params.setdefault(name, value)

    state = params.get("state")
    if expected_state is not None:
        # RFC 6749 Section 4.1.2: state is REQUIRED if it was in the request, and
        # must be the exact value received from the client.
        if state is None or not hmac.compare_digest(
            state.encode("utf-8"), expected_state.encode("utf-8")
        ):
            raise StateMismatch(expected_state, state)
        checks.append("state is the one this client sent")

    iss = params.get("iss")
    if expected_issuer is not None:
        if iss is None and iss_required:
            # RFC 9207 Section 2.4: reject a response without iss from a server
            # whose metadata says it sends one.
            raise IssuerMismatch(expected_issuer, None)
        # RFC 9207 Section 2.4: simple string comparison with the issuer identifier.
        if iss is not None:
            if iss != expected_issuer:
                raise IssuerMismatch(expected_issuer, iss)
            checks.append("iss names the authorization server this client talked to")

    error = params.get("error")
    code = params.get("code")
    if error is None and not code:
        raise MalformedAuthorizationResponse(
            f"The redirect {location!r} has neither a code nor an error "
            "(RFC 6749 Sections 4.1.2 and 4.1.2.1)."
        )
    return AuthorizationResponse(
        location=location,
        code=None if error is not None else code,
        state=state,
        iss=iss,
        error=error,
        error_description=params.get("error_description"),
        error_uri=params.get("error_uri"),
        params=params,
        checks=tuple(checks),
    )
