"""The console's copy of the camera list: cameras, groups, statuses and recorder states, and how a camera is
described.

Qt-free: the tree model and the overview render from it. It never holds a password; `Camera` carries only
`has_password`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from backend_embed.api import (
    BackendEvent,
    BackendStopped,
    Camera,
    CameraGroup,
    CameraRemoved,
    CamerasChanged,
    CameraStatus,
    CameraStatusChanged,
    CameraStatusInfo,
    RecorderState,
    RecorderStatus,
    RecorderStatusChanged,
    StreamRole,
    redact,
)
from vas_console.ui.recording_state import (
    PROBLEMS,
    RecordingIndicator,
    recording_indicator,
    recording_tooltip_lines,
)

UNGROUPED = "Ungrouped"

_STATUS_LABELS = {
    CameraStatus.UNKNOWN: "Not checked yet",
    CameraStatus.PROBING: "Probing…",
    CameraStatus.ONLINE: "Online",
    CameraStatus.OFFLINE: "Offline",
    CameraStatus.AUTH_FAILED: "Authentication failed",
    CameraStatus.DISABLED: "Disabled",
}


@dataclass(frozen=True, slots=True)
class Counts:
    """How many cameras there are, how many are online, disabled, or need the operator's attention."""

    total: int
    online: int
    disabled: int
    failing: int

    def summary(self) -> str:
        """A status bar line such as `Online 2/3 · 1 failing · 1 disabled`."""
        enabled = self.total - self.disabled
        parts = [f"Online {self.online}/{enabled}"]
        if self.failing:
            parts.append(f"{self.failing} failing")
        if self.disabled:
            parts.append(f"{self.disabled} disabled")
        return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class RecordingCounts:
    """How many cameras should record, how many do, and how many are losing recording right now."""

    expected: int
    recording: int
    failing: int

    def summary(self) -> str:
        """A status bar line such as `Recording 2/3 · 1 failing`, or `Recording off`."""
        if not self.expected:
            return "Recording off"
        line = f"Recording {self.recording}/{self.expected}"
        return f"{line} · {self.failing} failing" if self.failing else line


def effective_status(camera: Camera, info: CameraStatusInfo | None) -> CameraStatus:
    """A disabled camera is DISABLED whatever was last measured; a camera never probed is UNKNOWN."""
    if not camera.enabled:
        return CameraStatus.DISABLED
    return info.status if info is not None else CameraStatus.UNKNOWN


def status_label(status: CameraStatus) -> str:
    """The short word for a status: `Online`, `Authentication failed`, `Probing…`."""
    return _STATUS_LABELS[status]


def status_detail(camera: Camera, info: CameraStatusInfo | None) -> str:
    """One line: `Online · H264 1280x720 @ 25 fps`, `Offline: connection refused`, `Disabled`."""
    status = effective_status(camera, info)
    label = status_label(status)
    if status is CameraStatus.ONLINE and info is not None and info.probe is not None:
        return f"{label} · {info.probe.summary()}"
    if (
        status in (CameraStatus.OFFLINE, CameraStatus.AUTH_FAILED)
        and info is not None
        and info.reason
    ):
        reason = redact(info.reason)
        if reason.lower() != label.lower():
            return f"{label}: {reason}"
    return label


def camera_tooltip(
    camera: Camera,
    info: CameraStatusInfo | None,
    group_name: str,
    recorder: RecorderStatus | None = None,
) -> str:
    """Plain-text tooltip: name, URLs (credential-free, redacted again for safety), group, location, tags,
    reachability, then recording (state, stream, transcoding, restarts, last segment)."""
    lines = [camera.name, f"Main: {redact(camera.main_url)}"]
    if camera.sub_url:
        lines.append(f"Sub: {redact(camera.sub_url)}")
    lines.append(f"Group: {group_name}")
    if camera.location:
        lines.append(f"Location: {camera.location}")
    if camera.tags:
        lines.append(f"Tags: {', '.join(camera.tags)}")
    lines.append(f"Status: {status_detail(camera, info)}")
    lines.extend(recording_tooltip_lines(camera, recorder))
    return "\n".join(lines)


