import base64
import doctest
from urllib.parse import parse_qs, quote, quote_plus, urlsplit

import pytest

import codegrant_kit.exercises
from codegrant_kit.client.basic_auth import BasicAuthSteps
from codegrant_kit.exercises import (
    EXERCISE_KEY,
    EXERCISE_SECRET,
    EXERCISES,
    SEED_BASIC,
    check,
    exercise,
    flow,
)


def test_basic_header_right_and_the_classic_mistake():
    right = BasicAuthSteps(EXERCISE_KEY, EXERCISE_SECRET).header_value
    assert check("basic-header", right).correct
    assert check("basic-header", f"Authorization: {right}").correct
    raw = "Basic " + base64.b64encode(f"{EXERCISE_KEY}:{EXERCISE_SECRET}".encode()).decode()
    result = check("basic-header", raw)
    assert not result.correct and "form-encode" in result.message
    assert not check("basic-header", "Basic ...").correct
    assert not check("basic-header", right.removeprefix("Basic ")).correct
    assert "cannot be decoded" in check("basic-header", "Basic !!!").message


def test_seed_slip():
    assert check("seed-slip", "IZsIi6HDbB5e8VKdZAnUi_fZ3f8a").correct
    assert not check("seed-slip", "wU62DjlyDBnq87GlBwplfqvmAbAa").correct


def test_faulty_request():
    assert check("faulty-request", "redirect_uri").correct
    assert not check("faulty-request", "code").correct
    assert not check("faulty-request", "").correct


def test_state_check_judges_the_function():
    def careful(sent, location):
        values = parse_qs(urlsplit(location).query).get("state", [])
        return len(values) == 1 and values[0] == sent

    def naive(sent, location):
        return sent in location

    def broken(sent, location):
        raise RuntimeError

    assert check("state-check", careful).correct
    assert "twice" in check("state-check", naive).message
    assert "raised RuntimeError" in check("state-check", broken).message
    assert not check("state-check", "not a function").correct


def test_unknown_exercise_is_a_clear_error():
    with pytest.raises(KeyError, match="basic-header"):
        check("nope", 1)


def test_result_renders_html_without_solution():
    result = check("basic-header", "Basic abc")
    html = result._repr_html_()
    assert "Not yet" in html
    assert BasicAuthSteps(EXERCISE_KEY, EXERCISE_SECRET).base64 not in html


def test_one_registry_for_both_tutorials():
    tutorial_06 = {name for name, run in EXERCISES.items() if run.__module__ == flow.__name__}
    assert tutorial_06 == {"basic-header", "faulty-request", "seed-slip", "state-check"}
    assert {"replay-first", "framing"} < set(EXERCISES) - tutorial_06
    with pytest.raises(KeyError, match=r"basic-header.*framing"):
        check("nope", 1)


def test_a_name_is_registered_once():
    with pytest.raises(ValueError, match="'framing' already"):
        exercise("framing")
    assert EXERCISES["framing"].__name__ == "_framing"


def test_docstring_examples_hold():
    result = doctest.testmod(codegrant_kit.exercises)
    assert result.failed == 0 and result.attempted == 2


# Every answer a learner is likely to give, wrong or nearly right, and the exact feedback:
# each message must be true of that answer (a found mistake is never called fine, a
# right answer in another spelling is never refused).
KEY, SECRET = EXERCISE_KEY, EXERCISE_SECRET
BASIC = BasicAuthSteps(KEY, SECRET).base64


def b64(joined: str) -> str:
    return base64.b64encode(joined.encode()).decode()


SEED_SLIP_FOUND = (
    "the header authenticates a different client than "
    "wU62DjlyDBnq87GlBwplfqvmAbAa, the one the code was issued to. A server where "
    "both clients exist refuses the code with invalid_grant (RFC 6749 4.1.3); the "
    "kit, where the header's client does not exist, stops earlier with 401 "
    "invalid_client (RFC 6749 5.2)."
)

