"""Fixtures: a private Xvfb X server for the test session, and screenshots of its whole screen."""

from __future__ import annotations

import logging
import os
import select
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import pytest

from tests.helpers.components import require_binary, require_file
from tests.helpers.processes import register_session_process, unregister_session_process

logger = logging.getLogger(__name__)

SCREEN_GEOMETRY = "1600x1000x24"
IMPORT_BINARY = (
    "/usr/bin/import"  # imagemagick; a `convert`/`import` earlier on PATH may be a stand-in
)


class XvfbStartError(RuntimeError):
    """Xvfb exited or did not report a display number in time."""


class XvfbServer:
    """One Xvfb process that picked a free display number itself (`-displayfd`).

    Xvfb writes the number to the pipe only once it accepts connections, so there is neither a race on
    choosing the number nor any polling. `stop()` (or leaving the `with` block) terminates and reaps it.
    """

    def __init__(self, process: subprocess.Popen[bytes], number: int, log_file: Path) -> None:
        self.process = process
        self.number = number
        self.log_file = log_file

    @property
    def display(self) -> str:
        """The value for `DISPLAY`, e.g. `:3`."""
        return f":{self.number}"

    @classmethod
    def start(
        cls,
        executable: str,
        *,
        log_file: Path,
        geometry: str = SCREEN_GEOMETRY,
        timeout: float = 15.0,
    ) -> XvfbServer:
        """Start Xvfb and return once it accepts connections.

        Raises:
            XvfbStartError: it exited early or stayed silent for `timeout` seconds; it is killed and reaped.
        """
        read_fd, write_fd = os.pipe()
        argv = [executable, "-displayfd", str(write_fd), "-screen", "0", geometry]
        argv += ["-nolisten", "tcp", "-noreset"]
        with log_file.open("wb") as log:
            try:
                process = subprocess.Popen(
                    argv,
                    pass_fds=(write_fd,),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            finally:
                os.close(write_fd)
        try:
            number = _read_display_number(read_fd, process, timeout)
        except XvfbStartError:
            _terminate(process)
            tail = log_file.read_text(errors="replace")[-2000:]
            raise XvfbStartError(f"{' '.join(argv)} did not start: {tail}") from None
        finally:
            os.close(read_fd)
        logger.info("Xvfb pid %d serves display :%d", process.pid, number)
        return cls(process, number, log_file)

    def stop(self) -> None:
        """Terminate the server (KILL after 5 s) and reap it. Safe to call twice."""
        _terminate(self.process)

    def __enter__(self) -> XvfbServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _read_display_number(fd: int, process: subprocess.Popen[bytes], timeout: float) -> int:
    deadline = time.monotonic() + timeout
    data = b""
    while not data.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or process.poll() is not None:
            raise XvfbStartError("no display number")
        ready, _, _ = select.select([fd], [], [], min(remaining, 0.2))
        if ready:
            chunk = os.read(fd, 64)
            if not chunk:
                raise XvfbStartError("pipe closed")
            data += chunk
    return int(data.strip())


def _terminate(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def take_screenshot(display: str, path: Path, *, timeout: float = 30.0) -> Path:
    """Save the whole X screen of `display` as an image (format from the suffix) and return `path`.

    Uses imagemagick's `import -window root`, which also captures libVLC pictures that `widget.grab()` misses.
    Fails the test when imagemagick is missing.
    """
    tool = require_file(IMPORT_BINARY, what="imagemagick's import")
    subprocess.run(
        [str(tool), "-display", display, "-window", "root", str(path)],
        check=True,
        capture_output=True,
        timeout=timeout,
    )
    return path


@pytest.fixture(scope="session")
def xvfb_display(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The `DISPLAY` of a real Xvfb server (1600x1000x24, no TCP) shared by the session; nothing is faked.

    Fails (never skips) when Xvfb is missing. The server is registered as a session process so the per-test
    leak check spares it, and it is terminated and reaped when the session ends.
    """
    executable = require_binary("Xvfb")
    log_file = tmp_path_factory.mktemp("xvfb") / "xvfb.log"
    server = XvfbServer.start(executable, log_file=log_file)
    register_session_process(server.process.pid)
    try:
        yield server.display
    finally:
        unregister_session_process(server.process.pid)
        server.stop()
