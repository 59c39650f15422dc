"""Tests for vas_console/ui/recording_state.py: indicator, badge, pill, detail line and tooltip lines."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from backend_embed.api import (
    Camera,
    RecorderState,
    RecorderStatus,
    RecordingSettings,
    StreamRole,
)
from vas_console.ui.recording_state import (
    RecordingIndicator,
    recording_badge,
    recording_detail,
    recording_extras,
    recording_indicator,
    recording_pill,
    recording_tooltip_lines,
)

NOW = datetime(2026, 11, 21, tzinfo=UTC)
CAMERA = Camera(
    id=1,
    name="Gate",
    main_url="rtsp://192.0.2.1/main",
    sub_url=None,
    username="",
    has_password=False,
    group_id=None,
    tags=(),
    location="",
    enabled=True,
    recording=RecordingSettings(),
    created_at=NOW,
    updated_at=NOW,
)


def status(state: RecorderState, **fields: Any) -> RecorderStatus:
    return RecorderStatus(1, StreamRole.MAIN, state, **fields)


@pytest.mark.parametrize(
    ("recorder", "badge", "pill", "detail"),
    [
        (status(RecorderState.RECORDING), "REC", "● REC", "Recording the main stream"),
        (status(RecorderState.STARTING), "Starting", "REC starting", "Recorder starting…"),
        (
            status(RecorderState.RECONNECTING, reason="connection refused", retry_in_s=11.2),
            "Retry in 12 s",
            "REC retry in 12 s",
            "Reconnecting in 12 s: connection refused",
        ),
        (
            status(RecorderState.RECONNECTING, reason="connection refused", retry_in_s=0.0),
            "Retry now",
            "REC retry now",
            "Reconnecting now: connection refused",
        ),
        (
            status(RecorderState.FAILED, reason="ffmpeg exited with code 1"),
            "Failed",
            "REC failed",
            "Recording failed: ffmpeg exited with code 1",
        ),
        (
            status(RecorderState.DISK_FULL, reason="less than 1 GB free"),
            "Disk full",
            "REC disk full",
            "Recording stopped: disk full",
        ),
        (status(RecorderState.STOPPED), "Stopped", "REC stopped", "Recording stopped"),
        (None, "—", "REC ?", "No report from the recorder yet"),
    ],
    ids=[
        "recording",
        "starting",
        "reconnecting",
        "reconnecting-due",
        "failed",
        "disk-full",
        "stopped",
        "no-report",
    ],
)
def test_texts_of_each_recorder_state(
    recorder: RecorderStatus | None, badge: str, pill: str, detail: str
) -> None:
    indicator = recording_indicator(CAMERA, recorder)

    assert recording_badge(indicator, recorder) == badge
    assert recording_pill(indicator, recorder) == pill
    assert recording_detail(CAMERA, recorder) == detail


@pytest.mark.parametrize(
    ("camera", "detail"),
    [
        (replace(CAMERA, recording=RecordingSettings(enabled=False)), "Recording is off"),
        (replace(CAMERA, enabled=False), "Not recorded: camera disabled"),
    ],
    ids=["recording-off", "camera-disabled"],
)
def test_switched_off_recording_is_off_whatever_the_recorder_said(
    camera: Camera, detail: str
) -> None:
    recorder = status(RecorderState.RECORDING)

    assert recording_indicator(camera, recorder) is RecordingIndicator.OFF
    assert recording_detail(camera, recorder) == detail
    assert recording_tooltip_lines(camera, recorder) == [f"Recording: {detail}"]


def test_tooltip_tells_stream_transcoding_restarts_and_last_segment() -> None:
    last = datetime(2026, 11, 21, 9, 30, 5).astimezone()
    recorder = status(
        RecorderState.RECORDING,
        transcoding=True,
        restarts=3,
        last_segment_end_ms=int(last.timestamp() * 1000),
    )

    assert recording_tooltip_lines(CAMERA, recorder) == [
        "Recording: Recording the main stream",
        "Recorded stream: main",
        "Transcoding to H.264: this camera's codec costs CPU to record",
        "Recorder restarts since the console started: 3",
        "Last recorded: 2026-11-21 09:30:05",
    ]
    assert recording_extras(recorder) == "transcoding · 3 restarts"
    assert recording_extras(status(RecorderState.RECORDING, restarts=1)) == "1 restart"


def test_reason_is_redacted() -> None:
    recorder = status(RecorderState.FAILED, reason="rtsp://admin:hunter2@192.0.2.1/ refused")

    assert "hunter2" not in recording_detail(CAMERA, recorder)
