"""Start the DOT site on a free port of 127.0.0.1: ``python serve.py CONFIG.json``.

It migrates a new sqlite database, adds the user and the application the config
names, then serves Django's ASGI application with uvicorn. Once it accepts
connections it prints one JSON line, ``{"origin": "http://127.0.0.1:PORT", "subject": "1"}``.
Nothing here touches the network beyond that socket.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path


def main(config_path: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ["DOT_CONFIG"] = config_path
    os.environ["DJANGO_SETTINGS_MODULE"] = "dot_site.settings"
    config = json.loads(Path(config_path).read_text(encoding="utf-8"))

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from oauth2_provider.models import get_application_model

    call_command("migrate", verbosity=0, interactive=False)
    user = get_user_model().objects.create_user(config["username"], password=config["password"])
    for client in config["clients"]:
        # the admin's "Add application" form, filled in by code; DOT hashes the secret
        get_application_model().objects.create(
            name=client["name"],
            client_id=client["client_id"],
            client_secret=client["client_secret"],
            client_type=client["client_type"],
            authorization_grant_type="authorization-code",
            redirect_uris=" ".join(client["redirect_uris"]),
            algorithm="RS256",
            user=user,
        )

    import uvicorn
    from django.core.asgi import get_asgi_application

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(get_asgi_application(), log_level="warning", access_log=False)
    )
    # sub of the user's ID tokens: DOT's default is the user's primary key
    print(json.dumps({"origin": f"http://127.0.0.1:{port}", "subject": str(user.pk)}), flush=True)
    server.run(sockets=[sock])


if __name__ == "__main__":
    main(sys.argv[1])
