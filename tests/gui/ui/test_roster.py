"""Tests for vas_console/ui/roster.py: effective status, status lines, counts and event application."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from backend_embed.api import (
    Camera,
    CameraGroup,
    CameraRemoved,
    CamerasChanged,
    CameraStatus,
    CameraStatusChanged,
    CameraStatusInfo,
    ProbeOutcome,
    ProbeResult,
    RecorderState,
    RecorderStatus,
    RecorderStatusChanged,
    RecordingSettings,
    StreamRole,
)
from vas_console.ui.recording_state import RecordingIndicator
from vas_console.ui.roster import (
    CameraRoster,
    Counts,
    RecordingCounts,
    camera_tooltip,
    status_detail,
)

NOW = datetime(2026, 11, 21, tzinfo=UTC)
CAMERA = Camera(
    id=1,
    name="Gate",
    main_url="rtsp://192.0.2.1/main",
    sub_url=None,
    username="viewer",
    has_password=True,
    group_id=7,
    tags=("outdoor",),
    location="Yard",
    enabled=True,
    recording=RecordingSettings(),
    created_at=NOW,
    updated_at=NOW,
)
PROBE = ProbeResult(ProbeOutcome.OK, "ok", codec="h264", width=1280, height=720, fps=25.0)


@pytest.mark.parametrize(
    ("camera", "info", "expected"),
    [
        (CAMERA, None, "Not checked yet"),
        (
            CAMERA,
            CameraStatusInfo(1, CameraStatus.ONLINE, probe=PROBE),
            "Online · H264 1280x720 @ 25 fps",
        ),
        (
            CAMERA,
            CameraStatusInfo(1, CameraStatus.OFFLINE, "Connection refused"),
            "Offline: Connection refused",
        ),
        (
            CAMERA,
            CameraStatusInfo(1, CameraStatus.AUTH_FAILED, "authentication failed"),
            "Authentication failed",
        ),
        (CAMERA, CameraStatusInfo(1, CameraStatus.PROBING), "Probing…"),
        (
            replace(CAMERA, enabled=False),
            CameraStatusInfo(1, CameraStatus.ONLINE, probe=PROBE),
            "Disabled",
        ),
    ],
    ids=["never-probed", "online", "offline-reason", "auth-no-repeat", "probing", "disabled-wins"],
)
def test_status_detail_describes_the_effective_status(
    camera: Camera, info: CameraStatusInfo | None, expected: str
) -> None:
    assert status_detail(camera, info) == expected


def test_status_detail_masks_credentials_in_a_reason() -> None:
    info = CameraStatusInfo(1, CameraStatus.OFFLINE, "rtsp://admin:topsecret@192.0.2.1/ refused")

    assert "topsecret" not in status_detail(CAMERA, info)


def test_tooltip_lists_url_group_location_tags_and_recording() -> None:
    assert camera_tooltip(CAMERA, None, "Yard") == (
        "Gate\nMain: rtsp://192.0.2.1/main\nGroup: Yard\nLocation: Yard\nTags: outdoor\n"
        "Status: Not checked yet\nRecording: No report from the recorder yet"
    )


def test_events_update_cameras_and_statuses() -> None:
    roster = CameraRoster()
    roster.reset([CameraGroup(7, "Yard")], [CAMERA], [])

    roster.apply(CameraStatusChanged(CameraStatusInfo(1, CameraStatus.ONLINE, probe=PROBE)))
    roster.apply(CamerasChanged((replace(CAMERA, id=2, name="Dock"),)))

    assert roster.counts() == Counts(total=2, online=1, disabled=0, failing=0)
    roster.apply(CameraRemoved(1))
    assert [c.name for c in roster.cameras()] == ["Dock"]
    assert roster.status_info(1) is None


def test_status_of_an_unknown_camera_is_ignored() -> None:
    roster = CameraRoster()

    assert not roster.put_status(CameraStatusInfo(99, CameraStatus.ONLINE))
    assert roster.counts().total == 0


def test_camera_of_a_vanished_group_is_shown_as_ungrouped() -> None:
    roster = CameraRoster()
    roster.reset([], [CAMERA], [])

    assert roster.cameras_in(None) == [CAMERA]
    assert roster.group_name(CAMERA.group_id) == "Ungrouped"


def test_counts_summary_mentions_failing_and_disabled_only_when_present() -> None:
    assert Counts(total=3, online=3, disabled=0, failing=0).summary() == "Online 3/3"
    assert (
        Counts(total=5, online=2, disabled=1, failing=2).summary()
        == "Online 2/4 · 2 failing · 1 disabled"
    )


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_camera_shows_the_recorder_of_the_stream_it_records() -> None:
    roster = CameraRoster()
    sub_camera = replace(CAMERA, id=2, recording=RecordingSettings(stream=StreamRole.SUB))
    roster.reset([], [CAMERA, sub_camera], [])

    roster.apply(RecorderStatusChanged(RecorderStatus(1, StreamRole.SUB, RecorderState.FAILED)))
    roster.apply(RecorderStatusChanged(RecorderStatus(2, StreamRole.SUB, RecorderState.RECORDING)))

    assert roster.recording(CAMERA) is RecordingIndicator.UNKNOWN
    assert roster.recording(sub_camera) is RecordingIndicator.RECORDING


def test_recorder_of_an_unknown_camera_is_ignored_and_removal_forgets_it() -> None:
    roster = CameraRoster()
    roster.reset([], [CAMERA], [], [RecorderStatus(1, StreamRole.MAIN, RecorderState.RECORDING)])

    assert not roster.put_recorder(RecorderStatus(99, StreamRole.MAIN, RecorderState.RECORDING))
    roster.apply(CameraRemoved(1))
    roster.put_cameras([CAMERA])
    assert roster.recorder_status(CAMERA) is None


def test_reconnect_countdown_runs_from_when_the_state_arrived() -> None:
    clock = FakeClock()
    roster = CameraRoster(clock=clock)
    roster.reset([], [CAMERA], [])
    roster.put_recorder(
        RecorderStatus(1, StreamRole.MAIN, RecorderState.RECONNECTING, "refused", retry_in_s=10)
    )

    clock.now += 4
    status = roster.recorder_status(CAMERA)

    assert status is not None
    assert status.retry_in_s == pytest.approx(6)
    assert roster.counting_down()
    clock.now += 30
    status = roster.recorder_status(CAMERA)
    assert status is not None
    assert status.retry_in_s == 0
    assert not roster.counting_down()


def test_recording_counts_leave_out_cameras_that_are_not_recorded() -> None:
    roster = CameraRoster()
    cameras = [
        CAMERA,
        replace(CAMERA, id=2, name="B"),
        replace(CAMERA, id=3, name="C", recording=RecordingSettings(enabled=False)),
        replace(CAMERA, id=4, name="D", enabled=False),
        replace(CAMERA, id=5, name="E"),
    ]
    roster.reset(
        [],
        cameras,
        [],
        [
            RecorderStatus(1, StreamRole.MAIN, RecorderState.RECORDING),
            RecorderStatus(2, StreamRole.MAIN, RecorderState.DISK_FULL),
            RecorderStatus(3, StreamRole.MAIN, RecorderState.RECORDING),
            RecorderStatus(4, StreamRole.MAIN, RecorderState.FAILED),
        ],
    )

    counts = roster.recording_counts()

    assert counts == RecordingCounts(expected=3, recording=1, failing=1)
    assert counts.summary() == "Recording 1/3 · 1 failing"
    assert RecordingCounts(expected=0, recording=0, failing=0).summary() == "Recording off"
