"""The console's copy of the camera list: cameras, groups and statuses, and how each camera is described.

Qt-free: the tree model and the overview render from it. It never holds a password; `Camera` carries only
`has_password`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from backend_embed.api import (
    BackendEvent,
    Camera,
    CameraGroup,
    CameraRemoved,
    CamerasChanged,
    CameraStatus,
    CameraStatusChanged,
    CameraStatusInfo,
    redact,
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


def camera_tooltip(camera: Camera, info: CameraStatusInfo | None, group_name: str) -> str:
    """Plain-text tooltip: name, URLs (credential-free, redacted again for safety), group, location, tags."""
    lines = [camera.name, f"Main: {redact(camera.main_url)}"]
    if camera.sub_url:
        lines.append(f"Sub: {redact(camera.sub_url)}")
    lines.append(f"Group: {group_name}")
    if camera.location:
        lines.append(f"Location: {camera.location}")
    if camera.tags:
        lines.append(f"Tags: {', '.join(camera.tags)}")
    lines.append(f"Status: {status_detail(camera, info)}")
    return "\n".join(lines)


class CameraRoster:
    """The cameras, groups and statuses the UI shows; updated from backend answers and events."""

    def __init__(self) -> None:
        self._cameras: dict[int, Camera] = {}
        self._groups: dict[int, CameraGroup] = {}
        self._statuses: dict[int, CameraStatusInfo] = {}

    def reset(
        self,
        groups: Iterable[CameraGroup],
        cameras: Iterable[Camera],
        statuses: Iterable[CameraStatusInfo],
    ) -> None:
        """Replace everything with a fresh load."""
        self._groups = {g.id: g for g in groups}
        self._cameras = {c.id: c for c in cameras}
        self._statuses = {s.camera_id: s for s in statuses if s.camera_id in self._cameras}

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

    def put_status(self, info: CameraStatusInfo) -> bool:
        """Record a status. Returns False (and ignores it) when the camera is unknown."""
        if info.camera_id not in self._cameras:
            return False
        self._statuses[info.camera_id] = info
        return True

    def apply(self, event: BackendEvent) -> None:
        """Apply an event that carries its data; `GroupsChanged` needs a reload by the caller."""
        if isinstance(event, CamerasChanged):
            self.put_cameras(event.cameras)
        elif isinstance(event, CameraRemoved):
            self.remove_camera(event.camera_id)
        elif isinstance(event, CameraStatusChanged):
            self.put_status(event.info)

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
