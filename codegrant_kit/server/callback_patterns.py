"""LAB regexp_redirect_uris: WSO2's `regexp=` callbacks, matched in bounded time.

A pattern such as `https://app\\.example/(a+)+$` backtracks 2**n times on n a's and
one character that does not fit. Python's `re` has no timeout and holds the GIL
while it runs, so such a match would freeze the whole server, not one request.
The match therefore runs in a child process, which is killed after MATCH_TIMEOUT.

>>> fullmatch_any([r"https://client\\.example\\.com/.*"], "https://client.example.com/x")
True
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence

MATCH_TIMEOUT = 1.0  # seconds: many times what the child needs to start, even on a busy machine
# -I: isolated (no user site, no PYTHON* variables, no current directory on the path)
_CHILD = (
    "import json, re, sys\n"
    "patterns, uri = json.load(sys.stdin)\n"
    "print(int(any(re.fullmatch(p, uri) for p in patterns)))\n"
)


class PatternTimeout(Exception):
    """The patterns took longer than MATCH_TIMEOUT to match one URI."""


def fullmatch_any(patterns: Sequence[str], uri: str) -> bool:
    """Does `uri` match one of `patterns` whole (`re.fullmatch`)? PatternTimeout if too slow."""
    if not patterns:
        return False
    try:
        # our own interpreter and code; the pattern and the URI go in as data on stdin
        child = subprocess.run(  # noqa: S603
            [sys.executable, "-I", "-c", _CHILD],
            input=json.dumps([list(patterns), uri]),
            capture_output=True,
            text=True,
            timeout=MATCH_TIMEOUT,
            check=True,
        )
    except subprocess.TimeoutExpired:
        raise PatternTimeout(
            f"Matching the redirect URI against the regexp= callbacks took longer than "
            f"{MATCH_TIMEOUT} s, so it was stopped."
        ) from None
    except subprocess.CalledProcessError:
        return False  # the child failed (out of memory, say): no match, and no 500
    return child.stdout.strip() == "1"
