"""The volume that holds the recordings: its size and free space, and the free-space limits kept on it."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True, slots=True)
class VolumeUsage:
    """Size and free space of a volume, in bytes."""

    total_bytes: int
    free_bytes: int


class Volume(Protocol):
    """Where the recordings are. `usage()` blocks (it may walk a tree): call it in a worker thread."""

    @property
    def root(self) -> Path: ...

    def usage(self) -> VolumeUsage: ...


@dataclass(frozen=True, slots=True)
class DiskVolume:
    """The real file system holding `root` (`shutil.disk_usage`)."""

    root: Path

    def usage(self) -> VolumeUsage:
        """Size and free space of the file system, as an unprivileged process may use it."""
        found = shutil.disk_usage(self.root)
        return VolumeUsage(total_bytes=found.total, free_bytes=found.free)


@dataclass(frozen=True, slots=True)
class CapacityVolume:
    """A volume of a configured size holding only the files under `root`: free = capacity - their bytes.

    For tests and for a recordings quota on a shared disk. Walks the tree on every call.
    """

    root: Path
    capacity_bytes: int

    def usage(self) -> VolumeUsage:
        """The configured capacity, and what the files under the root leave of it."""
        used = bytes_under(self.root)
        return VolumeUsage(self.capacity_bytes, max(0, self.capacity_bytes - used))


def bytes_under(root: Path) -> int:
    """Total size of the regular files under `root` (0 when it does not exist); symlinks are not followed."""
    total = 0
    for directory, _dirs, files in os.walk(root):
        for name in files:
            try:
                total += os.lstat(os.path.join(directory, name)).st_size
            except FileNotFoundError:  # deleted while walking
                continue
    return total


@dataclass(frozen=True, slots=True)
class StorageLimits:
    """Global free-space limits of the recordings volume.

    Attributes:
        min_free_bytes: keep at least this much free (the watermark is the larger of this and the percent).
        min_free_percent: keep at least this share of the volume free.
        hard_min_free_bytes: below this, with only protected recordings left to delete, recording stops
            rather than fill the disk (2 GiB: over a minute of 16 cameras at 4 Mbit/s each, far more than
            they write between two free-space checks). The watermark is never below it.
    """

    min_free_bytes: int = 0
    min_free_percent: float = 5.0
    hard_min_free_bytes: int = 2 * 1024**3

    def __post_init__(self) -> None:
        if self.min_free_bytes < 0 or self.hard_min_free_bytes < 0:
            raise ValueError("free-space limits must not be negative")
        if not 0 <= self.min_free_percent < 100:
            raise ValueError("min_free_percent must be in [0, 100)")

    def watermark_bytes(self, total_bytes: int) -> int:
        """How much free space retention keeps on a volume of `total_bytes`."""
        by_share = int(total_bytes * self.min_free_percent / 100)
        return max(self.min_free_bytes, by_share, self.hard_min_free_bytes)
