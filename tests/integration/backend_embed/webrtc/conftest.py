"""Fixtures for the WebRTC tests: the WHEP server fixtures of tests/helpers/whep_server.py."""

from tests.helpers.whep_server import whep_server, whep_server_thread

__all__ = ["whep_server", "whep_server_thread"]
