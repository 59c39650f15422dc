"""How a camera's recording is described: one indicator per camera, its short texts and tooltip lines.

Qt-free. The indicator folds the camera's settings into the recorder's state: a disabled camera, or one
whose recording is switched off, is OFF whatever the recorder last said.
"""

from __future__ import annotations

import enum
import math

from backend_embed.api import Camera, RecorderState, RecorderStatus, redact
from vas_console.ui.figures import local_datetime


class RecordingIndicator(enum.StrEnum):
    """What the recording indicator shows; the value is the `rec` property the style sheet matches."""

    RECORDING = "recording"
    STARTING = "starting"
    RECONNECTING = "reconnecting"
    FAILED = "failed"
    DISK_FULL = "disk_full"
    STOPPED = "stopped"
    OFF = "off"
    UNKNOWN = "unknown"


PROBLEMS = frozenset(
    {RecordingIndicator.RECONNECTING, RecordingIndicator.FAILED, RecordingIndicator.DISK_FULL}
)
"""Indicators that mean the operator is losing recording right now."""

_BY_STATE = {
    RecorderState.RECORDING: RecordingIndicator.RECORDING,
    RecorderState.STARTING: RecordingIndicator.STARTING,
    RecorderState.RECONNECTING: RecordingIndicator.RECONNECTING,
    RecorderState.FAILED: RecordingIndicator.FAILED,
    RecorderState.DISK_FULL: RecordingIndicator.DISK_FULL,
    RecorderState.STOPPED: RecordingIndicator.STOPPED,
}

_BADGES = {
    RecordingIndicator.RECORDING: "REC",
    RecordingIndicator.STARTING: "Starting",
    RecordingIndicator.FAILED: "Failed",
    RecordingIndicator.DISK_FULL: "Disk full",
    RecordingIndicator.STOPPED: "Stopped",
    RecordingIndicator.OFF: "Off",
    RecordingIndicator.UNKNOWN: "—",
}


def recording_indicator(camera: Camera, status: RecorderStatus | None) -> RecordingIndicator:
    """OFF when the camera or its recording is disabled, UNKNOWN before the recorder reported."""
    if not camera.enabled or not camera.recording.enabled:
        return RecordingIndicator.OFF
    if status is None:
        return RecordingIndicator.UNKNOWN
    return _BY_STATE[status.state]


def _retry_words(status: RecorderStatus | None) -> str:
    """`in 12 s`, `now`, or "" when the recorder gave no time."""
    if status is None or status.retry_in_s is None:
        return ""
    seconds = math.ceil(status.retry_in_s)
    return f"in {seconds} s" if seconds > 0 else "now"


def recording_badge(indicator: RecordingIndicator, status: RecorderStatus | None) -> str:
    """The tree's Recording column: `REC`, `Retry in 12 s`, `Failed`, `Disk full`, `Off`…"""
    if indicator is RecordingIndicator.RECONNECTING:
        words = _retry_words(status)
        return f"Retry {words}" if words else "Reconnecting"
    return _BADGES[indicator]


def recording_pill(indicator: RecordingIndicator, status: RecorderStatus | None) -> str:
    """The card's pill: `● REC` only while recording; otherwise `REC` and what is wrong (`REC failed`)."""
    if indicator is RecordingIndicator.RECORDING:
        return "● REC"
    if indicator is RecordingIndicator.UNKNOWN:
        return "REC ?"
    return f"REC {recording_badge(indicator, status).lower()}"


def recording_detail(camera: Camera, status: RecorderStatus | None) -> str:
    """One line: `Recording the main stream`, `Reconnecting in 12 s: connection refused`, …"""
    indicator = recording_indicator(camera, status)
    reason = redact(status.reason) if status is not None and status.reason else ""
    if indicator is RecordingIndicator.OFF:
        return "Not recorded: camera disabled" if not camera.enabled else "Recording is off"
    if indicator is RecordingIndicator.UNKNOWN or status is None:
        return "No report from the recorder yet"
    if indicator is RecordingIndicator.RECORDING:
        return f"Recording the {status.stream.value} stream"
    if indicator is RecordingIndicator.STARTING:
        return "Recorder starting…"
    if indicator is RecordingIndicator.RECONNECTING:
        words = _retry_words(status)
        head = f"Reconnecting {words}" if words else "Reconnecting"
    elif indicator is RecordingIndicator.FAILED:
        head = "Recording failed"
    elif indicator is RecordingIndicator.DISK_FULL:
        return "Recording stopped: disk full"
    else:
        head = "Recording stopped"
    return f"{head}: {reason}" if reason else head


def recording_extras(status: RecorderStatus | None) -> str:
    """What costs or happened besides the state: `transcoding · 3 restarts`, or ""."""
    if status is None:
        return ""
    parts = []
    if status.transcoding:
        parts.append("transcoding")
    if status.restarts:
        parts.append(f"{status.restarts} restart{'s' if status.restarts != 1 else ''}")
    return " · ".join(parts)


def recording_tooltip_lines(camera: Camera, status: RecorderStatus | None) -> list[str]:
    """Tooltip lines: the detail, the recorded stream, transcoding, restarts and the last segment."""
    lines = [f"Recording: {recording_detail(camera, status)}"]
    if status is None or recording_indicator(camera, status) is RecordingIndicator.OFF:
        return lines
    if status.state is RecorderState.DISK_FULL and status.reason:
        lines.append(f"Reason: {redact(status.reason)}")
    lines.append(f"Recorded stream: {status.stream.value}")
    if status.transcoding:
        lines.append("Transcoding to H.264: this camera's codec costs CPU to record")
    lines.append(f"Recorder restarts since the console started: {status.restarts}")
    if status.last_segment_end_ms is not None:
        lines.append(f"Last recorded: {local_datetime(status.last_segment_end_ms, seconds=True)}")
    return lines
