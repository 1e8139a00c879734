import subprocess
import sys

import codegrant_kit.client as client


def test_all_is_sorted_and_complete():
    assert client.__all__ == sorted(client.__all__)
    assert len(set(client.__all__)) == len(client.__all__)
    for name in client.__all__:
        assert hasattr(client, name), name


def test_importing_the_client_loads_no_server_module():
    # a learner pointing the client at Keycloak needs neither uvicorn nor Starlette
    code = (
        "import codegrant_kit.client, sys\n"
        "assert 'uvicorn' not in sys.modules and 'starlette' not in sys.modules\n"
        "print(sorted(m for m in sys.modules if m.startswith('codegrant_kit.')\n"
        "      and not m.startswith('codegrant_kit.client')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
