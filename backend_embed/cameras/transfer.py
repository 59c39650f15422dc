"""Camera import and export files (JSON and CSV): all-or-nothing validation on import, no passwords on export.

Both formats carry the same fields, named alike: `name`, `main_url`, `sub_url`, `username`, `password`
(import only), `group`, `tags`, `location`, `enabled`, `recording_enabled`, `recording_stream`,
`recording_max_age_days`, `recording_max_bytes`. See docs/cameras.md for the file layout and the rules.
"""

from __future__ import annotations

import bisect
import csv
import io
import json
import logging
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from backend_embed.api.dto import Camera, CameraSpec, ExportFormat
from backend_embed.api.errors import BackendError, ImportFileError
from backend_embed.cameras.import_rows import (
    FIELDS,
    REQUIRED_FIELDS,
    UNLIMITED,
    FieldError,
    ImportedCamera,
    RawRow,
    validate_rows,
)
from backend_embed.cameras.redaction import redact

logger = logging.getLogger(__name__)

MAX_IMPORT_BYTES: Final = 10 * 1024 * 1024
JSON_FORMAT_NAME: Final = "vas-console-cameras"
JSON_FORMAT_VERSION: Final = 1
EXPORT_FIELDS: Final = tuple(f for f in FIELDS if f != "password")
_JSON_TOP_KEYS = frozenset({"format", "version", "exported_at", "groups", "cameras"})
_JSON_WS = re.compile(r"[ \t\n\r]*")


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """A whole import file, validated: every row is usable, or `parse_import` raised instead.

    Attributes:
        cameras: the rows in file order.
        group_names: every group the file names (the JSON `groups` list, then those of the rows), in order of
            first appearance, each once. The registry creates those that do not exist.
    """

    cameras: tuple[ImportedCamera, ...]
    group_names: tuple[str, ...]

    @property
    def specs(self) -> tuple[CameraSpec, ...]:
        """The camera specs alone, in file order."""
        return tuple(c.spec for c in self.cameras)


# -- import ---------------------------------------------------------------------------------------------------


def parse_import(path: Path) -> ImportPlan:
    """Read and validate a camera import file; JSON or CSV by suffix (`.json`, `.csv`), else by content.

    Every row is checked and every problem collected before anything is returned, so a caller imports all
    rows or none. CSV errors name the physical line (the header is line 1); JSON errors name the line where
    the camera's `{` is.

    Raises:
        ImportFileError: the file cannot be used; `errors` lists each row problem (empty for a file-level
            problem such as bad JSON, an unknown CSV column, a non-UTF-8 file, an empty or oversized file).
            No message contains a password.
    """
    text = _read_text(path)
    if path.suffix.lower() == ".json" or (
        path.suffix.lower() != ".csv" and text.lstrip()[:1] in "[{"
    ):
        rows, listed_groups = _json_rows(text, path.name)
    else:
        rows, listed_groups = _csv_rows(text, path.name), ()
    cameras, errors = validate_rows(rows)
    if errors:
        noun = "problem" if len(errors) == 1 else "problems"
        raise ImportFileError(
            f"{path.name} has {len(errors)} {noun}; nothing was imported. Fix them and import again.",
            tuple(sorted(errors, key=lambda e: e.line)),
        )
    if not cameras:
        raise ImportFileError(f"{path.name} contains no cameras.", ())
    names = dict.fromkeys([*listed_groups, *(c.group_name for c in cameras if c.group_name)])
    logger.info("Validated %d cameras from %s", len(cameras), path.name)
    return ImportPlan(cameras=tuple(cameras), group_names=tuple(names))


def _read_text(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_IMPORT_BYTES + 1)
    except OSError as exc:
        raise ImportFileError(f"{path.name} cannot be read: {exc.strerror or exc}.", ()) from exc
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFileError(f"{path.name} is larger than 10 MB; that is not a camera list.", ())
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{path.name} is not UTF-8 text (byte {exc.start + 1}). Save it as UTF-8 and import again.",
            (),
        ) from exc
    if not text.strip():
        raise ImportFileError(f"{path.name} is empty.", ())
    return text


