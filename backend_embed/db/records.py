"""Frozen records the repositories take and return, so ORM objects never leave `backend_embed.db`.

These are internal to the backend: `CameraRecord` still carries the encrypted password, which the registry
turns into `has_password` before anything reaches the UI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from backend_embed.api.dto import RecordingSettings


@dataclass(frozen=True, slots=True)
class CameraValues:
    """The validated, storable fields of a camera (what the registry writes).

    Attributes:
        group_name: set only by imports: the camera joins the group of that name (created in the same
            transaction when listed as new); it takes precedence over `group_id`.
    """

    name: str
    main_url: str
    sub_url: str | None
    username: str
    password_encrypted: bytes | None = field(repr=False)
    group_id: int | None = None
    tags: tuple[str, ...] = ()
    location: str = ""
    enabled: bool = True
    recording: RecordingSettings = field(default_factory=RecordingSettings)
    group_name: str | None = None


@dataclass(frozen=True, slots=True)
class CameraRecord:
    """A stored camera as the database has it, encrypted password included."""

    id: int
    name: str
    main_url: str
    sub_url: str | None
    username: str
    password_encrypted: bytes | None = field(repr=False)
    group_id: int | None
    tags: tuple[str, ...]
    location: str
    enabled: bool
    recording: RecordingSettings
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class CameraBatch:
    """What one `CameraRepository.add_many` transaction stored."""

    cameras: tuple[CameraRecord, ...]
    groups_created: tuple[str, ...]
