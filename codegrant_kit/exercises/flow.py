"""The exercises of 06-Exercises: the Basic header, the state check, a broken request.

The expected answers are computed here from the exercise's inputs and never
printed, so a learner sees only whether the answer is right and what to look at.
"""

from __future__ import annotations

import base64
import hmac
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..client.basic_auth import BasicAuthSteps, decode_basic
from .registry import CheckResult, exercise

# The exercise's application: its consumer secret needs form-encoding (RFC 6749 2.3.1).
EXERCISE_KEY = "wU62DjlyDBnq87GlBwplfqvmAbAa"
EXERCISE_SECRET = "s3cr3t+pass/word"

# The seed page's own requests: the authorize request's client_id and the Basic header.
SEED_AUTHORIZE_CLIENT_ID = "wU62DjlyDBnq87GlBwplfqvmAbAa"
SEED_BASIC = "Basic SVpzSWk2SERiQjVlOFZLZFpBblVpX2ZaM2Y4YTpHbTBiSjZvV1Y4ZkM1T1FMTGxDNmpzbEFDVzhh"

# Callbacks a client receives, after sending state "af0ifjsldkj": is each one safe to use?
STATE_SENT = "af0ifjsldkj"
STATE_CASES: tuple[tuple[str, bool, str], ...] = (
    (
        "https://client.example.com/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=af0ifjsldkj",
        True,
        "the state is the one sent",
    ),
    (
        "https://client.example.com/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=attacker",
        False,
        "a different state: this response answers a request you never made (CSRF, RFC 6749 10.12)",
    ),
    (
        "https://client.example.com/cb?code=SplxlOBeZQQYbYS6WxSbIA",
        False,
        "no state at all: anyone could have started this flow",
    ),
    (
        "https://client.example.com/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=AF0IFJSLDKJ",
        False,
        "state is compared exactly; case matters",
    ),
    (
        "https://client.example.com/cb?code=a&state=af0ifjsldkj&state=evil",
        False,
        "state appears twice; RFC 6749 3.1 forbids repeated parameters",
    ),
)

# A token request with one mistake; the learner names the parameter that is wrong.
FAULTY_REQUEST = (
    "POST /token HTTP/1.1\n"
    "Host: server.example.com\n"
    "Authorization: Basic d1U2MkRqbHlEQm5xODdHbEJ3cGxmcXZtQWJBYTpzM2NyM3QlMkJwYXNzJTJGd29yZA==\n"
    "Content-Type: application/x-www-form-urlencoded\n"
    "\n"
    "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA"
    "&redirect_uri=https%3A%2F%2Fclient.example.com%2Fcallback"
)
FAULTY_REQUEST_AUTHORIZED_WITH = "https://client.example.com/cb"


@exercise("basic-header")
def _basic_header(answer: Any) -> CheckResult:
    name = "basic-header"
    steps = BasicAuthSteps(EXERCISE_KEY, EXERCISE_SECRET)
    if isinstance(answer, bytes):
        return CheckResult(name, False, "That is bytes: write it as a str (.decode() the base64).")
    if not isinstance(answer, str) or not answer.strip() or answer.strip() == "Basic ...":
        return CheckResult(name, False, "Write the header value as a string: 'Basic <base64>'.")
    text = answer.strip()
    if text.lower().startswith("authorization:"):
        text = text.split(":", 1)[1].strip()
    scheme, _, encoded = text.partition(" ")
    encoded = encoded.strip()
    # RFC 9110 11.1, RFC 7617 2: the scheme name is case-insensitive
    if scheme.lower() != "basic" or not encoded:
        return CheckResult(
            name, False, "The value starts with the scheme name and a space: 'Basic '."
        )
    if hmac.compare_digest(encoded, steps.base64):
        return CheckResult(
            name, True, "the key and secret were form-encoded, joined by ':' and base64-encoded."
        )
    if encoded.startswith(("b'", 'b"')):
        return CheckResult(
            name, False, "The base64 part is the repr of bytes (b'...'): call .decode() on it."
        )
    raw_joined = f"{EXERCISE_KEY}:{EXERCISE_SECRET}"
    if encoded == base64.b64encode(raw_joined.encode()).decode():
        return CheckResult(
            name,
            False,
            "Close: you encoded the raw secret. RFC 6749 2.3.1 says to form-encode the key "
            "and the secret first ('+' and '/' become %2B and %2F), then join and base64.",
        )
    try:
        decoded = decode_basic(f"Basic {encoded}")
    except ValueError as exc:
        return CheckResult(name, False, f"That header cannot be decoded: {exc}")
    if decoded.client_id == EXERCISE_SECRET:
        return CheckResult(name, False, "The secret comes first: the key goes before ':'.")
    if decoded.client_id != EXERCISE_KEY:
        return CheckResult(
            name, False, f"It decodes to client id {decoded.client_id!r}, not the consumer key."
        )
    if decoded.client_secret == EXERCISE_SECRET:
        return CheckResult(
            name,
            False,
            f"Close: it decodes to the right secret, but the secret was sent as "
            f"{decoded.joined.partition(':')[2]!r}; form-encoding (RFC 6749 Appendix B) "
            "encodes every reserved character, '/' too: use quote_plus.",
        )
    return CheckResult(
        name, False, "The client id is right; the secret part is not the consumer secret."
    )


