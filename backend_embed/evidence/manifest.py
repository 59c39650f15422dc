"""The export manifest: what an evidence export holds, in the exact bytes that get signed.

`manifest.json` is UTF-8 JSON with sorted keys; `manifest.sig` is the base64 Ed25519 signature of those
bytes, by the installation key whose public key the manifest names. Times are UTC milliseconds and ISO 8601.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.sig"
FORMAT = "vas-console-evidence"
FORMAT_VERSION = 1
_NAME_LIMIT = 60
_UNSAFE = re.compile(r"[^\w.-]+")


def iso_utc(ms: int) -> str:
    """UTC milliseconds as ISO 8601 with milliseconds: `2026-11-21T11:30:22.123Z`."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def stamp_utc(ms: int) -> str:
    """UTC milliseconds as a file-name stamp: `20261121T113022Z`."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y%m%dT%H%M%SZ")


def safe_name(text: str, fallback: str) -> str:
    """`text` fit for a file name on every OS: letters, digits, `.`, `-` and `_` only, at most 60 characters.

    Runs of anything else become one `_`; leading dots and underscores go (no hidden files). `fallback` is
    used when nothing is left.
    """
    normal = unicodedata.normalize("NFC", text)
    cleaned = _UNSAFE.sub("_", normal).strip("._-")[:_NAME_LIMIT].rstrip("._-")
    return cleaned or fallback


def clip_file_name(camera_name: str, camera_id: int, start_ms: int, end_ms: int) -> str:
    """`<camera name>_<start>_<end>.mp4`, sanitised (`safe_name`), times as UTC stamps."""
    base = safe_name(camera_name, f"camera-{camera_id}")
    return f"{base}_{stamp_utc(start_ms)}_{stamp_utc(end_ms)}.mp4"


@dataclass(frozen=True, slots=True)
class ExportedFile:
    """One exported clip, as the manifest lists it."""

    name: str
    bytes: int
    sha256: str
    duration_s: float


@dataclass(frozen=True, slots=True)
class CameraClip:
    """One camera's part of an export: what was asked and what its file covers.

    Attributes:
        covered_start_ms, covered_end_ms: from the first exported segment's start to the last one's end
            (whole segments are exported, so this may reach outside the requested range).
        gaps: spans inside the covered range that were not recorded (the clip plays across them).
    """

    camera_id: int
    camera_name: str
    file: ExportedFile
    covered_start_ms: int
    covered_end_ms: int
    segments: int
    gaps: tuple[tuple[int, int], ...] = ()


def _span(start_ms: int, end_ms: int) -> dict[str, Any]:
    return {
        "start_ms": start_ms,
        "end_ms": end_ms,
        "start": iso_utc(start_ms),
        "end": iso_utc(end_ms),
    }


def build_manifest(
    *,
    public_key: str,
    key_fingerprint: str,
    requested: tuple[int, int],
    clips: Sequence[CameraClip],
    created_ms: int,
) -> bytes:
    """The manifest bytes to write and sign. Deterministic: same input, same bytes."""
    if not clips:
        raise ValueError("a manifest lists at least one clip")
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created": _span(created_ms, created_ms)["start"],
        "public_key": public_key,
        "key_fingerprint": key_fingerprint,
        "requested": _span(*requested),
        "covered": _span(
            min(c.covered_start_ms for c in clips), max(c.covered_end_ms for c in clips)
        ),
        "cameras": [
            {
                "id": c.camera_id,
                "name": c.camera_name,
                "file": c.file.name,
                "covered": _span(c.covered_start_ms, c.covered_end_ms),
                "segments": c.segments,
                "gaps": [_span(lo, hi) for lo, hi in c.gaps],
            }
            for c in clips
        ],
        "files": [
            {
                "name": c.file.name,
                "bytes": c.file.bytes,
                "sha256": c.file.sha256,
                "duration_s": round(c.file.duration_s, 3),
            }
            for c in clips
        ],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()
