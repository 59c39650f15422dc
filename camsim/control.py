"""The control channel between the launcher and the server: JSON lines over the server's stdin and stdout.

Launcher to server: first one settings line (`ServerSettings.to_json`), then requests
`{"id": 1, "cmd": "fault" | "sessions" | "stop", ...}`. Server to launcher: one
`{"event": "ready", "ports": {camera: port}}` or `{"event": "failed", "error": text}` line, then one reply
per request, `{"id": 1, "ok": true, ...}` or `{"id": 1, "ok": false, "error": text}`. The server exits
when its stdin closes, so it never outlives the launcher.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from camsim.config import CameraConfig, Credentials

EVENT_READY = "ready"
EVENT_FAILED = "failed"
CMD_FAULT = "fault"
CMD_SESSIONS = "sessions"
CMD_STOP = "stop"


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """Everything the server process needs to start serving.

    Attributes:
        cameras: the cameras, each served on its own port.
        credentials: the user every camera demands, or None for open cameras.
        host: the address every camera listens on.
        workdir: where the server keeps its files (the loop clip cache).
    """

    cameras: tuple[CameraConfig, ...]
    credentials: Credentials | None
    host: str
    workdir: Path

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object `from_json` reads back."""
        return {
            "cameras": [camera.to_json() for camera in self.cameras],
            "credentials": None if self.credentials is None else self.credentials.to_json(),
            "host": self.host,
            "workdir": str(self.workdir),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ServerSettings:
        """Build settings from `to_json`'s output; raises ValueError, KeyError or TypeError if malformed."""
        credentials = data["credentials"]
        return cls(
            cameras=tuple(CameraConfig.from_json(camera) for camera in data["cameras"]),
            credentials=None if credentials is None else Credentials.from_json(credentials),
            host=str(data["host"]),
            workdir=Path(data["workdir"]),
        )


def encode_line(message: dict[str, Any]) -> bytes:
    """Return `message` as one UTF-8 JSON line."""
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def decode_line(line: bytes | str) -> dict[str, Any]:
    """Return the JSON object on `line`.

    Raises:
        ValueError: the line is not JSON.
        TypeError: the line is JSON but not an object.
    """
    message = json.loads(line)
    if not isinstance(message, dict):
        raise TypeError(f"control message is not a JSON object: {line!r}")
    return message