@exercise("state-check")
def _state_check(answer: Any) -> CheckResult:
    name = "state-check"
    if not callable(answer):
        return CheckResult(
            name, False, "Pass your function: check('state-check', is_safe_callback)."
        )
    for location, safe, why in STATE_CASES:
        try:
            said = bool(answer(STATE_SENT, location))
        except Exception as exc:  # the learner's code; its failure is the lesson
            return CheckResult(
                name, False, f"Your function raised {exc.__class__.__name__} on {location}"
            )
        if said != safe:
            verdict = "accepted" if said else "refused"
            return CheckResult(name, False, f"It {verdict} {location}: {why}.")
    return CheckResult(name, True, f"all {len(STATE_CASES)} callbacks judged correctly.")


@exercise("seed-slip")
def _seed_slip(answer: Any) -> CheckResult:
    name = "seed-slip"
    decoded = decode_basic(SEED_BASIC)
    if not isinstance(answer, str) or not answer.strip():
        return CheckResult(name, False, "Give the client id the Basic header decodes to.")
    text = answer.strip()
    if hmac.compare_digest(text, decoded.client_id):
        return CheckResult(
            name,
            True,
            f"the header authenticates a different client than {SEED_AUTHORIZE_CLIENT_ID}, "
            "the one the code was issued to. A server where both clients exist refuses the "
            "code with invalid_grant (RFC 6749 4.1.3); the kit, where the header's client "
            "does not exist, stops earlier with 401 invalid_client (RFC 6749 5.2).",
        )
    if text == SEED_AUTHORIZE_CLIENT_ID:
        return CheckResult(
            name, False, "That is the client id of the authorize request; decode the header."
        )
    if ":" in text and text.partition(":")[0] == decoded.client_id:
        return CheckResult(
            name, False, "Close: that is id and secret; the client id is what stands before ':'."
        )
    return CheckResult(
        name, False, "Decode the base64 after 'Basic ' and read what stands before ':'."
    )


# What the faulty request carries: the form's parameters and the header fields.
_FAULTY_FORM = parse_qs(FAULTY_REQUEST.split("\n\n", 1)[1])
_FAULTY_HEADERS = {
    line.split(":", 1)[0].lower() for line in FAULTY_REQUEST.split("\n\n", 1)[0].split("\n")[1:]
}


@exercise("faulty-request")
def _faulty_request(answer: Any) -> CheckResult:
    name = "faulty-request"
    sent = _FAULTY_FORM["redirect_uri"][0]
    wrong = "redirect_uri" if sent != FAULTY_REQUEST_AUTHORIZED_WITH else ""
    if not isinstance(answer, str) or not answer.strip():
        return CheckResult(name, False, "Name the parameter that is wrong, e.g. 'code'.")
    text = answer.strip()
    # "redirect_uri=https://..." names the parameter too
    given = text.split("=", 1)[0].strip().strip("'\"`").lower()
    if given == wrong:
        path = urlsplit(sent).path
        return CheckResult(
            name,
            True,
            f"the code was issued for {FAULTY_REQUEST_AUTHORIZED_WITH} but the request says "
            f"...{path}; the server must refuse with invalid_grant (RFC 6749 4.1.3).",
        )
    if text in (sent, urlsplit(sent).path) or text.lower() in ("callback", "/callback"):
        return CheckResult(name, False, "That is the faulty value: name the parameter it is in.")
    if given in ("authorization", "client_id", "client_secret"):
        return CheckResult(
            name, False, "The Basic header decodes to the right key and secret, form-encoded."
        )
    if given in _FAULTY_FORM or given in _FAULTY_HEADERS:
        return CheckResult(
            name, False, f"{text!r} is fine here. Compare with the authorization request."
        )
    names = ", ".join(sorted(_FAULTY_FORM))
    return CheckResult(name, False, f"This request sends no {text!r}: its parameters are {names}.")
