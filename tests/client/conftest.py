from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from independent_server import IndependentServer

REDIRECT_URI = "https://client.example.com/cb"


@pytest.fixture(scope="module")
def independent() -> Iterator[IndependentServer]:
    with IndependentServer(users={"alice": "wonderland"}) as server:
        yield server
