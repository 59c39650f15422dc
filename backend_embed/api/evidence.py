"""Public values about evidence: snapshots, bookmarks, signed clip exports and their verification."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from backend_embed.api.dto import StreamRole


class SnapshotSource(StrEnum):
    """Where a snapshot's picture came from."""

    LIVE = "live"  # the newest frame of the camera's main stream
    RECORDED = "recorded"  # the recorded frame at a playhead position


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A still image in the gallery: a JPEG under the data directory and a row in the database.

    Attributes:
        camera_id: None once the camera was deleted (the snapshot outlives it; `camera_name` is kept).
        time_ms: the wall-clock instant of the frame (UTC ms): for live, when the frame arrived; for recorded,
            the frame's own time on the timeline.
        stream: the stream the picture was taken from (live snapshots always use the main stream).
        path: the full-size JPEG; `thumbnail_path`: a small JPEG (at most 320 px wide) made once at capture.
        protected: spared by snapshot retention until unprotected.
        created_ms: when the snapshot was taken (for a recorded one, later than `time_ms`).
    """

    id: int
    camera_id: int | None
    camera_name: str
    time_ms: int
    source: SnapshotSource
    stream: StreamRole
    width: int
    height: int
    size_bytes: int
    path: str
    thumbnail_path: str
    protected: bool
    note: str
    created_ms: int


@dataclass(frozen=True, slots=True)
class SnapshotFilter:
    """Which snapshots the gallery shows. Empty `camera_ids` means every camera; times bound `time_ms`."""

    camera_ids: frozenset[int] = frozenset()
    start_ms: int | None = None
    end_ms: int | None = None
    source: SnapshotSource | None = None


@dataclass(frozen=True, slots=True)
class Bookmark:
    """A named range of one camera's recording. A locked bookmark's range is kept from retention."""

    id: int
    camera_id: int
    start_ms: int
    end_ms: int
    name: str
    note: str
    tags: tuple[str, ...]
    locked: bool
    created_ms: int


@dataclass(frozen=True, slots=True)
class BookmarkDraft:
    """What the operator fills in to add or edit a bookmark (tags are trimmed, empty ones dropped)."""

    camera_id: int
    start_ms: int
    end_ms: int
    name: str
    note: str = ""
    tags: tuple[str, ...] = ()
    locked: bool = True


@dataclass(frozen=True, slots=True)
class BookmarkQuery:
    """Bookmarks overlapping [start_ms, end_ms) of some cameras whose name, note or tags contain `text`.

    Empty `camera_ids` means every camera; None bounds are open; matching ignores case.
    """

    camera_ids: frozenset[int] = frozenset()
    start_ms: int | None = None
    end_ms: int | None = None
    text: str = ""


@dataclass(frozen=True, slots=True)
class ClipExportRequest:
    """Export [start_ms, end_ms) of some cameras into the new folder `destination`.

    `job_id` is chosen by the caller: `ExportProgress` events carry it.
    """

    job_id: str
    camera_ids: tuple[int, ...]
    start_ms: int
    end_ms: int
    destination: str


@dataclass(frozen=True, slots=True)
class ExportedClip:
    """One camera's MP4 in an export: the range it covers (whole segments) and the gaps inside it."""

    camera_id: int
    camera_name: str
    file: str
    start_ms: int
    end_ms: int
    size_bytes: int
    gaps: int


@dataclass(frozen=True, slots=True)
class ClipExportResult:
    """A finished, signed export folder (`manifest.json` and `manifest.sig` beside the clips)."""

    job_id: str
    folder: str
    clips: tuple[ExportedClip, ...]
    key_fingerprint: str


class ExportFileState(StrEnum):
    """What verification found for one file of an export."""

    OK = "ok"
    ALTERED = "altered"  # its size or SHA-256 differs from the manifest
    MISSING = "missing"  # listed in the manifest, not in the folder
    EXTRA = "extra"  # in the folder, not in the manifest


@dataclass(frozen=True, slots=True)
class ExportFileVerdict:
    name: str
    state: ExportFileState


@dataclass(frozen=True, slots=True)
class ExportVerification:
    """The result of verifying an export folder.

    Attributes:
        valid: the signature is good and every file is as listed (nothing altered, missing or extra).
        signed_here: True when this installation's key signed it, False for another key, None if unknown.
        problems: what makes the manifest itself unusable (unreadable, not signed, bad signature), in words.
        report: the whole result as text, as the command line tool prints it.
    """

    folder: str
    valid: bool
    signature_ok: bool
    key_fingerprint: str
    signed_here: bool | None
    files: tuple[ExportFileVerdict, ...]
    problems: tuple[str, ...]
    report: str


@dataclass(frozen=True, slots=True)
class EvidenceKey:
    """The installation's export signing key (Ed25519), as shown to the operator and given to investigators."""

    public_key: str  # base64 of the 32 raw bytes
    fingerprint: str
    text: str  # "Ed25519 <base64> (fingerprint ab12:…)", what `vas-verify-export --key` takes
