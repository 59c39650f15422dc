"""The launcher's end of the server process: spawning it, reading its stdout and stderr, request and reply.

Stdlib only. Every method may be called from any thread; requests are serialized.
"""

from __future__ import annotations

import logging
import os
import queue
import subprocess
import threading
from collections import deque
from pathlib import Path
from typing import IO, Any

from camsim.config import CamSimError
from camsim.control import decode_line, encode_line

logger = logging.getLogger(__name__)

_STDERR_LINES = 100
_EOF: dict[str, Any] = {"event": "eof"}


def package_root() -> Path:
    """Return the directory holding the `camsim` package: the server's only PYTHONPATH entry."""
    return Path(__file__).resolve().parent.parent


def server_environment() -> dict[str, str]:
    """Return the server's environment: ours, minus any Python path settings, plus the package root.

    The venv's site-packages must never reach Debian's interpreter, so nothing but the directory holding
    `camsim` is put on its path.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env["PYTHONPATH"] = str(package_root())
    env["PYTHONUNBUFFERED"] = "1"
    return env


class ServerChannel:
    """One running server process and the JSON-lines channel to it."""

    def __init__(self, python: str, workdir: Path) -> None:
        """Spawn `python -m camsim.server` in `workdir`.

        Raises:
            CamSimError: the interpreter cannot be started.
        """
        try:
            self._process = subprocess.Popen(
                [python, "-m", "camsim.server"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=server_environment(),
                cwd=workdir,
            )
        except OSError as exc:
            raise CamSimError(f"cannot start the camera server with {python}: {exc}") from exc
        self._messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self._stderr: deque[str] = deque(maxlen=_STDERR_LINES)
        self._lock = threading.Lock()
        self._next_id = 0
        assert self._process.stdout is not None
        assert self._process.stderr is not None
        self._threads = [
            threading.Thread(target=self._read_stdout, args=(self._process.stdout,), daemon=True),
            threading.Thread(target=self._read_stderr, args=(self._process.stderr,), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    @property
    def pid(self) -> int:
        """Return the server's process id."""
        return self._process.pid

    def stderr_tail(self, settle: float = 0.0) -> str:
        """Return the server's last stderr lines.

        Args:
            settle: seconds to wait for the server to finish writing them (it exits), when it is failing.
        """
        if settle > 0:
            self._threads[1].join(timeout=settle)
        return "\n".join(self._stderr)

    def _read_stdout(self, stream: IO[bytes]) -> None:
        for line in stream:
            try:
                self._messages.put(decode_line(line))
            except (ValueError, TypeError):
                logger.warning("Camera server wrote a non-protocol line: %r", line[:200])
        self._messages.put(_EOF)

    def _read_stderr(self, stream: IO[bytes]) -> None:
        for raw in stream:
            line = raw.decode(errors="replace").rstrip()
            self._stderr.append(line)
            logger.debug("camsim server: %s", line)

    def send(self, message: dict[str, Any]) -> None:
        """Write one message to the server.

        Raises:
            CamSimError: the server's stdin is closed (it has exited).
        """
        stdin = self._process.stdin
        try:
            assert stdin is not None
            stdin.write(encode_line(message))
            stdin.flush()
        except (BrokenPipeError, ValueError) as exc:
            raise CamSimError(
                f"the camera server is gone: {exc}\n{self.stderr_tail(settle=2)}"
            ) from exc

    def receive(self, timeout: float) -> dict[str, Any]:
        """Return the server's next message (`{"event": "eof"}` once its stdout closed).

        Raises:
            CamSimError: nothing arrived within `timeout` seconds.
        """
        try:
            return self._messages.get(timeout=max(0.0, timeout))
        except queue.Empty:
            raise CamSimError(f"the camera server did not answer within {timeout:.1f} s") from None

    def request(self, command: str, timeout: float = 10.0, **fields: Any) -> dict[str, Any]:
        """Send one command and return the server's reply to it.

        Raises:
            CamSimError: the server refused the command, died, or did not answer in time.
        """
        with self._lock:
            self._next_id += 1
            request_id = self._next_id
            self.send({"id": request_id, "cmd": command, **fields})
            while True:
                reply = self.receive(timeout)
                if reply is _EOF or reply.get("event") == "eof":
                    self._messages.put(_EOF)
                    raise CamSimError(f"the camera server exited\n{self.stderr_tail(settle=2)}")
                if reply.get("id") == request_id:
                    break
        if not reply.get("ok"):
            raise CamSimError(f"the camera server refused {command}: {reply.get('error')}")
        return reply

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the server to exit and return its status.

        Raises:
            subprocess.TimeoutExpired: it still runs after `timeout` seconds.
        """
        return self._process.wait(timeout)

    def close(self, grace: float = 5.0) -> int:
        """Ask the server to stop, close its stdin, and kill it if it lingers; always reaps it.

        Returns:
            The server's exit status (negative: the signal that ended it).
        """
        if self._process.poll() is None:
            try:
                self.send({"id": 0, "cmd": "stop"})
            except CamSimError:
                logger.debug("Camera server already gone when asked to stop")
        if self._process.stdin is not None:
            try:
                self._process.stdin.close()
            except BrokenPipeError:
                logger.debug("Camera server stdin already broken")
        for escalate in (None, self._process.terminate, self._process.kill):
            if escalate is not None:
                logger.warning(
                    "Camera server %d did not stop; sending %s", self.pid, escalate.__name__
                )
                escalate()
            try:
                status = self._process.wait(grace)
                break
            except subprocess.TimeoutExpired:
                continue
        else:
            status = self._process.wait()
        for thread in self._threads:
            thread.join(timeout=grace)
        for stream in (self._process.stdout, self._process.stderr):
            if stream is not None:
                stream.close()
        return status