CLOSE_RAW = (
    "Close: you encoded the raw secret. RFC 6749 2.3.1 says to form-encode the key "
    "and the secret first ('+' and '/' become %2B and %2F), then join and base64."
)
FEEDBACK = [
    (
        "basic-header",
        f"Basic {BASIC}",
        True,
        "the key and secret were form-encoded, joined by ':' and base64-encoded.",
    ),
    # RFC 9110 11.1: the scheme name is case-insensitive
    (
        "basic-header",
        f"basic {BASIC}",
        True,
        "the key and secret were form-encoded, joined by ':' and base64-encoded.",
    ),
    (
        "basic-header",
        f"authorization: BASIC  {BASIC}",
        True,
        "the key and secret were form-encoded, joined by ':' and base64-encoded.",
    ),
    ("basic-header", BASIC, False, "The value starts with the scheme name and a space: 'Basic '."),
    (
        "basic-header",
        f"Bearer {BASIC}",
        False,
        "The value starts with the scheme name and a space: 'Basic '.",
    ),
    ("basic-header", f"Basic {b64(f'{KEY}:{SECRET}')}", False, CLOSE_RAW),
    ("basic-header", f"basic {b64(f'{KEY}:{SECRET}')}", False, CLOSE_RAW),
    (
        "basic-header",
        f"Basic b'{BASIC}'",
        False,
        "The base64 part is the repr of bytes (b'...'): call .decode() on it.",
    ),
    (
        "basic-header",
        f"Basic {BASIC}".encode(),
        False,
        "That is bytes: write it as a str (.decode() the base64).",
    ),
    (
        "basic-header",
        f"Basic {b64(f'{KEY}:{quote(SECRET)}')}",
        False,
        "Close: it decodes to the right secret, but the secret was sent as "
        "'s3cr3t%2Bpass/word'; form-encoding (RFC 6749 Appendix B) encodes every "
        "reserved character, '/' too: use quote_plus.",
    ),
    (
        "basic-header",
        f"Basic {b64(f'{quote_plus(SECRET)}:{KEY}')}",
        False,
        "The secret comes first: the key goes before ':'.",
    ),
    (
        "basic-header",
        f"Basic {b64(f'{KEY}:wrong')}",
        False,
        "The client id is right; the secret part is not the consumer secret.",
    ),
    (
        "basic-header",
        f"Basic {b64('someone:' + SECRET)}",
        False,
        "It decodes to client id 'someone', not the consumer key.",
    ),
    (
        "basic-header",
        "Basic !!!",
        False,
        "That header cannot be decoded: '!!!' is not valid base64.",
    ),
    ("basic-header", "Basic ...", False, "Write the header value as a string: 'Basic <base64>'."),
    (
        "seed-slip",
        "IZsIi6HDbB5e8VKdZAnUi_fZ3f8a",
        True,
        SEED_SLIP_FOUND,
    ),
    (
        "seed-slip",
        " IZsIi6HDbB5e8VKdZAnUi_fZ3f8a\n",
        True,
        SEED_SLIP_FOUND,
    ),
    (
        "seed-slip",
        "wU62DjlyDBnq87GlBwplfqvmAbAa",
        False,
        "That is the client id of the authorize request; decode the header.",
    ),
    (
        "seed-slip",
        "IZsIi6HDbB5e8VKdZAnUi_fZ3f8a:Gm0bJ6oWV8fC5OQLLlC6jslACW8a",
        False,
        "Close: that is id and secret; the client id is what stands before ':'.",
    ),
    (
        "seed-slip",
        SEED_BASIC,
        False,
        "Decode the base64 after 'Basic ' and read what stands before ':'.",
    ),
    ("seed-slip", "", False, "Give the client id the Basic header decodes to."),
    (
        "faulty-request",
        "redirect_uri",
        True,
        "the code was issued for https://client.example.com/cb but the request says "
        ".../callback; the server must refuse with invalid_grant (RFC 6749 4.1.3).",
    ),
    (
        "faulty-request",
        "Redirect_URI",
        True,
        "the code was issued for https://client.example.com/cb but the request says "
        ".../callback; the server must refuse with invalid_grant (RFC 6749 4.1.3).",
    ),
    (
        "faulty-request",
        "redirect_uri=https://client.example.com/callback",
        True,
        "the code was issued for https://client.example.com/cb but the request says "
        ".../callback; the server must refuse with invalid_grant (RFC 6749 4.1.3).",
    ),
    (
        "faulty-request",
        "'redirect_uri'",
        True,
        "the code was issued for https://client.example.com/cb but the request says "
        ".../callback; the server must refuse with invalid_grant (RFC 6749 4.1.3).",
    ),
    (
        "faulty-request",
        "https://client.example.com/callback",
        False,
        "That is the faulty value: name the parameter it is in.",
    ),
    (
        "faulty-request",
        "/callback",
        False,
        "That is the faulty value: name the parameter it is in.",
    ),
    (
        "faulty-request",
        "code",
        False,
        "'code' is fine here. Compare with the authorization request.",
    ),
    (
        "faulty-request",
        "grant_type",
        False,
        "'grant_type' is fine here. Compare with the authorization request.",
    ),
    (
        "faulty-request",
        "Content-Type",
        False,
        "'Content-Type' is fine here. Compare with the authorization request.",
    ),
    (
        "faulty-request",
        "Authorization",
        False,
        "The Basic header decodes to the right key and secret, form-encoded.",
    ),
    (
        "faulty-request",
        "client_id",
        False,
        "The Basic header decodes to the right key and secret, form-encoded.",
    ),
    (
        "faulty-request",
        "code_verifier",
        False,
        "This request sends no 'code_verifier': its parameters are code, grant_type, redirect_uri.",
    ),
    ("faulty-request", "", False, "Name the parameter that is wrong, e.g. 'code'."),
]


@pytest.mark.parametrize(("name", "answer", "correct", "message"), FEEDBACK)
def test_each_answer_gets_feedback_true_of_it(name, answer, correct, message):
    result = check(name, answer)
    assert (result.correct, result.message) == (correct, message)


def test_the_faulty_request_claims_hold():
    body = parse_qs(flow.FAULTY_REQUEST.split("\n\n", 1)[1])
    # the Basic header of the faulty request really is the exercise's right one
    assert f"Authorization: Basic {BASIC}" in flow.FAULTY_REQUEST
    assert sorted(body) == ["code", "grant_type", "redirect_uri"]
    assert body["redirect_uri"] == ["https://client.example.com/callback"]


def test_every_exercise_of_06_is_in_the_table():
    assert {row[0] for row in FEEDBACK} | {"state-check"} == {
        name for name, run in EXERCISES.items() if run.__module__ == flow.__name__
    }


def test_seed_slips_feedback_is_what_the_kit_answers() -> None:
    # the success message says the kit stops the seed's header with 401 invalid_client
    import httpx

    from codegrant_kit.exercises.flow import SEED_BASIC
    from codegrant_kit.runner import start_server

    message = check("seed-slip", "IZsIi6HDbB5e8VKdZAnUi_fZ3f8a").message
    assert "401 invalid_client" in message
    with start_server(users={"alice": "a"}, password_hash="fast") as server:
        answer = httpx.post(
            server.local_url + "/token",
            headers={"Authorization": SEED_BASIC},
            data={"grant_type": "authorization_code", "code": "SplxlOBeZQQYbYS6WxSbIA"},
        )
    assert (answer.status_code, answer.json()["error"]) == (401, "invalid_client")
