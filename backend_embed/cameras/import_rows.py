"""Validation of camera import rows: one converter per field, every problem collected as a LineError."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, TypeVar

from backend_embed.api.dto import CameraSpec, RecordingSettings, StreamRole
from backend_embed.api.errors import CameraUrlError, LineError
from backend_embed.cameras.redaction import redact
from backend_embed.cameras.urls import CameraUrl, parse_camera_url

FIELDS: Final = (
    "name", "main_url", "sub_url", "username", "password", "group", "tags", "location", "enabled",
    "recording_enabled", "recording_stream", "recording_max_age_days", "recording_max_bytes",
)  # fmt: skip
REQUIRED_FIELDS: Final = ("name", "main_url")
UNLIMITED: Final = "unlimited"
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})
_DEFAULT_RECORDING: Final = RecordingSettings()
_T = TypeVar("_T")
_NO_TAGS: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportedCamera:
    """One validated row. `spec.group_id` is None: the registry resolves `group_name` to an id.

    URLs in `spec` carry no credentials; those embedded in a URL were moved into `username`/`password`.
    """

    spec: CameraSpec
    group_name: str | None
    line: int


class FieldError(Exception):
    """A field value is unusable. The message says why without repeating the value (a password put in the
    wrong column must not show up in an error); only URLs are shown, redacted.

    A reader may also put a FieldError in place of a value (an unknown JSON key, a short CSV row) to have it
    reported with the row's other problems.
    """


RawRow = Mapping[str, object]


class _Row:
    """One raw row being validated: converts fields and collects a LineError per bad field."""

    def __init__(self, line: int, values: RawRow) -> None:
        self.line = line
        self.values = values
        self.errors: list[LineError] = []
        self.secrets = _row_secrets(values)

    def get(self, name: str, convert: Callable[[object], _T], fallback: _T) -> _T:
        try:
            return convert(self.values.get(name, ""))
        except FieldError as exc:
            self.error(name, str(exc))
            return fallback

    def error(self, name: str, message: str) -> None:
        self.errors.append(LineError(self.line, name, redact(message, self.secrets)))


def _row_secrets(values: RawRow) -> list[str]:
    """Every password a row may hold (the column, and those inside its URLs even if they do not parse)."""
    secrets = [v for k in ("password",) if isinstance(v := values.get(k), str) and v]
    for key in ("main_url", "sub_url"):
        url = values.get(key)
        if isinstance(url, str) and "://" in url and "@" in url:
            userinfo = url.partition("://")[2].rpartition("@")[0]
            if password := userinfo.partition(":")[2]:
                secrets.append(password)
    return secrets


def validate_rows(rows: list[tuple[int, RawRow]]) -> tuple[list[ImportedCamera], list[LineError]]:
    """Validate every row (line number, field -> raw value) and collect every problem.

    Values are text (CSV) or JSON values; a missing field takes its default. Names must be unique in the
    file. Returns the valid rows and the errors in row order; the caller uses the rows only if there are
    no errors.
    """
    cameras: list[ImportedCamera] = []
    errors: list[LineError] = []
    first_line: dict[str, int] = {}
    for line, values in rows:
        row = _Row(line, values)
        for key, value in values.items():
            if isinstance(value, FieldError):
                row.error(key, str(value))
        if isinstance(
            values.get(""), FieldError
        ):  # the row as a whole is unusable (a short CSV row)
            errors.extend(row.errors)
            continue
        name = values.get("name")
        if isinstance(name, str) and (name := name.strip()):
            if name in first_line:
                row.error("name", f"is already used on line {first_line[name]}")
            else:
                first_line[name] = line
        camera = _build_camera(row)
        errors.extend(row.errors)
        if camera is not None and not row.errors:
            cameras.append(camera)
    return cameras, errors


def _build_camera(row: _Row) -> ImportedCamera | None:
    name = row.get("name", _required_text, "")
    main = row.get("main_url", _url("main_url", required=True), None)
    sub = row.get("sub_url", _url("sub_url", required=False), None)
    username = row.get("username", _text, "")
    password = row.get("password", _secret, "")
    for field_name, url in (("main_url", main), ("sub_url", sub)):
        if url is not None:
            username = _merge_credential(row, field_name, "username", username, url.username)
            password = _merge_credential(row, field_name, "password", password, url.password)
    tags = row.get("tags", _tags, _NO_TAGS)
    location = row.get("location", _text, "")
    enabled = row.get("enabled", _flag(True), True)
    group = row.get("group", _text, "")
    recording = _build_recording(row, has_sub=sub is not None)
    if main is None or not name:
        return None
    spec = CameraSpec(
        name=name,
        main_url=main.url,
        sub_url=sub.url if sub else None,
        username=username,
        password=password or None,
        tags=tags,
        location=location,
        enabled=enabled,
        recording=recording,
    )
    return ImportedCamera(spec=spec, group_name=group or None, line=row.line)


def _build_recording(row: _Row, *, has_sub: bool) -> RecordingSettings:
    recording = RecordingSettings(
        enabled=row.get("recording_enabled", _flag(_DEFAULT_RECORDING.enabled), True),
        stream=row.get("recording_stream", _stream, _DEFAULT_RECORDING.stream),
        max_age_days=row.get(
            "recording_max_age_days", _limit(_DEFAULT_RECORDING.max_age_days), None
        ),
        max_bytes=row.get("recording_max_bytes", _limit(_DEFAULT_RECORDING.max_bytes), None),
    )
    sub_url_bad = any(e.field == "sub_url" for e in row.errors)
    if recording.stream is StreamRole.SUB and not has_sub and not sub_url_bad:
        row.error("recording_stream", "is 'sub' but the camera has no sub_url")
    return recording


def _merge_credential(
    row: _Row, field_name: str, column_name: str, column: str, in_url: str
) -> str:
    """Credentials may be in the columns or in the URL; both is fine only if they agree."""
    if column and in_url and column != in_url:
        row.error(field_name, f"the {column_name} in the URL differs from the {column_name} column")
    return column or in_url


def _text(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FieldError("must be text")
    return value.strip()


def _secret(value: object) -> str:
    """A password: kept exactly as written (spaces are allowed at either end)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FieldError("must be text")
    return value


