"""Dragging cameras onto the live wall: the MIME type and its payload (a camera id in ASCII)."""

from __future__ import annotations

from PySide6.QtCore import QMimeData

CAMERA_MIME = "application/x-vas-camera-id"


def camera_mime_data(camera_id: int) -> QMimeData:
    """MIME data carrying one camera id (also as text, for drops onto text fields)."""
    data = QMimeData()
    data.setData(CAMERA_MIME, str(camera_id).encode("ascii"))
    return data


def camera_id_from(data: QMimeData) -> int | None:
    """The camera id in `data`, or None when it carries none."""
    if not data.hasFormat(CAMERA_MIME):
        return None
    raw = bytes(data.data(CAMERA_MIME).data()).decode("ascii", errors="replace").strip()
    return int(raw) if raw.isdigit() else None