def _csv_rows(text: str, filename: str) -> list[tuple[int, RawRow]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, RawRow]] = []
    header: list[str] | None = None
    last_line = 0
    try:
        for record in reader:
            line, last_line = last_line + 1, reader.line_num
            if header is None:
                header = _csv_header(record, filename)
            elif any(cell.strip() for cell in record):
                rows.append((line, _csv_record(record, header)))
    except csv.Error as exc:
        raise ImportFileError(
            f"{filename} is not valid CSV (line {reader.line_num}: {exc}).", ()
        ) from exc
    return rows


def _csv_header(record: list[str], filename: str) -> list[str]:
    header = [cell.strip().lower() for cell in record]
    unknown = [h for h in header if h not in FIELDS]
    if unknown:
        hint = " The file must be comma-separated." if any(";" in h for h in unknown) else ""
        raise ImportFileError(
            f"{filename}: unknown column(s) {', '.join(map(repr, unknown))} in the header (line 1). "
            f"Known columns: {', '.join(FIELDS)}.{hint}",
            (),
        )
    if len(set(header)) != len(header):
        raise ImportFileError(f"{filename}: a column appears twice in the header (line 1).", ())
    missing = [f for f in REQUIRED_FIELDS if f not in header]
    if missing:
        raise ImportFileError(
            f"{filename}: the header (line 1) lacks the required column(s) {', '.join(missing)}.",
            (),
        )
    return header


def _csv_record(record: list[str], header: list[str]) -> RawRow:
    """Map a record onto the header; missing trailing cells are empty, surplus cells are an error."""
    if len(record) > len(header):
        return {
            "": FieldError(f"has {len(record)} values but the header has {len(header)} columns")
        }
    return dict(zip(header, record, strict=False))


def _json_rows(text: str, filename: str) -> tuple[list[tuple[int, RawRow]], tuple[str, ...]]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            f"{filename} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).", ()
        ) from exc
    groups: tuple[str, ...] = ()
    if isinstance(doc, list):
        entries, array_pos = doc, _json_skip(text, 0)
    elif isinstance(doc, dict):
        entries, groups = _json_document(doc, filename)
        array_pos = _json_value_position(text, "cameras")
    else:
        raise ImportFileError(
            f"{filename}: expected a list of cameras or an object with a 'cameras' list.", ()
        )
    newlines = [m.start() for m in re.finditer("\n", text)]
    rows: list[tuple[int, RawRow]] = []
    for entry, pos in zip(entries, _json_array_positions(text, array_pos), strict=True):
        line = bisect.bisect_right(newlines, pos) + 1
        if isinstance(entry, dict):
            unknown = [k for k in entry if k not in FIELDS]
            row: dict[str, object] = {k: v for k, v in entry.items() if k in FIELDS}
            for key in unknown:
                row[key] = FieldError("is not a known field")
            rows.append((line, row))
        else:
            rows.append((line, {"": FieldError("is not a camera object ({...})")}))
    return rows, groups


