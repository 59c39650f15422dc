"""ICE address restriction for one aiortc peer connection (tests and loopback-only hosts use 127.0.0.1)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aioice import Connection
from aiortc import RTCPeerConnection

logger = logging.getLogger(__name__)


def restrict_ice_addresses(pc: RTCPeerConnection, addresses: Sequence[str]) -> None:
    """Make `pc` gather host candidates on `addresses` only (no STUN, no other interface).

    aioice gathers a host candidate on every interface except 127.0.0.1 and offers no option to choose; a
    process-wide patch of `aioice.ice.get_host_addresses` would also change the recorder's own WHEP peers
    when both run in one process. So each ICE connection of `pc` gets its own gathering step instead.

    Must be called after the transceivers were added and before `setLocalDescription`. An empty
    `addresses` leaves aioice's default gathering alone.
    """
    if not addresses:
        return
    for transceiver in pc.getTransceivers():
        dtls = transceiver.receiver.transport
        # WORKAROUND: aiortc does not expose the aioice Connection behind an RTCIceGatherer.
        connection: Connection = dtls.transport.iceGatherer._connection
        _gather_on(connection, tuple(addresses))


def _gather_on(connection: Connection, addresses: tuple[str, ...]) -> None:
    async def gather_candidates() -> None:
        # Mirrors aioice's Connection.gather_candidates, with our addresses and no server candidates.
        if connection._local_candidates_start:
            return
        connection._local_candidates_start = True
        for component in connection._components:
            candidates = await connection.get_component_candidates(
                component=component, addresses=list(addresses)
            )
            connection._local_candidates += candidates
        connection._local_candidates_end = True
        logger.debug("ICE candidates gathered on %s", ", ".join(addresses))

    connection.gather_candidates = gather_candidates  # type: ignore[method-assign]
