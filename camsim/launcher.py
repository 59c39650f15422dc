"""Starting, driving and stopping the simulated cameras from any Python (stdlib only), plus the CLI.

    with SimulatedCameras([CameraConfig("cam1")]) as cams:
        url = cams.url("cam1", "sub")   # rtsp://127.0.0.1:PORT/sub
        cams.fault("cam1", 2.0)         # refuses connections for 2 s, then serves again

The cameras run in one child process, `/usr/bin/python3 -m camsim.server` (PyGObject and gst-rtsp-server
only exist for Debian's interpreter). It exits by itself when this process dies (its stdin closes).
"""

from __future__ import annotations

import argparse
import logging
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import Literal
from urllib.parse import quote

from camsim.channel import ServerChannel
from camsim.config import (
    AUTH_METHODS,
    CODECS,
    STREAMS,
    CameraConfig,
    CamSimError,
    Credentials,
    StreamName,
)
from camsim.control import CMD_FAULT, CMD_SESSIONS, EVENT_FAILED, EVENT_READY, ServerSettings

logger = logging.getLogger(__name__)

DEFAULT_PYTHON = "/usr/bin/python3"


class SimulatedCameras:
    """A set of simulated RTSP cameras, each on its own port, served by one child process.

    Not started by the constructor: call `start()` or use it as a context manager. Methods are thread-safe.
    """

    def __init__(
        self,
        cameras: Sequence[CameraConfig],
        *,
        credentials: Credentials | None = None,
        host: str = "127.0.0.1",
        workdir: Path | None = None,
        python: str = DEFAULT_PYTHON,
    ) -> None:
        """Describe the cameras.

        Args:
            cameras: the cameras; names must be unique.
            credentials: the one user every camera demands (Basic or Digest), or None for open cameras.
            host: the address every camera listens on.
            workdir: where the server keeps files (the loop clip cache, kept between runs); a temporary
                directory, removed at `stop`, if None.
            python: Debian's interpreter, which has PyGObject and gst-rtsp-server.

        Raises:
            ValueError: no cameras, or two with the same name.
        """
        names = [camera.name for camera in cameras]
        if not names or len(set(names)) != len(names):
            raise ValueError(f"camera names must be unique and non-empty: {names}")
        self.cameras: dict[str, CameraConfig] = {camera.name: camera for camera in cameras}
        self.credentials = credentials
        self.host = host
        self._workdir = workdir
        self._owned_workdir: Path | None = None
        self._python = python
        self._channel: ServerChannel | None = None
        self.ports: dict[str, int] = {}

    @property
    def pid(self) -> int:
        """Return the server's process id.

        Raises:
            CamSimError: not started.
        """
        return self._require_channel().pid

    def _require_channel(self) -> ServerChannel:
        if self._channel is None:
            raise CamSimError("the simulated cameras are not running")
        return self._channel

    def start(self, timeout: float = 20.0) -> None:
        """Start the server; return once every camera accepts connections.

        Loop cameras encode their clip first (cached in `workdir`), which can take a few seconds.

        Raises:
            CamSimError: already started, or the server failed or was not ready in time; the message
                holds the tail of the server's stderr. The server is stopped and reaped first.
        """
        if self._channel is not None:
            raise CamSimError("the simulated cameras are already running")
        workdir = self._workdir
        if workdir is None:
            workdir = self._owned_workdir = Path(tempfile.mkdtemp(prefix="camsim-"))
        workdir.mkdir(parents=True, exist_ok=True)
        settings = ServerSettings(
            tuple(self.cameras.values()), self.credentials, self.host, workdir
        )
        try:
            self._channel = channel = ServerChannel(self._python, workdir)
            channel.send(settings.to_json())
            self.ports = self._await_ready(channel, time.monotonic() + timeout)
        except CamSimError:
            self.stop()
            raise
        logger.info("Simulated cameras ready: %s (pid %d)", self.ports, channel.pid)

    @staticmethod
    def _await_ready(channel: ServerChannel, deadline: float) -> dict[str, int]:
        try:
            message = channel.receive(deadline - time.monotonic())
        except CamSimError as exc:
            raise CamSimError(f"{exc}\n{channel.stderr_tail(settle=2)}") from None
        if message.get("event") == EVENT_READY:
            return {str(name): int(port) for name, port in message["ports"].items()}
        if message.get("event") == EVENT_FAILED:
            raise CamSimError(
                f"camera server failed: {message.get('error')}\n{channel.stderr_tail(settle=2)}"
            )
        raise CamSimError(
            f"camera server exited before it was ready\n{channel.stderr_tail(settle=2)}"
        )

    def url(self, camera: str, stream: StreamName = "main", *, credentials: bool = True) -> str:
        """Return the RTSP URL of `camera`'s `stream`, with the user and password in it by default.

        Raises:
            KeyError: no such camera, or not started.
            ValueError: no such stream.
        """
        if stream not in STREAMS:
            raise ValueError(f"no stream {stream!r}; use one of {STREAMS}")
        port = self.ports[camera]
        userinfo = ""
        if credentials and self.credentials is not None:
            user, password = self.credentials.username, self.credentials.password
            userinfo = f"{quote(user, safe='')}:{quote(password, safe='')}@"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"rtsp://{userinfo}{host}:{port}/{stream}"

    def fault(self, camera: str, seconds: float) -> None:
        """Make `camera` stop serving for `seconds`: its port refuses connections and its clients and
        sessions are dropped. It comes back by itself; a second fault during one extends it.

        Raises:
            KeyError: no such camera.
            CamSimError: the server is not running or refused.
        """
        if camera not in self.cameras:
            raise KeyError(camera)
        if seconds <= 0:
            raise ValueError("a fault must last a positive number of seconds")
        self._require_channel().request(CMD_FAULT, camera=camera, seconds=seconds)

    def sessions(self, camera: str, stream: StreamName = "main") -> int:
        """Return how many RTSP sessions (clients past SETUP) `camera`'s `stream` has now.

        Raises:
            KeyError: no such camera.
            CamSimError: the server is not running or refused.
        """
        if camera not in self.cameras:
            raise KeyError(camera)
        reply = self._require_channel().request(CMD_SESSIONS, camera=camera, stream=stream)
        return int(reply["sessions"])

    def wait(self, timeout: float | None = None) -> int:
        """Block until the server exits (or `timeout` passes) and return its status.

        Raises:
            subprocess.TimeoutExpired: still running after `timeout`.
            CamSimError: not started.
        """
        return self._require_channel().wait(timeout)

    def stop(self) -> None:
        """Stop the server and reap it (escalating to SIGTERM, then SIGKILL); safe to call twice."""
        channel, self._channel = self._channel, None
        if channel is not None:
            status = channel.close()
            logger.info("Simulated cameras stopped (status %d)", status)
        if self._owned_workdir is not None:
            shutil.rmtree(self._owned_workdir, ignore_errors=True)
            self._owned_workdir = None

    def __enter__(self) -> SimulatedCameras:
        if self._channel is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    return int(width), int(height)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vas-camsim", description="Serve simulated RTSP cameras.")
    parser.add_argument("--cameras", type=int, default=4, help="how many cameras (default 4)")
    parser.add_argument("--codec", choices=CODECS, default="h264")
    parser.add_argument("--loop", action="store_true", help="serve pre-encoded clips (cheap)")
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--gop", type=int, default=50, help="frames between keyframes")
    parser.add_argument("--main-size", type=_size, default=(1280, 720), metavar="WxH")
    parser.add_argument("--sub-size", type=_size, default=(640, 360), metavar="WxH")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--user", help="demand this user (with --password)")
    parser.add_argument("--password")
    parser.add_argument("--auth", choices=AUTH_METHODS, default="digest")
    parser.add_argument("--workdir", type=Path, help="where loop clips are cached")
    return parser


def _exit_on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)  # unwinds through main's `finally`, which stops the server


def main(argv: Sequence[str] | None = None) -> int:
    """Serve cameras until Ctrl-C; print their URLs. Returns the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if (args.user is None) != (args.password is None):
        print("--user and --password go together", file=sys.stderr)
        return 2
    credentials = None if args.user is None else Credentials(args.user, args.password, args.auth)
    source: Literal["live", "loop"] = "loop" if args.loop else "live"
    configs = [
        CameraConfig(
            f"cam{i}", args.codec, args.main_size, args.sub_size, args.fps, args.gop, source
        )
        for i in range(1, args.cameras + 1)
    ]
    cameras = SimulatedCameras(
        configs, credentials=credentials, host=args.host, workdir=args.workdir
    )
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        cameras.start(timeout=120)
        for name in cameras.cameras:
            print(f"{name}: {cameras.url(name, 'main')}  {cameras.url(name, 'sub')}", flush=True)
        status = cameras.wait()
    except CamSimError as exc:
        print(exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        cameras.stop()
    print(f"camera server exited with status {status}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
