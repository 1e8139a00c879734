import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codegrant_kit.client import (
    AuthorizationRequest,
    BasicAuthSteps,
    body_credentials,
    decode_basic,
    form_urlencode,
)

# The seed page's token request and authorize request.
SEED_HEADER = (
    "Authorization: Basic "
    "SVpzSWk2SERiQjVlOFZLZFpBblVpX2ZaM2Y4YTpHbTBiSjZvV1Y4ZkM1T1FMTGxDNmpzbEFDVzhh"
)
SEED_AUTHORIZE = (
    "https://localhost:8243/authorize?response_type=code&client_id=wU62DjlyDBnq87GlBwplfqvmAbAa"
    "&scope=PRODUCTION&redirect_uri=https%3A%2F%2Fclient%2Eexample%2Ecom%2Fcb"
)


def test_each_step_of_a_plain_key_and_secret():
    steps = BasicAuthSteps("IZsIi6HDbB5e8VKdZAnUi_fZ3f8a", "Gm0bJ6oWV8fC5OQLLlC6jslACW8a")
    assert steps.encoded_id == "IZsIi6HDbB5e8VKdZAnUi_fZ3f8a"
    assert steps.encoded_secret == "Gm0bJ6oWV8fC5OQLLlC6jslACW8a"
    assert steps.joined == "IZsIi6HDbB5e8VKdZAnUi_fZ3f8a:Gm0bJ6oWV8fC5OQLLlC6jslACW8a"
    assert steps.base64 == SEED_HEADER.rsplit(" ", 1)[1]
    assert steps.header == ("Authorization", "Basic " + steps.base64)
    assert [row.parameter for row in steps.explain()] == [
        "encoded client_id",
        "encoded client_secret",
        "joined",
        "base64",
        "Authorization",
    ]


def test_the_seed_header_names_another_client_than_the_authorize_request():
    decoded = decode_basic(SEED_HEADER)
    request = AuthorizationRequest.from_url(SEED_AUTHORIZE)
    assert decoded.client_id == "IZsIi6HDbB5e8VKdZAnUi_fZ3f8a"
    assert decoded.client_secret == "Gm0bJ6oWV8fC5OQLLlC6jslACW8a"
    assert request.client_id == "wU62DjlyDBnq87GlBwplfqvmAbAa"
    assert request.redirect_uri == "https://client.example.com/cb"
    assert decoded.client_id != request.client_id


def test_form_encoding_before_base64_rfc6749_2_3_1():
    # A colon in the id would otherwise split id and secret in the wrong place.
    steps = BasicAuthSteps("app:one", "pa ss/wörd~*")
    assert steps.encoded_id == "app%3Aone"
    assert steps.encoded_secret == "pa+ss%2Fw%C3%B6rd%7E*"
    assert base64.b64decode(steps.base64).decode() == "app%3Aone:pa+ss%2Fw%C3%B6rd%7E*"
    decoded = decode_basic(steps.header_value)
    assert (decoded.client_id, decoded.client_secret) == ("app:one", "pa ss/wörd~*")


def test_form_urlencode_leaves_only_appendix_b_safe_bytes():
    safe = "azAZ09*-._"
    assert form_urlencode(safe) == safe
    assert form_urlencode(" ") == "+"
    assert form_urlencode("+&=%") == "%2B%26%3D%25"


@given(st.text(), st.text())
def test_decode_undoes_encode(client_id, client_secret):
    decoded = decode_basic(BasicAuthSteps(client_id, client_secret).header_value)
    assert (decoded.client_id, decoded.client_secret) == (client_id, client_secret)


@pytest.mark.parametrize(
    ("header", "words"),
    [
        ("Bearer abc", "Not a Basic header"),
        ("Basic", "Not a Basic header"),
        ("Basic !!!", "not valid base64"),
        ("Basic " + base64.b64encode(b"no-colon").decode(), "has no ':'"),
        ("Basic " + base64.b64encode(b"\xff\xfe:x").decode(), "not UTF-8"),
    ],
)
def test_broken_headers_are_explained(header, words):
    with pytest.raises(ValueError, match=words):
        decode_basic(header)


def test_scheme_is_case_insensitive():
    assert decode_basic("basic " + BasicAuthSteps("a", "b").base64).client_id == "a"


def test_body_credentials_for_client_secret_post():
    assert body_credentials("key", "secret") == {"client_id": "key", "client_secret": "secret"}
    assert body_credentials("key", None) == {"client_id": "key"}
