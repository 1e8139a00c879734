"""Small pieces of HTTP shared by the endpoints: bodies, JSON errors, redirects."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse

from .errors import InvalidRequest, OAuthError, RateLimited, TooManyAttempts, UseDpopNonce
from .params import MAX_BODY, Params

if TYPE_CHECKING:
    from .services import Services

# RFC 6749 5.1: responses with tokens or credentials MUST NOT be cached
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise InvalidRequest(f"The request body is larger than {limit} bytes.")
    return bytes(body)


async def read_form(request: Request) -> Params:
    """The urlencoded body of a POST (RFC 6749 4.1.3: application/x-www-form-urlencoded)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise InvalidRequest(
            "The body must be sent as Content-Type: application/x-www-form-urlencoded "
            f"(got {content_type or 'none'!r})."
        )
    return Params.parse(await read_body(request))


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def json_response(data: dict[str, Any], status_code: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status_code, headers=NO_STORE)


def json_error(error: OAuthError) -> JSONResponse:
    """RFC 6749 5.2: a JSON body with `error` and `error_description`."""
    response = json_response(error.as_dict(), error.status_code)
    if error.status_code == 401 and error.error == "invalid_client":
        # RFC 6749 5.2: a 401 for invalid_client MUST carry WWW-Authenticate
        response.headers["WWW-Authenticate"] = 'Basic realm="codegrant-kit"'
    if isinstance(error, (TooManyAttempts, RateLimited)):
        response.headers["Retry-After"] = str(error.retry_after)
    if isinstance(error, UseDpopNonce):
        # RFC 9449 8: the nonce to put in the next proof
        response.headers["DPoP-Nonce"] = error.nonce
    return response


def rate_limited(services: Services, endpoint: str, request: Request) -> RateLimited | None:
    """The error to answer if this address has sent too many requests to `endpoint`."""
    wait = services.rate_limiter.retry_after(endpoint, client_address(request))
    if wait is None:
        return None
    return RateLimited(
        f"Too many requests from your address to this endpoint; try again in {wait} s. "
        "A loop that runs the flow should wait between runs.",
        wait,
    )


def method_not_allowed(allowed: str, allow_header: str | None = None) -> JSONResponse:
    """405, with the Allow header RFC 9110 15.5.6 requires (`allowed`: "GET or POST")."""
    response = json_error(InvalidRequest(f"This endpoint answers {allowed} only."))
    response.status_code = 405
    response.headers["Allow"] = allow_header or allowed
    return response


def basic_credentials(header: str) -> tuple[str, str]:
    """User and password of an RFC 7617 Basic header; ValueError saying what is wrong.

    >>> basic_credentials("Basic dGVhY2hlcjpzM2NyZXQ=")
    ('teacher', 's3cret')
    """
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise ValueError("The Authorization header is not HTTP Basic (RFC 7617).")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValueError("The Basic credentials are not valid base64 of UTF-8 text.") from None
    user, colon, password = decoded.partition(":")
    if not colon:
        raise ValueError("The Basic credentials hold no ':' between client id and secret.")
    return user, password


def add_query(uri: str, params: dict[str, str | None]) -> str:
    """Append parameters to a URI, keeping its own query (RFC 6749 3.1.2).

    >>> add_query("https://client.example.com/cb?a=1", {"code": "x", "state": None})
    'https://client.example.com/cb?a=1&code=x'
    """
    # no parsing: a lab server may redirect to URIs urlsplit cannot read
    rest, hash_, fragment = uri.partition("#")
    extra = urlencode({k: v for k, v in params.items() if v is not None})
    sep = "" if rest.endswith("?") else "&" if "?" in rest else "?"
    return f"{rest}{sep}{extra}{hash_}{fragment}"


def redirect(
    uri: str, params: dict[str, str | None], *, referrer_policy: bool = True
) -> RedirectResponse:
    headers = dict(NO_STORE)
    if referrer_policy:
        # RFC 9700 4.2.4: keep the code and state out of Referer headers
        headers["Referrer-Policy"] = "no-referrer"
    return RedirectResponse(add_query(uri, params), status_code=302, headers=headers)
