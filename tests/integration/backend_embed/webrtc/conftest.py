"""WebRTC tests use the WHEP server fixtures registered suite-wide from tests/helpers/whep_server.py."""
