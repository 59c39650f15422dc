"""Validation of what the operator asks for: a CameraSpec becomes a ValidCamera, or an InvalidInputError naming
the field. Pure functions; the registry stores what they return.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from backend_embed.api.dto import CameraSpec, RecordingSettings, StreamRole
from backend_embed.api.errors import InvalidInputError
from backend_embed.cameras.urls import CameraUrl, parse_camera_url

NAME_MAX = 100
LOCATION_MAX = 255
TAG_MAX = 50
MAX_AGE_DAYS_MAX = 36500
MAX_BYTES_MAX = 2**63 - 1


@dataclass(frozen=True, slots=True)
class ValidCamera:
    """A `CameraSpec` after validation: clean URLs, credentials merged, and `password=None` meaning "keep"."""

    name: str
    main_url: str
    sub_url: str | None
    username: str
    password: str | None = field(repr=False)
    group_id: int | None
    tags: tuple[str, ...]
    location: str
    enabled: bool
    recording: RecordingSettings


def validate_name(name: str, *, what: str = "camera", field_name: str = "name") -> str:
    """Trim a camera or group name and check it: not empty, at most 100 characters, no control characters.

    Raises:
        InvalidInputError: naming `field_name`.
    """
    clean = name.strip()
    if not clean:
        raise InvalidInputError(f"The {what} name is empty.", field=field_name)
    if len(clean) > NAME_MAX:
        raise InvalidInputError(
            f"The {what} name is longer than {NAME_MAX} characters.", field=field_name
        )
    if any(unicodedata.category(ch) == "Cc" for ch in clean):
        raise InvalidInputError(f"The {what} name contains control characters.", field=field_name)
    return clean


def validate_spec(spec: CameraSpec) -> ValidCamera:
    """Check every field of `spec` and move credentials out of its URLs.

    Raises:
        CameraUrlError: a URL is unusable (names `main_url` or `sub_url`).
        InvalidInputError: another field is unusable, or a URL's credentials differ from the user name or
            password fields; the error names the field.
    """
    name = validate_name(spec.name)
    main = parse_camera_url(spec.main_url, field_name="main_url")
    sub_text = (spec.sub_url or "").strip()
    sub = parse_camera_url(sub_text, field_name="sub_url") if sub_text else None
    username, password = _merge_credentials(spec, main, sub)
    location = spec.location.strip()
    if len(location) > LOCATION_MAX:
        raise InvalidInputError(
            f"The location is longer than {LOCATION_MAX} characters.", field="location"
        )
    if spec.group_id is not None and (isinstance(spec.group_id, bool) or spec.group_id < 1):
        raise InvalidInputError("The group is not valid.", field="group_id")
    return ValidCamera(
        name=name,
        main_url=main.url,
        sub_url=sub.url if sub else None,
        username=username,
        password=password,
        group_id=spec.group_id,
        tags=_validate_tags(spec.tags),
        location=location,
        enabled=bool(spec.enabled),
        recording=_validate_recording(spec.recording, has_sub=sub is not None),
    )


def _merge_credentials(
    spec: CameraSpec, main: CameraUrl, sub: CameraUrl | None
) -> tuple[str, str | None]:
    """Credentials from the fields and from the URLs; both is fine only when they agree."""
    username = spec.username.strip()
    password = spec.password
    for parsed, field_name, label in ((main, "main_url", "main URL"), (sub, "sub_url", "sub URL")):
        if parsed is None:
            continue
        if parsed.username:
            if username and username != parsed.username:
                raise InvalidInputError(
                    f"The user name in the {label} differs from the user name field. "
                    "Remove it from the URL or make them match.",
                    field=field_name,
                )
            username = parsed.username
        if parsed.password:
            if password and password != parsed.password:
                raise InvalidInputError(
                    f"The password in the {label} differs from the password field. "
                    "Remove it from the URL or make them match.",
                    field=field_name,
                )
            password = parsed.password
    return username, password


def _validate_tags(tags: Sequence[str]) -> tuple[str, ...]:
    """Trimmed, without empties and duplicates, in the order given."""
    clean: dict[str, None] = {}
    for tag in tags:
        text = tag.strip()
        if not text:
            continue
        if len(text) > TAG_MAX:
            raise InvalidInputError(
                f"The tag '{text[:20]}...' is longer than {TAG_MAX} characters.", field="tags"
            )
        if ";" in text:
            raise InvalidInputError(
                f"The tag '{text}' contains ';', which separates tags.", field="tags"
            )
        clean[text] = None
    return tuple(clean)


def _validate_recording(recording: RecordingSettings, *, has_sub: bool) -> RecordingSettings:
    try:
        stream = StreamRole(recording.stream)
    except ValueError as exc:
        raise InvalidInputError(
            "The recorded stream must be 'main' or 'sub'.", field="recording_stream"
        ) from exc
    if stream is StreamRole.SUB and not has_sub:
        raise InvalidInputError(
            "The sub stream is chosen for recording but the camera has no sub URL.",
            field="recording_stream",
        )
    return RecordingSettings(
        enabled=bool(recording.enabled),
        stream=stream,
        max_age_days=_limit(
            recording.max_age_days, MAX_AGE_DAYS_MAX, "recording_max_age_days", "days"
        ),
        max_bytes=_limit(recording.max_bytes, MAX_BYTES_MAX, "recording_max_bytes", "bytes"),
    )


def _limit(value: int | None, maximum: int, field_name: str, unit: str) -> int | None:
    if value is None:
        return None
    # bool is an int subclass: True must not pass as a limit of 1
    if type(value) is not int or not 1 <= value <= maximum:
        raise InvalidInputError(
            f"The recording limit must be a whole number of {unit} from 1 to {maximum}, or no limit.",
            field=field_name,
        )
    return value
