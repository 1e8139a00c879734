"""`codegrant-kit serve`'s classroom options: learners from a file, clear refusals."""

from __future__ import annotations

import pytest

from codegrant_kit.cli import parser

from .helpers import failed_start


def test_learners_come_from_a_file(tmp_path):
    learners = tmp_path / "learners.txt"
    learners.write_text("# class of 2026\nada:lovelace\n\n  grace:hopper:with:colons  \n")
    args = parser().parse_args(["serve", "--users-file", str(learners), "--user", "bob:b"])
    assert args.users_file == [[("ada", "lovelace"), ("grace", "hopper:with:colons")]]


@pytest.mark.parametrize(
    ("content", "message"),
    [("ada:lovelace\ngrace\n", "line 2: expected NAME:PASSWORD"), (None, "cannot read")],
)
def test_a_bad_learners_file_is_refused_with_its_line(tmp_path, capsys, content, message):
    learners = tmp_path / "learners.txt"
    if content is not None:
        learners.write_text(content)
    with pytest.raises(SystemExit) as exited:
        parser().parse_args(["serve", "--users-file", str(learners)])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_every_interface_without_a_public_url_is_warned_about(tmp_path):
    done = failed_start(
        "--host", "0.0.0.0", "--port", "0", "--user", "ada:x", "--db", str(tmp_path)
    )
    assert "give --public-url with the address learners use" in done.stderr
    assert f"{tmp_path} is a directory" in done.stderr  # and the start stops there
    assert done.returncode == 1


def test_the_classroom_options_are_in_the_help(capsys):
    with pytest.raises(SystemExit) as exited:
        parser().parse_args(["serve", "--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    assert "a classroom server:" in text
    for option in (
        "--users-file", "--db", "--tls", "--tls-dir", "--cert", "--key", "--public-url",
        "--behind-proxy", "--instructor", "--rate-limit", "--max-clients-per-address",
        "--max-connections-per-address",
    ):  # fmt: skip
        assert option in text
