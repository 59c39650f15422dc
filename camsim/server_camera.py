"""One simulated camera inside the server: its own RTSP server and port, mounts, faults and session counts.

Server-only (needs gi). Must only be used from the thread running the GLib main loop.
"""

from __future__ import annotations

import logging
from typing import Any

from gi.repository import GLib, GstRtspServer

from camsim.config import STREAMS, CameraConfig, StreamName

logger = logging.getLogger(__name__)


def _remove(*_args: Any) -> GstRtspServer.RTSPFilterResult:
    return GstRtspServer.RTSPFilterResult.REMOVE


class CameraServer:
    """Serves one camera's `/main` and `/sub` mounts on a port of its own.

    A fault closes the listening socket (new connections are refused), closes every client connection and
    drops every session; after the fault's duration the camera listens on the same port again.
    """

    def __init__(
        self,
        config: CameraConfig,
        host: str,
        factories: dict[StreamName, GstRtspServer.RTSPMediaFactory],
        auth: GstRtspServer.RTSPAuth | None,
    ) -> None:
        """Prepare the camera; it serves nothing until `listen`."""
        self.config = config
        self._server = GstRtspServer.RTSPServer()
        self._server.set_address(host)
        self._server.set_service("0")
        if auth is not None:
            self._server.set_auth(auth)
        mounts = self._server.get_mount_points()
        for stream in STREAMS:
            mounts.add_factory(f"/{stream}", factories[stream])
        self._source: GLib.Source | None = None
        self._restore_timer = 0
        self.port = 0

    def listen(self) -> int:
        """Start accepting connections; return the port (the same one after a fault).

        Raises:
            GLib.Error: the port cannot be bound.
        """
        source = self._server.create_source(None)
        source.attach(None)
        self._source = source
        if not self.port:
            self.port = self._server.get_bound_port()
            self._server.set_service(str(self.port))
        logger.info("Camera %s listening on port %d", self.config.name, self.port)
        return self.port

    def fault(self, seconds: float) -> None:
        """Stop serving for `seconds`, then serve again by itself. A fault during a fault extends it."""
        if self._restore_timer:
            GLib.source_remove(self._restore_timer)
            self._restore_timer = 0
        self._close()
        logger.info("Camera %s faulted for %.1f s", self.config.name, seconds)
        self._restore_timer = GLib.timeout_add(
            max(1, round(seconds * 1000)), self._on_restore_timeout
        )

    def _on_restore_timeout(self) -> bool:
        self._restore_timer = 0
        try:
            self.listen()
        except GLib.Error:
            logger.exception(
                "Camera %s could not listen again on port %d", self.config.name, self.port
            )
        return False  # GLib.SOURCE_REMOVE

    def _close(self) -> None:
        if self._source is not None:
            # destroying the source drops the server's last reference to the listening socket: it closes
            self._source.destroy()
            self._source = None
        self._server.client_filter(_remove)
        self._server.get_session_pool().filter(_remove)

    def sessions(self, stream: StreamName) -> int:
        """Return how many RTSP sessions are set up on `stream`'s mount now."""
        path = f"/{stream}"
        count = 0
        for session in self._server.get_session_pool().filter(None):
            for media in session.filter(None):
                if media.get_media() is not None and media.matches(path)[0]:
                    count += 1
                    break
        return count

    def close(self) -> None:
        """Stop serving for good and drop every client and session."""
        if self._restore_timer:
            GLib.source_remove(self._restore_timer)
            self._restore_timer = 0
        self._close()