class CameraRoster:
    """The cameras, groups, statuses and recorder states the UI shows; updated from answers and events.

    Recorder states are kept per camera stream; a camera shows the state of the stream it records. A
    reconnect countdown (`retry_in_s`) is counted down from when the state arrived, on `clock`.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._cameras: dict[int, Camera] = {}
        self._groups: dict[int, CameraGroup] = {}
        self._statuses: dict[int, CameraStatusInfo] = {}
        self._recorders: dict[tuple[int, StreamRole], tuple[RecorderStatus, float]] = {}

    def reset(
        self,
        groups: Iterable[CameraGroup],
        cameras: Iterable[Camera],
        statuses: Iterable[CameraStatusInfo],
        recorders: Iterable[RecorderStatus] = (),
    ) -> None:
        """Replace everything with a fresh load."""
        self._groups = {g.id: g for g in groups}
        self._cameras = {c.id: c for c in cameras}
        self._statuses = {s.camera_id: s for s in statuses if s.camera_id in self._cameras}
        self._recorders = {}
        for recorder in recorders:
            self.put_recorder(recorder)

    def set_groups(self, groups: Iterable[CameraGroup]) -> None:
        self._groups = {g.id: g for g in groups}

    def put_group(self, group: CameraGroup) -> None:
        """Add or rename a group."""
        self._groups[group.id] = group

    def remove_group(self, group_id: int) -> None:
        self._groups.pop(group_id, None)

    def put_cameras(self, cameras: Iterable[Camera]) -> None:
        """Add or replace cameras."""
        for camera in cameras:
            self._cameras[camera.id] = camera

    def remove_camera(self, camera_id: int) -> None:
        self._cameras.pop(camera_id, None)
        self._statuses.pop(camera_id, None)
        for key in [k for k in self._recorders if k[0] == camera_id]:
            del self._recorders[key]

    def put_status(self, info: CameraStatusInfo) -> bool:
        """Record a status. Returns False (and ignores it) when the camera is unknown."""
        if info.camera_id not in self._cameras:
            return False
        self._statuses[info.camera_id] = info
        return True

    def put_recorder(self, status: RecorderStatus) -> bool:
        """Record a recorder state. Returns False (and ignores it) when the camera is unknown."""
        if status.camera_id not in self._cameras:
            return False
        self._recorders[(status.camera_id, status.stream)] = (status, self._clock())
        return True

    def apply(self, event: BackendEvent) -> None:
        """Apply an event that carries its data; `GroupsChanged` needs a reload by the caller.

        `StorageAlert` is not the roster's business and is ignored.
        """
        if isinstance(event, CamerasChanged):
            self.put_cameras(event.cameras)
        elif isinstance(event, CameraRemoved):
            self.remove_camera(event.camera_id)
        elif isinstance(event, CameraStatusChanged):
            self.put_status(event.info)
        elif isinstance(event, RecorderStatusChanged):
            self.put_recorder(event.status)
        elif isinstance(event, BackendStopped):
            self.mark_backend_stopped(event.user_message)

    def mark_backend_stopped(self, reason: str) -> None:
        """The backend is gone: no recorder runs and no camera status is known any more."""
        for camera in self._cameras.values():
            self._statuses[camera.id] = CameraStatusInfo(camera.id, CameraStatus.UNKNOWN, reason)
            if camera.recording.enabled:
                stopped = RecorderStatus(
                    camera.id, camera.recording.stream, RecorderState.FAILED, reason=reason
                )
                self._recorders[(camera.id, camera.recording.stream)] = (stopped, self._clock())

    def cameras(self) -> list[Camera]:
        """All cameras sorted by name (case-insensitive)."""
        return sorted(self._cameras.values(), key=lambda c: (c.name.casefold(), c.id))

    def camera(self, camera_id: int) -> Camera | None:
        return self._cameras.get(camera_id)

    def groups(self) -> list[CameraGroup]:
        """All groups sorted by name (case-insensitive)."""
        return sorted(self._groups.values(), key=lambda g: (g.name.casefold(), g.id))

    def group(self, group_id: int) -> CameraGroup | None:
        return self._groups.get(group_id)

    def group_name(self, group_id: int | None) -> str:
        """The group's name, or "Ungrouped" for no group or a group that no longer exists."""
        group = self._groups.get(group_id) if group_id is not None else None
        return group.name if group is not None else UNGROUPED

    def home_group_id(self, camera: Camera) -> int | None:
        """The group a camera is shown under: None (Ungrouped) when its group is unknown."""
        return camera.group_id if camera.group_id in self._groups else None

    def cameras_in(self, group_id: int | None) -> list[Camera]:
        return [c for c in self.cameras() if self.home_group_id(c) == group_id]

    def status_info(self, camera_id: int) -> CameraStatusInfo | None:
        return self._statuses.get(camera_id)

    def status(self, camera: Camera) -> CameraStatus:
        return effective_status(camera, self._statuses.get(camera.id))

    def recorder_status(self, camera: Camera) -> RecorderStatus | None:
        """The state of the stream `camera` records, with `retry_in_s` counted down to now."""
        entry = self._recorders.get((camera.id, camera.recording.stream))
        if entry is None:
            return None
        status, received = entry
        if status.retry_in_s is None:
            return status
        left = max(0.0, status.retry_in_s - (self._clock() - received))
        return replace(status, retry_in_s=left)

    def recording(self, camera: Camera) -> RecordingIndicator:
        return recording_indicator(camera, self.recorder_status(camera))

    def counting_down(self) -> bool:
        """True while a camera's recorder waits to reconnect with time left: views tick each second."""
        for camera in self._cameras.values():
            status = self.recorder_status(camera)
            indicator = recording_indicator(camera, status)
            if indicator is RecordingIndicator.RECONNECTING and status and status.retry_in_s:
                return True
        return False

    def recording_counts(self, cameras: Iterable[Camera] | None = None) -> RecordingCounts:
        """Recording counts over `cameras` (default: all)."""
        chosen = list(self._cameras.values() if cameras is None else cameras)
        shown = [self.recording(c) for c in chosen]
        return RecordingCounts(
            expected=sum(1 for i in shown if i is not RecordingIndicator.OFF),
            recording=shown.count(RecordingIndicator.RECORDING),
            failing=sum(1 for i in shown if i in PROBLEMS),
        )

    def counts(self, cameras: Iterable[Camera] | None = None) -> Counts:
        """Counts over `cameras` (default: all)."""
        chosen = list(self._cameras.values() if cameras is None else cameras)
        statuses = [self.status(c) for c in chosen]
        return Counts(
            total=len(chosen),
            online=statuses.count(CameraStatus.ONLINE),
            disabled=statuses.count(CameraStatus.DISABLED),
            failing=statuses.count(CameraStatus.OFFLINE) + statuses.count(CameraStatus.AUTH_FAILED),
        )
