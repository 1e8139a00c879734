from __future__ import annotations

import pytest

from codegrant_kit.server.errors import InvalidRequest
from codegrant_kit.server.params import MAX_FIELDS, MAX_VALUE, Params


def test_parse_decodes_form_encoding():
    params = Params.parse(b"redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb&scope=a+b")
    assert params.get("redirect_uri") == "https://client.example.com/cb"
    assert params.get("scope") == "a b"


def test_parse_accepts_str():
    assert Params.parse("code=x").get("code") == "x"


def test_empty_value_counts_as_omitted():
    # RFC 6749 3.1: parameters sent without a value MUST be treated as omitted
    params = Params.parse(b"state=&code=x")
    assert params.get("state") is None
    assert "state" not in params
    assert "code" in params
    assert params.as_dict() == {"state": "", "code": "x"}


def test_require_names_the_missing_parameter():
    with pytest.raises(InvalidRequest, match="'grant_type'"):
        Params.parse(b"code=x").require("grant_type")
    with pytest.raises(InvalidRequest, match="'grant_type'"):
        Params.parse(b"grant_type=").require("grant_type")


def test_repeated_parameters_are_found():
    params = Params.parse(b"a=1&b=2&a=3&c=&c=")
    assert params.repeated == {"a", "c"}
    with pytest.raises(InvalidRequest, match="'a' appears more than once"):
        params.check_not_repeated()
    with pytest.raises(InvalidRequest, match="'c'"):
        params.check_not_repeated("c", "b")
    params.check_not_repeated("b")


@pytest.mark.parametrize(
    "raw",
    [b"code=\xff\xfe", b"code=%ff", b"code=%ed%a0%80", b"\xc3(=1", "code=%C3%28"],
    ids=["raw bytes", "percent byte", "encoded surrogate", "raw name", "str percent"],
)
def test_non_utf8_is_an_invalid_request(raw):
    with pytest.raises(InvalidRequest, match="UTF-8"):
        Params.parse(raw)


def test_at_most_max_fields():
    Params.parse("&".join(f"p{n}=1" for n in range(MAX_FIELDS)))
    with pytest.raises(InvalidRequest):
        Params.parse("&".join(f"p{n}=1" for n in range(MAX_FIELDS + 1)))


def test_names_and_values_are_at_most_max_value():
    assert Params.parse("state=" + "s" * MAX_VALUE).get("state") == "s" * MAX_VALUE
    # the decoded length counts: %41 is one character
    assert Params.parse("state=" + "%41" * MAX_VALUE).get("state") == "A" * MAX_VALUE
    with pytest.raises(InvalidRequest, match=f"'state' is {MAX_VALUE + 1} characters"):
        Params.parse("code=x&state=" + "s" * (MAX_VALUE + 1))
    with pytest.raises(InvalidRequest, match=f"at most {MAX_VALUE}"):
        Params.parse("n" * (MAX_VALUE + 1) + "=1")
