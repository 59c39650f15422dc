"""Where recordings live under the root: camera folders, UTC day folders, segment names and the quarantine.

The recorder writes `<root>/<camera_id>/<YYYY-MM-DD>/<stream>-<YYYYmmddTHHMMSSZ>-<sequence>.ts` (UTC, see
`backend_embed.ffmpeg.command`), and `<stream>.m3u8` live playlists and `camera.json` (the camera's id and
name, so a copied folder still says whose it is) in each camera folder. Files recovery cannot use are moved
under `<root>/quarantine/`, keeping their relative path, for an operator to inspect.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

logger = logging.getLogger(__name__)

QUARANTINE_DIR = "quarantine"
CAMERA_INFO = "camera.json"
#: the folder of timeline previews inside each day folder (backend_embed.recording.previews)
PREVIEWS_DIR = "previews"
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


def write_camera_info(root: Path, camera_id: int, name: str) -> Path:
    """Write `<root>/<camera_id>/camera.json` (`{"id": ..., "name": ...}`) unless it already says so.

    Call it (in a worker thread: it blocks) when recording of the camera starts, so a copied recordings folder
    can be reviewed with the cameras' names. Written atomically; the camera folder is created if needed.

    Raises:
        OSError: the camera folder cannot be written.
    """
    path = root / str(camera_id) / CAMERA_INFO
    text = json.dumps({"id": camera_id, "name": name}, ensure_ascii=False, indent=2) + "\n"
    try:
        if path.read_text(encoding="utf-8") == text:
            return path
    except (FileNotFoundError, UnicodeDecodeError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, text)
    return path


def read_camera_name(camera_dir: Path) -> str | None:
    """The camera name `camera.json` in `camera_dir` gives, or None if it is missing or unreadable."""
    name = _camera_info(camera_dir).get("name")
    return (name.strip() or None) if isinstance(name, str) else None


def read_camera_id(camera_dir: Path) -> int | None:
    """The camera id `camera.json` in `camera_dir` gives, or None if it is missing or unreadable."""
    camera_id = _camera_info(camera_dir).get("id")
    return camera_id if isinstance(camera_id, int) and camera_id >= 0 else None


def _camera_info(camera_dir: Path) -> dict[str, object]:
    try:
        data = json.loads((camera_dir / CAMERA_INFO).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file in the same folder and a rename (blocking)."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
