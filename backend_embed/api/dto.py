"""Immutable values the backend hands out and takes in. No ORM object ever leaves the backend."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class StreamRole(StrEnum):
    """Which of a camera's streams: the full-resolution main stream or the small sub stream."""

    MAIN = "main"
    SUB = "sub"


@dataclass(frozen=True, slots=True)
class RecordingSettings:
    """How a camera is recorded. `None` limits mean "no per-camera limit" (the global watermark still applies)."""

    enabled: bool = True
    stream: StreamRole = StreamRole.MAIN
    max_age_days: int | None = 30
    max_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class CameraSpec:
    """What the operator asks for when adding or editing a camera.

    URLs may embed credentials (`rtsp://user:pass@host/...`); the registry moves them into `username` and
    `password` and stores the URL without them.

    `password`: `None` keeps the stored password on update, `""` clears it.
    """

    name: str
    main_url: str
    sub_url: str | None = None
    username: str = ""
    password: str | None = field(default=None, repr=False)
    group_id: int | None = None
    tags: tuple[str, ...] = ()
    location: str = ""
    enabled: bool = True
    recording: RecordingSettings = RecordingSettings()


@dataclass(frozen=True, slots=True)
class Camera:
    """A registered camera. URLs never carry credentials; the password is only known to the backend."""

    id: int
    name: str
    main_url: str
    sub_url: str | None
    username: str
    has_password: bool
    group_id: int | None
    tags: tuple[str, ...]
    location: str
    enabled: bool
    recording: RecordingSettings
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class CameraGroup:
    """A named group of cameras, shown as a folder in the camera tree."""

    id: int
    name: str


class ProbeOutcome(StrEnum):
    """The result class of a connection test, one per failure an operator can act on."""

    OK = "ok"
    UNREACHABLE = "unreachable"
    AUTH_FAILED = "authentication failed"
    TIMEOUT = "timeout"
    UNSUPPORTED_CODEC = "unsupported codec"
    NOT_RTSP = "not RTSP"
    NOT_FOUND = "stream not found"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What a connection test found. `message` is redacted and fit for the operator."""

    outcome: ProbeOutcome
    message: str
    stream: StreamRole = StreamRole.MAIN
    codec: str | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome is ProbeOutcome.OK

    def summary(self) -> str:
        """A short line such as `H264 1280x720 @ 25 fps` or `authentication failed`."""
        if not self.ok:
            return str(self.outcome)
        size = f"{self.width}x{self.height}" if self.width and self.height else "?"
        fps = f" @ {self.fps:g} fps" if self.fps else ""
        return f"{(self.codec or '?').upper()} {size}{fps}"


class CameraStatus(StrEnum):
    """What the console knows about a camera right now."""

    UNKNOWN = "unknown"
    PROBING = "probing"
    ONLINE = "online"
    OFFLINE = "offline"
    AUTH_FAILED = "authentication failed"
    DISABLED = "disabled"


@dataclass(frozen=True, slots=True)
class CameraStatusInfo:
    """A camera's status with the reason and the last probe, if any."""

    camera_id: int
    status: CameraStatus
    reason: str = ""
    probe: ProbeResult | None = None


class ExportFormat(StrEnum):
    """File formats for camera import and export."""

    JSON = "json"
    CSV = "csv"


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did: it is all or nothing, so either everything listed was added or nothing was."""

    added: tuple[str, ...]
    groups_created: tuple[str, ...] = ()
