"""Every exception the client layer raises, and when.

    ClientError                          base of everything below
    ├── DiscoveryError                   no usable RFC 8414 metadata document
    │   └── MetadataIssuerMismatch       metadata names another issuer (RFC 8414 3.3)
    ├── InvalidAuthorizationResponse     a redirect the client must not use
    │   ├── StateMismatch                state differs from the one sent (RFC 6749 10.12)
    │   ├── IssuerMismatch               iss missing or differs (RFC 9207 2.4)
    │   ├── RedirectUriMismatch          the redirect is not to our redirect_uri
    │   └── MalformedAuthorizationResponse   no code, a repeated parameter, ...
    ├── BrowserError                     the page has no such form, field or button
    ├── StepOutOfOrder                   a Flow step needs an earlier step first
    ├── InvalidTokenResponse             a 200 that is not a token response (RFC 6749 5.1)
    ├── JwtFormatError                   not a JWT in compact form (RFC 7515 7.1)
    ├── InvalidIdToken                   an ID token failed a check (OIDC Core 3.1.3.7)
    ├── InvalidUserinfoResponse          a 200 that is not a userinfo response (OIDC Core 5.3.2)
    │   └── UserinfoSubjectMismatch      its sub is not the ID token's (OIDC Core 5.3.2)
    └── OAuthResponseError               the server answered with an OAuth error:
                                         RFC 6749 4.1.2.1 and 5.2, RFC 6750 3.1,
                                         RFC 7591 3.2.2, RFC 7009 2.2.1

The messages say what the check protects against, so that a learner who trips one
learns the rule.
"""

from __future__ import annotations

from typing import Any

import httpx

from ._http import json_object, parse_www_authenticate, text_member
from .explain import Explanation, Where, explain_error


class ClientError(Exception):
    """Base class of the client layer's exceptions."""


class DiscoveryError(ClientError):
    """No authorization server metadata could be fetched or read (RFC 8414 Section 3)."""


class _Mismatch(ClientError):
    """A value the client checks is not the one it expected; the message says why it matters."""

    def __init__(self, expected: str, received: Any) -> None:
        self.expected = expected
        self.received = received
        super().__init__(self._message())

    def _message(self) -> str:
        raise NotImplementedError


class MetadataIssuerMismatch(_Mismatch, DiscoveryError):
    """The metadata document names an issuer other than the one asked for."""

    received: object

    def _message(self) -> str:
        return (
            f"The metadata says its issuer is {self.received!r}, but we asked "
            f"{self.expected!r}. RFC 8414 Section 3.3 requires them to be identical: "
            "otherwise a server could pass off another server's endpoints as its own "
            "(an impersonation attack)."
        )


class InvalidAuthorizationResponse(ClientError):
    """The redirect back from the authorization server must not be used."""


class StateMismatch(_Mismatch, InvalidAuthorizationResponse):
    """The ``state`` in the redirect is missing or is not the one the client sent."""

    received: str | None

    def _message(self) -> str:
        got = "no state at all" if self.received is None else f"state={self.received!r}"
        return (
            f"The redirect carries {got}, but this client sent state={self.expected!r}. "
            "The state check protects against cross-site request forgery: an attacker "
            "could otherwise make the client redeem the attacker's own code and attach "
            "the attacker's account (RFC 6749 Section 10.12). Do not exchange this code."
        )


class IssuerMismatch(_Mismatch, InvalidAuthorizationResponse):
    """The ``iss`` in the redirect is missing or names another authorization server."""

    received: str | None

    def _message(self) -> str:
        got = "no iss parameter" if self.received is None else f"iss={self.received!r}"
        return (
            f"The redirect carries {got}, but the authorization server is "
            f"{self.expected!r}. The iss check protects against mix-up attacks: a client "
            "that talks to several servers could otherwise send a code from one server "
            "to another (RFC 9207 Section 2.4). Do not exchange this code."
        )


class RedirectUriMismatch(_Mismatch, InvalidAuthorizationResponse):
    """The redirect points somewhere other than the client's ``redirect_uri``."""

    received: str

    def _message(self) -> str:
        return (
            f"The redirect goes to {self.received!r}, not to this client's redirect_uri "
            f"{self.expected!r}. The code must only ever travel to the registered redirect "
            "URI, or a stranger's endpoint would collect it (RFC 6749 Section 10.6)."
        )


