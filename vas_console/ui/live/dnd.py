"""Dragging cameras onto the live wall, and tiles within it: the MIME types and their payloads (ASCII).

A camera (from the camera tree, or a tile's) is `CAMERA_MIME` with its id. A group of the camera tree
also carries `CAMERAS_MIME`, all its cameras' ids comma-separated, and `CAMERA_MIME` with the first (so a
target that takes one camera still takes something sensible). A tile dragged onto another
tile of the same wall also carries `TILE_MIME` with the console's process id and the tile's index: the
wall swaps the two tiles. In another console (another process) the same drag is a plain camera drop.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QMimeData

CAMERA_MIME = "application/x-vas-camera-id"
CAMERAS_MIME = "application/x-vas-camera-ids"
TILE_MIME = "application/x-vas-wall-tile"


def camera_mime_data(camera_id: int) -> QMimeData:
    """MIME data carrying one camera id (also as text, for drops onto text fields)."""
    data = QMimeData()
    data.setData(CAMERA_MIME, str(camera_id).encode("ascii"))
    return data


def cameras_mime_data(camera_ids: list[int]) -> QMimeData:
    """MIME data carrying several cameras in order (a group); empty data for no cameras."""
    if not camera_ids:
        return QMimeData()
    data = camera_mime_data(camera_ids[0])
    data.setData(CAMERAS_MIME, ",".join(str(i) for i in camera_ids).encode("ascii"))
    return data


def tile_mime_data(camera_id: int, index: int) -> QMimeData:
    """MIME data for tile `index` showing `camera_id`, dragged within this console's wall."""
    data = camera_mime_data(camera_id)
    data.setData(TILE_MIME, f"{os.getpid()}:{index}".encode("ascii"))
    return data


def camera_id_from(data: QMimeData) -> int | None:
    """The camera id in `data`, or None when it carries none."""
    if not data.hasFormat(CAMERA_MIME):
        return None
    raw = bytes(data.data(CAMERA_MIME).data()).decode("ascii", errors="replace").strip()
    return int(raw) if raw.isdigit() else None


def camera_ids_from(data: QMimeData) -> list[int]:
    """Every camera id in `data`, in order: a group's cameras, or the one camera, or none."""
    if data.hasFormat(CAMERAS_MIME):
        raw = bytes(data.data(CAMERAS_MIME).data()).decode("ascii", errors="replace")
        ids = [int(part) for part in raw.split(",") if part.strip().isdigit()]
        if ids:
            return ids
    camera_id = camera_id_from(data)
    return [] if camera_id is None else [camera_id]


def tile_index_from(data: QMimeData) -> int | None:
    """The index of the tile `data` was dragged from, if it came from this console's wall."""
    if not data.hasFormat(TILE_MIME):
        return None
    raw = bytes(data.data(TILE_MIME).data()).decode("ascii", errors="replace").strip()
    pid, _, index = raw.partition(":")
    if pid != str(os.getpid()) or not index.isdigit():
        return None
    return int(index)
