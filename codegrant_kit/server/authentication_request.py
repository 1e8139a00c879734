"""The OpenID Connect parameters of the authorization request (OIDC Core 3.1.2.1).

    nonce     bound to the code, copied into the ID token: replay protection
    prompt    none | login | consent | select_account, space-separated
    max_age   seconds: a sign-in older than this must be done again
    request, request_uri   request objects (OIDC Core 6): refused, by name

Each is checked here and refused with invalid_request, sent back to the client
(its redirect URI is verified by then). What they change, which page comes or
is skipped, is in `authorize` with the browser's session (`sessions`).
"""

from __future__ import annotations

from .errors import InvalidRequest, RequestNotSupported, RequestUriNotSupported
from .sessions import Session

# as long as state may be (authorize.MAX_STATE): the server keeps it with the code
MAX_NONCE = 2048
PROMPTS = ("none", "login", "consent", "select_account")  # OIDC Core 3.1.2.1
MAX_AGE_DIGITS = 10  # over 300 years: anything longer is not a number of seconds


def refuse_request_objects(request: str | None, request_uri: str | None) -> None:
    """OIDC Core 3.1.2.6: the errors of a request object this server does not take.

    Its metadata says so (request_parameter_supported, request_uri_parameter_supported
    false); ignoring one would answer a request other than the one the client signed.
    """
    if request is not None:
        raise RequestNotSupported(
            "This server takes no request objects (OIDC Core 6.1): send the parameters "
            "in the query, as its metadata says (request_parameter_supported: false)."
        )
    if request_uri is not None:
        raise RequestUriNotSupported(
            "This server takes no request_uri (OIDC Core 6.2): send the parameters in the "
            "query, as its metadata says (request_uri_parameter_supported: false)."
        )


def check_nonce(nonce: str | None) -> str | None:
    if nonce is not None and len(nonce) > MAX_NONCE:
        raise InvalidRequest(
            f"The nonce is {len(nonce)} characters long; this server keeps at most "
            f"{MAX_NONCE}. A random value of 32 characters is plenty (OIDC Core 15.5.2)."
        )
    return nonce


def parse_prompt(raw: str | None) -> tuple[str, ...]:
    """The prompt values, checked (OIDC Core 3.1.2.1).

    >>> parse_prompt("login consent")
    ('login', 'consent')
    """
    if raw is None:
        return ()
    values = tuple(dict.fromkeys(value for value in raw.split(" ") if value))
    for value in values:
        if value not in PROMPTS:
            raise InvalidRequest(
                f"prompt {value[:40]!r} is not one of {', '.join(PROMPTS)} (OIDC Core 3.1.2.1)."
            )
    # OIDC Core 3.1.2.1: "If this parameter contains none with any other value, an
    # error is returned"
    if "none" in values and len(values) > 1:
        raise InvalidRequest(
            "prompt=none cannot be combined with other values (OIDC Core 3.1.2.1)."
        )
    return values


def parse_max_age(raw: str | None) -> int | None:
    """max_age in seconds: a non-negative integer (OIDC Core 3.1.2.1).

    >>> parse_max_age("3600"), parse_max_age(None)
    (3600, None)
    """
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= MAX_AGE_DIGITS):
        raise InvalidRequest(
            f"max_age must be a number of seconds, 0 or more, of at most {MAX_AGE_DIGITS} "
            f"digits (OIDC Core 3.1.2.1); got {raw[:40]!r}."
        )
    return int(raw)


def must_sign_in_again(
    session: Session, prompt: tuple[str, ...], max_age: int | None, now: float
) -> bool:
    """Does the request ask for a new sign-in, though the browser has a session?"""
    # OIDC Core 3.1.2.1 prompt=login: "SHOULD prompt the End-User for reauthentication";
    # select_account: the login page is where another account is chosen
    if "login" in prompt or "select_account" in prompt:
        return True
    # OIDC Core 3.1.2.1 max_age: "If the elapsed time is greater than this value, the
    # OP MUST attempt to actively re-authenticate the End-User"
    return max_age is not None and now - session.auth_time > max_age
