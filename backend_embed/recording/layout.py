"""Where recordings live under the root: camera folders, UTC day folders, segment names and the quarantine.

The recorder writes `<root>/<camera_id>/<YYYY-MM-DD>/<stream>-<YYYYmmddTHHMMSSZ>-<sequence>.ts` (UTC, see
`backend_embed.ffmpeg.command`), and `<stream>.m3u8` live playlists in each camera folder. Files recovery
cannot use are moved under `<root>/quarantine/`, keeping their relative path, for an operator to inspect.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

logger = logging.getLogger(__name__)

QUARANTINE_DIR = "quarantine"
DAY_MS = 86_400_000
_DAY_FORMAT = "%Y-%m-%d"


def camera_dirs(root: Path) -> dict[int, Path]:
    """The camera folders under `root` (named by a camera id), by id."""
    found: dict[int, Path] = {}
    try:
        entries = list(os.scandir(root))
    except FileNotFoundError:
        return found
    for entry in entries:
        if (
            entry.is_dir(follow_symlinks=False)
            and entry.name.isdigit()
            and entry.name == str(int(entry.name))
        ):
            found[int(entry.name)] = Path(entry.path)
    return found


def day_dirs(camera_dir: Path) -> dict[str, Path]:
    """The UTC day folders (`YYYY-MM-DD`) of a camera folder, by day."""
    found: dict[str, Path] = {}
    for entry in os.scandir(camera_dir):
        if entry.is_dir(follow_symlinks=False) and _is_day(entry.name):
            found[entry.name] = Path(entry.path)
    return found


def _is_day(name: str) -> bool:
    try:
        return datetime.strptime(name, _DAY_FORMAT).strftime(_DAY_FORMAT) == name
    except ValueError:
        return False


def day_start_ms(day: str) -> int:
    """UTC milliseconds at the start of `day` (`YYYY-MM-DD`)."""
    return int(datetime.strptime(day, _DAY_FORMAT).replace(tzinfo=UTC).timestamp()) * 1000


def days_between(start_ms: int, end_ms: int) -> Iterator[str]:
    """The UTC days that [start_ms, end_ms] touches, oldest first."""
    day = datetime.fromtimestamp(start_ms // DAY_MS * DAY_MS / 1000, UTC)
    last = datetime.fromtimestamp(end_ms / 1000, UTC)
    while day <= last:
        yield day.strftime(_DAY_FORMAT)
        day += timedelta(days=1)


def segment_path(camera_id: int, day: str, name: str) -> str:
    """A segment's path relative to the root, as the index stores it."""
    return f"{camera_id}/{day}/{name}"


def quarantine(root: Path, path: Path) -> Path:
    """Move `path` (a file or folder under `root`) into the quarantine, keeping its relative path.

    An existing entry of the same name is never overwritten: a numeric suffix is added.
    """
    target = root / QUARANTINE_DIR / path.relative_to(root)
    target.parent.mkdir(parents=True, exist_ok=True)
    candidate, n = target, 1
    while candidate.exists():
        candidate = target.with_name(f"{target.name}.{n}")
        n += 1
    path.rename(candidate)
    logger.warning("Moved %s to %s", path, candidate)
    return candidate


def count_files(path: Path) -> int:
    """How many files are at or under `path`."""
    if not path.is_dir():
        return 1
    return sum(len(files) for _dirs, _subdirs, files in os.walk(path))
