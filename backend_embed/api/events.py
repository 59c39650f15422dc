"""Facts the backend publishes. Subscribers may be called on the backend's loop: post, do not block."""

from __future__ import annotations

from dataclasses import dataclass

from backend_embed.api.dto import Camera, CameraStatusInfo
from backend_embed.api.recording import RecorderStatus, StorageReport


@dataclass(frozen=True, slots=True)
class CamerasChanged:
    """Cameras were added or changed; carries the new values."""

    cameras: tuple[Camera, ...]


@dataclass(frozen=True, slots=True)
class CameraRemoved:
    """A camera was deleted."""

    camera_id: int


@dataclass(frozen=True, slots=True)
class GroupsChanged:
    """Groups were added, renamed or removed: reload the list."""


@dataclass(frozen=True, slots=True)
class CameraStatusChanged:
    """A camera's status changed."""

    info: CameraStatusInfo


@dataclass(frozen=True, slots=True)
class RecorderStatusChanged:
    """A camera stream's recorder changed state."""

    status: RecorderStatus


@dataclass(frozen=True, slots=True)
class StorageAlert:
    """Recording was stopped or retention could not make room: the operator must act.

    `report` is the storage state that caused it.
    """

    message: str
    report: StorageReport


@dataclass(frozen=True, slots=True)
class SnapshotsChanged:
    """Snapshots were taken, deleted, protected or removed by retention: reload the gallery."""


@dataclass(frozen=True, slots=True)
class BookmarksChanged:
    """Bookmarks of these cameras were added, edited, locked, unlocked or deleted."""

    camera_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ExportProgress:
    """A clip export moved on: `fraction` 0.0 … 1.0 of the media to copy, `detail` what it is doing."""

    job_id: str
    fraction: float
    detail: str


@dataclass(frozen=True, slots=True)
class BackendStopped:
    """The backend stopped on its own (its process exited): nothing records until it is back
    (`BackendRestarted`; the console restarts it).

    `user_message` says so in words fit for the operator.
    """

    user_message: str


@dataclass(frozen=True, slots=True)
class BackendRestarted:
    """The backend came back after it stopped on its own: its recorders start again.

    What the console showed of it is stale: cameras, statuses and live endpoints (a new WHEP port) must be
    fetched again.
    """

    user_message: str


BackendEvent = (
    CamerasChanged
    | CameraRemoved
    | GroupsChanged
    | CameraStatusChanged
    | RecorderStatusChanged
    | StorageAlert
    | SnapshotsChanged
    | BookmarksChanged
    | ExportProgress
    | BackendStopped
    | BackendRestarted
)
