"""The top-level package: its names are there on first use, and cost nothing before."""

from __future__ import annotations

import subprocess
import sys

import pytest

import codegrant_kit


def run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_all_is_sorted_and_each_name_is_there() -> None:
    assert codegrant_kit.__all__ == sorted(codegrant_kit.__all__)
    for name in codegrant_kit.__all__:
        assert hasattr(codegrant_kit, name), name
        assert name in dir(codegrant_kit)


def test_the_names_are_the_runners_and_the_servers() -> None:
    from codegrant_kit import (
        BackgroundServer,
        ServerConfig,
        create_app,
        runner,
        server,
        start_server,
        stop_server,
    )

    assert start_server is runner.start_server and stop_server is runner.stop_server
    assert BackgroundServer is runner.BackgroundServer
    assert ServerConfig is server.ServerConfig and create_app is server.create_app


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'start_sever'"):
        codegrant_kit.start_sever


def test_importing_the_package_loads_no_server() -> None:
    loaded = run(
        "import codegrant_kit, sys\n"
        "print(sorted(m for m in sys.modules if m.startswith(('codegrant_kit', 'uvicorn', "
        "'starlette'))))\n"
    )
    assert loaded.strip() == "['codegrant_kit']"


def test_the_server_is_loaded_on_first_use() -> None:
    loaded = run(
        "import codegrant_kit, sys\n"
        "codegrant_kit.ServerConfig\n"
        "print('codegrant_kit.server' in sys.modules, 'uvicorn' in sys.modules)\n"
    )
    assert loaded.split() == ["True", "False"]
