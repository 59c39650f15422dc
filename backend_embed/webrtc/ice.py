"""ICE host candidates restricted to configured addresses, and peer connections that never call a STUN server.

aioice gathers a host candidate on every interface address but 127.0.0.1 (`aioice.ice.get_host_addresses`)
and offers no hook to choose them (aiortc/aioice#2, #57: the maintainer suggested a filter callable, never
merged). The cleanest seam is that one module-level function: `install()` wraps it once, and the wrapper
returns the configured addresses only while a `restricted_host_addresses()` block is active in the current
context (a ContextVar, so it follows the task that gathers, including the tasks aiortc's `gather()` spawns).
Outside such a block, e.g. the console's own WHEP client talking to a remote recorder, aioice behaves as
shipped. Rejected: replacing the function for the whole process (it would also restrict that client);
patching each `RTCIceGatherer._connection` (two private attributes deep); dropping candidates from the SDP
after gathering (sockets would still be bound, and checks sent, on every interface).

aiortc's default ICE server is Google's public STUN server: `peer_configuration()` sets none, so a
loopback-only session sends nothing off the machine (no DNS query, no STUN binding).
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import Final

import aioice.ice
from aiortc import RTCConfiguration

_HostAddresses = Callable[[bool, bool], list[str]]

#: the addresses of the ICE gathering under way in this context; None: aioice's own choice
_restriction: ContextVar[tuple[str, ...] | None] = ContextVar("ice_host_addresses", default=None)
_SHIPPED: Final[_HostAddresses] = aioice.ice.get_host_addresses


def validate_addresses(addresses: Iterable[str]) -> tuple[str, ...]:
    """Check and normalise ICE host addresses (IPv4 or IPv6 literals, at least one, no wildcards).

    Raises:
        ValueError: an address is not an IP literal, is a wildcard, or none was given.
    """
    result: list[str] = []
    for text in addresses:
        address = ipaddress.ip_address(text)  # ValueError names the bad text
        if address.is_unspecified:
            raise ValueError(f"{text} is a wildcard; name the interface's own address")
        result.append(str(address))
    if not result:
        raise ValueError("at least one ICE host address is needed")
    return tuple(dict.fromkeys(result))


def _host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    restricted = _restriction.get()
    if restricted is None:
        return _SHIPPED(use_ipv4, use_ipv6)
    return [
        address
        for address in restricted
        if (use_ipv4 if ipaddress.ip_address(address).version == 4 else use_ipv6)
    ]


def install() -> None:
    """Put the context-scoped wrapper in place of aioice's address discovery. Idempotent.

    Must run before any gathering that should be restricted; `restricted_host_addresses()` calls it.
    """
    if aioice.ice.get_host_addresses is not _host_addresses:
        aioice.ice.get_host_addresses = _host_addresses


@contextlib.contextmanager
def restricted_host_addresses(addresses: Iterable[str]) -> Iterator[tuple[str, ...]]:
    """Within this block (and tasks started in it), ICE gathers host candidates on `addresses` only.

    Wrap the call that gathers: `setLocalDescription()` on either side of a WHEP exchange.

    Raises:
        ValueError: see `validate_addresses`.
    """
    allowed = validate_addresses(addresses)
    install()
    token = _restriction.set(allowed)
    try:
        yield allowed
    finally:
        _restriction.reset(token)


def peer_configuration() -> RTCConfiguration:
    """An RTCConfiguration without ICE servers: host candidates only, nothing sent to a STUN server."""
    return RTCConfiguration(iceServers=[])
