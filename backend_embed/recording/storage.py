"""StorageReporter: the storage panel's numbers, from the volume, the runs and the last hour of segments."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from backend_embed.api.recording import CameraStorage, StorageReport
from backend_embed.recording.inventory import IndexInventory
from backend_embed.recording.protection import ProtectedRangeRepository
from backend_embed.recording.volume import StorageLimits, Volume

logger = logging.getLogger(__name__)

#: the window current bitrates are measured over
BITRATE_WINDOW_MS = 3_600_000
#: less recorded media than this in the window gives no bitrate
MIN_BITRATE_MEDIA_MS = 60_000
_DAY_S = 86_400


def now_ms() -> int:
    """Wall-clock UTC now in milliseconds."""
    return time.time_ns() // 1_000_000


class StorageReporter:
    """Builds `StorageReport`s. Reads runs (bytes, oldest, newest), one hour of segments and the volume."""

    def __init__(
        self,
        inventory: IndexInventory,
        protection: ProtectedRangeRepository,
        volume: Volume,
        limits: StorageLimits,
        *,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        self._inventory = inventory
        self._protection = protection
        self._volume = volume
        self._limits = limits
        self._clock = clock

    async def report(self) -> StorageReport:
        """The storage state now.

        `projected_days` is the space recordings may use (what they hold plus the free space above the
        watermark) divided by the current total bitrate; None while no camera has a bitrate.

        Raises:
            DatabaseError: the database failed.
            OSError: the volume cannot be measured.
        """
        usage = await asyncio.to_thread(self._volume.usage)
        cameras = await self._inventory.usage_by_camera()
        recent = await self._inventory.recent_totals(self._clock() - BITRATE_WINDOW_MS)
        protected = await self._protection.protected_bytes()
        rows = []
        for camera in cameras:
            size, media_ms = recent.get(camera.camera_id, (0, 0))
            bitrate = size * 8 * 1000 / media_ms if media_ms >= MIN_BITRATE_MEDIA_MS else None
            rows.append(
                CameraStorage(
                    camera.camera_id, camera.bytes, camera.oldest_ms, camera.newest_ms, bitrate
                )
            )
        recordings = sum(c.bytes for c in cameras)
        allowed = max(
            0, recordings + usage.free_bytes - self._limits.watermark_bytes(usage.total_bytes)
        )
        total_bps = sum(c.bitrate_bps or 0.0 for c in rows)
        projected = allowed * 8 / total_bps / _DAY_S if total_bps > 0 else None
        return StorageReport(
            root=str(self._volume.root),
            total_bytes=usage.total_bytes,
            free_bytes=usage.free_bytes,
            recordings_bytes=recordings,
            protected_bytes=protected,
            cameras=tuple(rows),
            projected_days=projected,
        )