class MalformedAuthorizationResponse(InvalidAuthorizationResponse):
    """The redirect has no code and no error, repeats a parameter, or similar."""


class BrowserError(ClientError):
    """The current page has no form, field or button for the step asked for."""


class StepOutOfOrder(ClientError):
    """A :class:`~codegrant_kit.client.flow.Flow` step was called before the step it needs."""


class InvalidTokenResponse(ClientError):
    """A successful status whose body is not a token response (RFC 6749 Section 5.1)."""


class JwtFormatError(ClientError, ValueError):
    """The text is not a JWT in compact form (RFC 7515 Section 7.1), or a key in the
    JWKS is not a usable RSA key."""


class InvalidIdToken(ClientError):
    """An ID token failed a check of OpenID Connect Core 3.1.3.7; the message says which."""


class InvalidUserinfoResponse(ClientError):
    """A successful userinfo answer that is not a JSON object with a sub (OIDC Core 5.3.2)."""


class UserinfoSubjectMismatch(_Mismatch, InvalidUserinfoResponse):
    """The userinfo response's ``sub`` is not the ID token's."""

    received: object

    def _message(self) -> str:
        return (
            f"The userinfo response is about sub={self.received!r}, but the ID token says "
            f"sub={self.expected!r} signed in. OpenID Connect Core 5.3.2: the two MUST match "
            "exactly, or the userinfo values MUST NOT be used; the access token may belong "
            "to another user's flow (token substitution). Do not use these claims."
        )


class OAuthResponseError(ClientError):
    """The server answered with an OAuth error; ``explanation`` says it in plain words.

    ``status`` is None for an error delivered in a redirect (RFC 6749 4.1.2.1).
    """

    def __init__(
        self,
        *,
        status: int | None,
        error: str | None,
        error_description: str | None = None,
        error_uri: str | None = None,
        where: Where | None = None,
        body: str = "",
        request: httpx.Request | None = None,
    ) -> None:
        self.status = status
        self.request = request  # what was sent: a flow reads the token it presented
        self.error = error
        self.error_description = error_description
        self.error_uri = error_uri
        self.body = body
        self.explanation: Explanation | None = (
            explain_error(error, error_description, where=where) if error else None
        )
        super().__init__(self._message())

    @classmethod
    def from_response(
        cls, response: httpx.Response, *, where: Where | None = None
    ) -> OAuthResponseError:
        """Read the error from a JSON body (RFC 6749 Section 5.2) or, failing that, from
        the ``WWW-Authenticate`` challenge (RFC 6750 Section 3)."""
        body: dict[str, Any] = json_object(response) or {}
        if not isinstance(body.get("error"), str):
            body = dict(parse_www_authenticate(response.headers.get("www-authenticate", "")))
        return cls(
            status=response.status_code,
            error=text_member(body, "error"),
            error_description=text_member(body, "error_description"),
            error_uri=text_member(body, "error_uri"),
            where=where,
            body=response.text,
            request=_request_of(response),
        )

    def reexplain(self, explanation: Explanation) -> None:
        """Replace the explanation, e.g. by one that knows what the flow did before."""
        self.explanation = explanation
        self.args = (self._message(),)

    def _message(self) -> str:
        head = f"HTTP {self.status}: " if self.status is not None else ""
        if self.explanation is None:
            snippet = " ".join(self.body.split())[:200]
            return f"{head}the server answered without an OAuth error code: {snippet!r}"
        return head + str(self.explanation)


def _request_of(response: httpx.Response) -> httpx.Request | None:
    try:
        return response.request
    except RuntimeError:  # a response built by hand has no request
        return None


def json_or_raise(
    response: httpx.Response, *, where: Where, ok: tuple[int, ...] = (200,)
) -> dict[str, Any]:
    """The JSON object a successful response carries; any other answer is an OAuth error."""
    body = json_object(response)
    if response.status_code not in ok or body is None:
        raise OAuthResponseError.from_response(response, where=where)
    return body
