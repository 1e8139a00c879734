import base64
import doctest
from urllib.parse import parse_qs, urlsplit

import pytest

import codegrant_kit.exercises
from codegrant_kit.client.basic_auth import BasicAuthSteps
from codegrant_kit.exercises import EXERCISE_KEY, EXERCISE_SECRET, EXERCISES, check, exercise, flow


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
