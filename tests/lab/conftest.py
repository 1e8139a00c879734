from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from codegrant_kit.lab import LabServer, stop_all

LabFactory = Callable[..., LabServer]


@pytest.fixture(scope="session")
def _finished() -> Iterator[list[LabServer]]:
    """Servers the tests are done with, stopped together at the end: each stop waits
    about 0.2 s for uvicorn, and one at a time that would be most of the run."""
    servers: list[LabServer] = []
    yield servers
    stop_all(servers)


@pytest.fixture
def lab(_finished: list[LabServer]) -> LabFactory:
    """Start independent lab servers with fast hashing, one per call."""

    def start(*switches: str, **options: Any) -> LabServer:
        options.setdefault("password_hash", "fast")
        server = LabServer(*switches, **options)
        _finished.append(server)
        return server

    return start