def _json_document(doc: dict[str, Any], filename: str) -> tuple[list[Any], tuple[str, ...]]:
    unknown = sorted(set(doc) - _JSON_TOP_KEYS)
    if unknown:
        raise ImportFileError(
            f"{filename}: unknown top-level key(s) {', '.join(map(repr, unknown))}.", ()
        )
    if doc.get("format", JSON_FORMAT_NAME) != JSON_FORMAT_NAME:
        raise ImportFileError(
            f"{filename} is not a VAS Console camera list ('format' is not {JSON_FORMAT_NAME!r}).",
            (),
        )
    version = doc.get("version", JSON_FORMAT_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version > JSON_FORMAT_VERSION:
        raise ImportFileError(
            f"{filename} was written by a newer version (format version {version!r}).", ()
        )
    cameras, groups = doc.get("cameras"), doc.get("groups", [])
    if not isinstance(cameras, list):
        raise ImportFileError(f"{filename}: the top-level object needs a 'cameras' list.", ())
    if not isinstance(groups, list) or not all(isinstance(g, str) and g.strip() for g in groups):
        raise ImportFileError(f"{filename}: 'groups' must be a list of non-empty group names.", ())
    return cameras, tuple(g.strip() for g in groups)


def _json_skip(text: str, idx: int) -> int:
    match = _JSON_WS.match(text, idx)
    return match.end() if match else idx


def _json_value_position(text: str, wanted: str) -> int:
    """Where the value of top-level key `wanted` starts (the last one, as `json.loads` keeps the last)."""
    decoder, found = json.JSONDecoder(), -1
    idx = _json_skip(text, _json_skip(text, 0) + 1)
    while text[idx] != "}":
        key, idx = decoder.raw_decode(text, idx)
        idx = _json_skip(text, _json_skip(text, idx) + 1)  # past the ":"
        if key == wanted:
            found = idx
        idx = _json_skip(text, decoder.raw_decode(text, idx)[1])
        if text[idx] == ",":
            idx = _json_skip(text, idx + 1)
    return found


def _json_array_positions(text: str, idx: int) -> list[int]:
    """Where each element of the (valid) JSON array starting at `idx` starts."""
    decoder, positions = json.JSONDecoder(), []
    idx = _json_skip(text, idx + 1)
    while text[idx] != "]":
        positions.append(idx)
        idx = _json_skip(text, decoder.raw_decode(text, idx)[1])
        if text[idx] == ",":
            idx = _json_skip(text, idx + 1)
    return positions


# -- export ---------------------------------------------------------------------------------------------------


def export_cameras(
    path: Path, fmt: ExportFormat, cameras: Sequence[Camera], group_names: Mapping[int, str]
) -> int:
    """Write `cameras` to `path` as JSON or CSV and return how many were written.

    Passwords are never exported, not even encrypted: the file holds the user name only, and whoever imports
    it enters the passwords again (or adds a `password` column/field first). Every text value goes through
    `redact()` as a last guard, although stored URLs carry no credentials. The file is written to a temp
    file beside it and renamed into place, so a reader never sees half a file. Blocking: call from a thread.

    Args:
        group_names: group id -> name, for the `group` field; JSON also lists them all under `groups`.

    Raises:
        BackendError: the file cannot be written.
    """
    records = [_export_record(c, group_names) for c in cameras]
    data = _export_json(records, group_names) if fmt is ExportFormat.JSON else _export_csv(records)
    _write_atomic(path, data)
    logger.info("Exported %d cameras as %s to %s", len(records), fmt.value, path.name)
    return len(records)


def _export_record(camera: Camera, group_names: Mapping[int, str]) -> dict[str, Any]:
    group = group_names.get(camera.group_id) if camera.group_id is not None else None
    return {
        "name": redact(camera.name),
        "main_url": redact(camera.main_url),
        "sub_url": redact(camera.sub_url) if camera.sub_url else None,
        "username": redact(camera.username),
        "group": redact(group) if group else None,
        "tags": [redact(t) for t in camera.tags],
        "location": redact(camera.location),
        "enabled": camera.enabled,
        "recording_enabled": camera.recording.enabled,
        "recording_stream": camera.recording.stream.value,
        "recording_max_age_days": camera.recording.max_age_days,
        "recording_max_bytes": camera.recording.max_bytes,
    }


def _export_json(records: list[dict[str, Any]], group_names: Mapping[int, str]) -> bytes:
    doc = {
        "format": JSON_FORMAT_NAME,
        "version": JSON_FORMAT_VERSION,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "groups": sorted(redact(name) for name in group_names.values()),
        "cameras": records,
    }
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _export_csv(records: list[dict[str, Any]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(EXPORT_FIELDS)
    for record in records:
        writer.writerow(_csv_cell(f, record[f]) for f in EXPORT_FIELDS)
    return out.getvalue().encode("utf-8")


def _csv_cell(field: str, value: object) -> str:
    if value is None:
        return UNLIMITED if field.startswith("recording_max_") else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp: Path | None = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        tmp = Path(tmp_name)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise BackendError(
            f"The cameras cannot be exported to {path}: {exc.strerror or exc}.",
            detail=type(exc).__name__,
        ) from exc
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
