"""Tests for backend_embed.webrtc.ice: host candidates only on the configured addresses, no STUN server."""

from __future__ import annotations

import aioice.ice
import pytest

from backend_embed.webrtc.ice import (
    peer_configuration,
    restricted_host_addresses,
    validate_addresses,
)


def test_inside_the_block_aioice_gets_only_the_configured_addresses() -> None:
    with restricted_host_addresses(["127.0.0.1", "::1"]):
        both = aioice.ice.get_host_addresses(True, True)
        ipv4 = aioice.ice.get_host_addresses(True, False)

    assert both == ["127.0.0.1", "::1"]
    assert ipv4 == ["127.0.0.1"]


def test_outside_the_block_aioice_chooses_as_shipped() -> None:
    with restricted_host_addresses(["127.0.0.1"]):
        pass

    assert "127.0.0.1" not in aioice.ice.get_host_addresses(True, False)


@pytest.mark.parametrize(
    ("addresses", "words"),
    [
        pytest.param([], "at least one", id="none"),
        pytest.param(["0.0.0.0"], "wildcard", id="wildcard"),
        pytest.param(["localhost"], "localhost", id="a-name"),
    ],
)
def test_unusable_addresses_are_refused(addresses: list[str], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        validate_addresses(addresses)


def test_addresses_are_normalised_and_deduplicated() -> None:
    assert validate_addresses(["127.0.0.1", "0:0::1", "127.0.0.1"]) == ("127.0.0.1", "::1")


def test_the_peer_configuration_names_no_ice_server() -> None:
    assert peer_configuration().iceServers == []
