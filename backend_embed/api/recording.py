"""Public values about recording: per-stream recorder state, timeline coverage, storage and protected ranges."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from backend_embed.api.dto import StreamRole


class RecorderState(StrEnum):
    """The state machine of one recorded camera stream (see backend_embed/streams/supervisor.py)."""

    STOPPED = "stopped"
    STARTING = "starting"
    RECORDING = "recording"
    RECONNECTING = "reconnecting"
    FAILED = "failed"
    DISK_FULL = "stopped: disk full"


@dataclass(frozen=True, slots=True)
class RecorderStatus:
    """What the camera tree shows about a camera's recording.

    Attributes:
        reason: operator sentence for RECONNECTING/FAILED/DISK_FULL (redacted), else "".
        retry_in_s: seconds until the next attempt while RECONNECTING, else None.
        restarts: how many times the recorder was restarted since the console started.
        transcoding: True when the codec forces a transcode (MJPEG to H.264): it costs CPU.
        last_segment_end_ms: wall-clock end of the newest closed segment, or None.
    """

    camera_id: int
    stream: StreamRole
    state: RecorderState
    reason: str = ""
    retry_in_s: float | None = None
    restarts: int = 0
    transcoding: bool = False
    last_segment_end_ms: int | None = None


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open wall-clock interval [start_ms, end_ms) in UTC milliseconds."""

    start_ms: int
    end_ms: int

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


@dataclass(frozen=True, slots=True)
class Coverage:
    """Recorded spans of one camera stream within [start_ms, end_ms), merged where segments touch.

    `gaps` are the parts of the asked range with no recording, in order.
    """

    camera_id: int
    stream: StreamRole
    start_ms: int
    end_ms: int
    spans: tuple[Span, ...]
    gaps: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class CameraStorage:
    """One camera's share of the recordings."""

    camera_id: int
    bytes: int
    oldest_ms: int | None
    newest_ms: int | None
    bitrate_bps: float | None  # over the last hour of recording, None if too little is recorded


@dataclass(frozen=True, slots=True)
class StorageReport:
    """The storage panel: the volume holding the recordings and each camera's use of it.

    Attributes:
        projected_days: days of recording the space allowed to recordings holds at current bitrates, or None.
    """

    root: str
    total_bytes: int
    free_bytes: int
    recordings_bytes: int
    protected_bytes: int
    cameras: tuple[CameraStorage, ...]
    projected_days: float | None


@dataclass(frozen=True, slots=True)
class ProtectedRange:
    """A range retention never deletes (a bookmark's lock, an investigation). camera_id None = all cameras."""

    id: int
    camera_id: int | None
    start_ms: int
    end_ms: int
    reason: str
