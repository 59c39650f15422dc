"""Tests for the recording indicators of vas_console/ui/camera_tree.py and camera_overview.py, driven
through the main window by recorder events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from pytestqt.qtbot import QtBot

from backend_embed.api import (
    Camera,
    CamerasChanged,
    RecorderState,
    RecorderStatus,
    RecordingSettings,
    StreamRole,
)
from tests.helpers.fake_backend import FakeBackend
from vas_console.ui.camera_tree import RECORDING_COLUMN
from vas_console.ui.main_window import MainWindow


def recording_cell(window: MainWindow, camera_id: int) -> str:
    index = window.tree.model.camera_row(camera_id)
    return str(index.siblingAtColumn(RECORDING_COLUMN).data(Qt.ItemDataRole.DisplayRole))


def folder_recording_cell(window: MainWindow, group_name: str) -> str:
    model = window.tree.model
    folder = next(
        model.item(r, 0) for r in range(model.rowCount()) if model.item(r, 0).text() == group_name
    )
    return model.item(folder.row(), RECORDING_COLUMN).text()


@pytest.mark.parametrize(
    ("state", "fields", "cell", "pill", "line"),
    [
        (RecorderState.RECORDING, {}, "REC", "● REC", "Recording the main stream"),
        (
            RecorderState.RECORDING,
            {"transcoding": True, "restarts": 3},
            "REC",
            "● REC",
            "Recording · transcoding · 3 restarts",
        ),
        (RecorderState.STARTING, {}, "Starting", "REC starting", "Recorder starting…"),
        (
            RecorderState.RECONNECTING,
            {"reason": "timeout", "retry_in_s": 600},
            "Retry in 600 s",
            "REC retry in 600 s",
            "Reconnecting in 600 s: timeout",
        ),
        (
            RecorderState.FAILED,
            {"reason": "unsupported codec"},
            "Failed",
            "REC failed",
            "Recording failed: unsupported codec",
        ),
        (
            RecorderState.DISK_FULL,
            {"reason": "no space left"},
            "Disk full",
            "REC disk full",
            "Recording stopped: disk full",
        ),
        (RecorderState.STOPPED, {}, "Stopped", "REC stopped", "Recording stopped"),
    ],
    ids=[
        "recording",
        "transcoding",
        "starting",
        "reconnecting",
        "failed",
        "disk-full",
        "stopped",
    ],
)
def test_recorder_event_updates_tree_and_card(
    qtbot: QtBot,
    demo_window: MainWindow,
    fake_backend: FakeBackend,
    demo_cameras: dict[str, Camera],
    state: RecorderState,
    fields: dict[str, Any],
    cell: str,
    pill: str,
    line: str,
) -> None:
    entrance = demo_cameras["entrance"]
    card = demo_window.overview.cards()[entrance.id]

    fake_backend.set_recorder(RecorderStatus(entrance.id, StreamRole.MAIN, state, **fields))

    qtbot.waitUntil(lambda: card.recording_pill.text() == pill)
    assert recording_cell(demo_window, entrance.id) == cell
    assert card.recording_label.text() == line
    assert card.status_label.text() == "Online"  # reachability is shown beside it, untouched
    tooltip = demo_window.tree.model.camera_row(entrance.id).data(Qt.ItemDataRole.ToolTipRole)
    assert "\nStatus: Online · H264 1280x720 @ 25 fps\nRecording: " in tooltip  # one line each


def test_tooltip_of_a_transcoding_camera_names_the_cost_and_the_restarts(
    qtbot: QtBot,
    demo_window: MainWindow,
    fake_backend: FakeBackend,
    demo_cameras: dict[str, Camera],
) -> None:
    gate = demo_cameras["gate"]
    card = demo_window.overview.cards()[gate.id]

    fake_backend.set_recorder(
        RecorderStatus(
            gate.id, StreamRole.MAIN, RecorderState.RECORDING, transcoding=True, restarts=2
        )
    )

    qtbot.waitUntil(lambda: "Transcoding" in card.toolTip())
    assert "costs CPU" in card.toolTip()
    assert "Recorder restarts since the console started: 2" in card.toolTip()


def test_recording_switched_off_shows_off_in_grey(
    qtbot: QtBot,
    demo_window: MainWindow,
    fake_backend: FakeBackend,
    demo_cameras: dict[str, Camera],
) -> None:
    entrance = demo_cameras["entrance"]
    fake_backend.set_recorder(RecorderStatus(entrance.id, StreamRole.MAIN, RecorderState.RECORDING))
    off = replace(entrance, recording=RecordingSettings(enabled=False))

    fake_backend.emit(CamerasChanged((off,)))

    card = demo_window.overview.cards()[entrance.id]
    qtbot.waitUntil(lambda: card.recording_pill.text() == "REC off")
    assert recording_cell(demo_window, entrance.id) == "Off"
    assert card.recording_label.text() == "Recording is off"
    assert card.recording_pill.property("rec") == "off"


def test_initial_load_shows_recorder_states_and_counts(
    make_window: Callable[[], MainWindow],
    fake_backend: FakeBackend,
    demo_cameras: dict[str, Camera],
) -> None:
    fake_backend.seed_recorder(demo_cameras["entrance"].id, RecorderState.RECORDING)
    fake_backend.seed_recorder(demo_cameras["reception"].id, RecorderState.RECORDING)
    fake_backend.seed_recorder(demo_cameras["gate"].id, RecorderState.FAILED, reason="refused")

    window = make_window()

    assert fake_backend.calls_to("recorder_statuses")
    assert recording_cell(window, demo_cameras["reception"].id) == "REC"
    assert recording_cell(window, demo_cameras["loading"].id) == "—"
    assert folder_recording_cell(window, "Lobby") == "2/2 REC"
    assert folder_recording_cell(window, "Yard") == "0/2 REC"
    assert window.recording_label.text() == "Recording 2/4 · 1 failing"
    assert window.overview.tiles["Recording"].value_label.text() == "2"
    assert window.overview.tiles["Rec. failing"].value_label.text() == "1"


def test_recorder_of_the_stream_not_recorded_is_not_shown(
    qtbot: QtBot,
    demo_window: MainWindow,
    fake_backend: FakeBackend,
    demo_cameras: dict[str, Camera],
) -> None:
    entrance, gate = demo_cameras["entrance"], demo_cameras["gate"]

    fake_backend.set_recorder(RecorderStatus(entrance.id, StreamRole.SUB, RecorderState.FAILED))
    fake_backend.set_recorder(RecorderStatus(gate.id, StreamRole.MAIN, RecorderState.RECORDING))

    qtbot.waitUntil(lambda: recording_cell(demo_window, gate.id) == "REC")
    assert recording_cell(demo_window, entrance.id) == "—"


def test_reconnect_countdown_ticks_until_the_retry_is_due(
    qtbot: QtBot,
    demo_window: MainWindow,
    fake_backend: FakeBackend,
    demo_cameras: dict[str, Camera],
) -> None:
    gate = demo_cameras["gate"]
    card = demo_window.overview.cards()[gate.id]
    countdown = demo_window.findChild(QTimer, "recordingCountdown")
    assert countdown is not None
    assert not countdown.isActive()

    fake_backend.set_recorder(
        RecorderStatus(gate.id, StreamRole.MAIN, RecorderState.RECONNECTING, "refused", 0.3)
    )
    qtbot.waitUntil(lambda: recording_cell(demo_window, gate.id) == "Retry in 1 s")
    assert countdown.isActive()

    qtbot.waitUntil(lambda: recording_cell(demo_window, gate.id) == "Retry now", timeout=3000)
    assert card.recording_pill.text() == "REC retry now"
    assert not countdown.isActive()
