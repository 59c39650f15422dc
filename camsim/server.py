"""The camera server process: every simulated camera on one GLib main loop, driven over stdin/stdout.

Run only by `camsim.launcher` as `/usr/bin/python3 -m camsim.server` (PyGObject and gst-rtsp-server come
from Debian). The protocol is described in `camsim.control`. The process exits when its stdin closes.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from typing import Any

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402 -- versions must be required first

from camsim.config import STREAMS, CameraConfig, CamSimError, StreamName  # noqa: E402
from camsim.control import (  # noqa: E402
    CMD_FAULT,
    CMD_SESSIONS,
    CMD_STOP,
    EVENT_FAILED,
    EVENT_READY,
    ServerSettings,
    decode_line,
    encode_line,
)
from camsim.server_camera import CameraServer  # noqa: E402
from camsim.server_loop import Clip, ClipKey, load_clip  # noqa: E402
from camsim.server_media import LiveFactory, LoopFactory, StreamSpec, make_auth  # noqa: E402

logger = logging.getLogger(__name__)


class CamSimServer:
    """All cameras of one settings object, and the control channel that drives them."""

    def __init__(self, settings: ServerSettings) -> None:
        """Build every camera (encoding loop clips first if needed); nothing listens yet.

        Raises:
            CamSimError: a loop clip could not be encoded.
        """
        self._loop = GLib.MainLoop()
        self._pending = b""
        self._factories: list[LiveFactory | LoopFactory] = []
        self._clips: dict[ClipKey, Clip] = {}
        self._settings = settings
        auth = None if settings.credentials is None else make_auth(settings.credentials)
        self.cameras: dict[str, CameraServer] = {}
        for config in settings.cameras:
            factories = {stream: self._make_factory(config, stream) for stream in STREAMS}
            self.cameras[config.name] = CameraServer(config, settings.host, factories, auth)

    def _make_factory(
        self, config: CameraConfig, stream: StreamName
    ) -> GstRtspServer.RTSPMediaFactory:
        width, height = config.size(stream)
        spec = StreamSpec(config.name, stream, config.codec, width, height, config.fps, config.gop)
        made: LiveFactory | LoopFactory
        if config.source == "loop":
            key = ClipKey(config.codec, width, height, config.fps, config.gop)
            if key not in self._clips:
                self._clips[key] = load_clip(key, self._settings.workdir / "clips")
            made = LoopFactory(spec, self._clips[key], self._settings.credentials)
        else:
            made = LiveFactory(spec, self._settings.credentials)
        self._factories.append(made)  # the factory objects own the signal handlers' state
        return made.factory

    def run(self) -> None:
        """Listen on every camera's port, report READY, and serve until stop, SIGTERM or stdin EOF.

        Raises:
            GLib.Error: a camera's port could not be bound.
        """
        ports = {name: camera.listen() for name, camera in self.cameras.items()}
        GLib.io_add_watch(
            GLib.IOChannel.unix_new(sys.stdin.fileno()),
            GLib.PRIORITY_DEFAULT,
            GLib.IOCondition.IN | GLib.IOCondition.HUP | GLib.IOCondition.ERR,
            self._on_stdin,
        )
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, self._on_sigterm)
        # Ctrl-C in a terminal reaches the whole process group: the launcher handles it and stops us
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, self._on_sigint)
        _send({"event": EVENT_READY, "ports": ports, "pid": os.getpid()})
        self._loop.run()
        for camera in self.cameras.values():
            camera.close()

    def _on_sigterm(self) -> bool:
        logger.info("Stopping on SIGTERM")
        self._loop.quit()
        return False  # GLib.SOURCE_REMOVE

    def _on_sigint(self) -> bool:
        logger.debug("Ignoring SIGINT: the launcher stops the server")
        return True  # GLib.SOURCE_CONTINUE

    def _on_stdin(self, _channel: GLib.IOChannel, _condition: GLib.IOCondition) -> bool:
        chunk = os.read(sys.stdin.fileno(), 65536)
        if not chunk:
            logger.info("Stopping: stdin closed (the launcher is gone)")
            self._loop.quit()
            return False  # GLib.SOURCE_REMOVE
        self._pending += chunk
        while b"\n" in self._pending:
            line, self._pending = self._pending.split(b"\n", 1)
            if line.strip():
                self._handle(line)
        return True  # GLib.SOURCE_CONTINUE

    def _handle(self, line: bytes) -> None:
        try:
            request = decode_line(line)
        except (ValueError, TypeError):
            logger.exception("Ignoring a malformed control line")
            return
        try:
            reply = self._dispatch(request)
        except (KeyError, ValueError, TypeError) as exc:
            _send({"id": request.get("id"), "ok": False, "error": f"{type(exc).__name__}: {exc}"})
            return
        _send({"id": request.get("id"), "ok": True, **reply})

    def _dispatch(self, request: dict[str, Any]) -> dict[str, Any]:
        command = request["cmd"]
        if command == CMD_STOP:
            self._loop.quit()
            return {}
        camera = self.cameras[request["camera"]]
        if command == CMD_FAULT:
            camera.fault(float(request["seconds"]))
            return {}
        if command == CMD_SESSIONS:
            stream = request["stream"]
            if stream not in STREAMS:
                raise ValueError(f"no stream {stream!r}")
            return {"sessions": camera.sessions(stream)}
        raise ValueError(f"unknown command {command!r}")


def _send(message: dict[str, Any]) -> None:
    sys.stdout.buffer.write(encode_line(message))
    sys.stdout.buffer.flush()


def main() -> int:
    """Read the settings line from stdin, serve, and return the exit status."""
    logging.basicConfig(
        stream=sys.stderr,
        level=os.environ.get("CAMSIM_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = ServerSettings.from_json(decode_line(sys.stdin.buffer.readline()))
    except (ValueError, KeyError, TypeError) as exc:
        _send({"event": EVENT_FAILED, "error": f"bad settings: {exc}"})
        return 2
    Gst.init(None)
    try:
        server = CamSimServer(settings)
        server.run()
    except (CamSimError, GLib.Error) as exc:
        logger.exception("Camera server failed")
        _send({"event": EVENT_FAILED, "error": str(exc)})
        return 1
    logger.info("Camera server stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
