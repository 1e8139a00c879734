"""Fixtures for every test package: the third-party authorization servers
(thirdparty/fixtures.py says what each yields)."""

from thirdparty.fixtures import dot_server, node_oidc_server, thirdparty_server

__all__ = ["dot_server", "node_oidc_server", "thirdparty_server"]