def _required_text(value: object) -> str:
    text = _text(value)
    if not text:
        raise FieldError("is required")
    return text


def _url(field_name: str, *, required: bool) -> Callable[[object], CameraUrl | None]:
    def convert(value: object) -> CameraUrl | None:
        text = _required_text(value) if required else _text(value)
        if not text:
            return None
        if "://" not in text:  # not echoed: it may be a password that slipped into the wrong column
            raise FieldError("is not a URL; camera URLs look like rtsp://host:554/stream")
        try:
            return parse_camera_url(text, field_name=field_name)
        except CameraUrlError as exc:
            raise FieldError(exc.user_message) from exc

    return convert


def _flag(default: bool) -> Callable[[object], bool]:
    """A yes/no value: true/false, yes/no or 1/0 in any case; missing or empty keeps `default`."""

    def convert(value: object) -> bool:
        if isinstance(value, bool):
            return value
        text = _text(value).lower()
        if not text:
            return default
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise FieldError("is not true/false, yes/no or 1/0")

    return convert


def _stream(value: object) -> StreamRole:
    text = _text(value).lower() or StreamRole.MAIN.value
    try:
        return StreamRole(text)
    except ValueError as exc:
        raise FieldError("is not 'main' or 'sub'") from exc


def _limit(default: int | None) -> Callable[[object], int | None]:
    """A positive whole number; missing or empty keeps `default`; JSON null or 'unlimited' means no limit."""

    def convert(value: object) -> int | None:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str):
            text = value.strip().lower()
            if not text:
                return default
            if text in (UNLIMITED, "none"):
                return None
            if not text.isdigit():
                raise FieldError(f"is not a whole number or '{UNLIMITED}'")
            number = int(text)
        else:
            raise FieldError(f"is not a whole number or '{UNLIMITED}'")
        if number < 1:
            raise FieldError(f"must be at least 1 (or '{UNLIMITED}')")
        return number

    return convert


def _tags(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        if not all(isinstance(t, str) for t in value):
            raise FieldError("must be a list of text tags")
        parts: list[str] = value
    else:
        parts = _text(value).split(";")
    return tuple(dict.fromkeys(t.strip() for t in parts if t.strip()))
