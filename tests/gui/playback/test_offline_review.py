"""Offline review from the File menu: a copied folder plays in the Playback tab and is closed afterwards."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from backend_embed.api import BackendRestarted, Camera, OfflineCamera, OfflineReview, StreamRole
from tests.helpers.fake_backend import FakeBackend
from vas_console.ui.main_window import MainWindow
from vas_console.ui.notices import NoticeLevel
from vas_console.ui.playback.sync_playback import SyncPlayback
from vas_console.ui.playback_area import PlaybackArea


def _review_open(
    qtbot: QtBot,
    window: MainWindow,
    fake_backend: FakeBackend,
    folder: Path,
    review: OfflineReview,
) -> tuple[MainWindow, PlaybackArea]:
    """`window` after it opened `folder` (the backend answers `review`) from the File menu."""
    fake_backend.offline_folders[folder] = review
    area = window.playback
    assert area is not None
    assert window.offline is not None
    window.offline.open_folder(str(folder))
    qtbot.waitUntil(lambda: area.view is not None and window.tasks.idle)
    return window, area


def test_a_copied_folder_plays_from_its_first_recording_and_is_closed_on_quit(
    qtbot: QtBot,
    main_window: MainWindow,
    fake_backend: FakeBackend,
    recorded_cameras: list[Camera],
    tmp_path: Path,
) -> None:
    folder = tmp_path / "usb stick"
    first, second = recorded_cameras[:2]
    review = OfflineReview(
        "r1",
        str(folder),
        (
            OfflineCamera(first.id, "Dock", 1_000_000, 2_000_000, (StreamRole.MAIN,)),
            OfflineCamera(second.id, "Yard", 1_500_000, 2_500_000, (StreamRole.MAIN,)),
        ),
    )
    window, area = _review_open(qtbot, main_window, fake_backend, folder, review)
    assert window.offline is not None
    assert window.offline.action in window.menuBar().actions()[0].menu().actions()
    assert isinstance(area.view, SyncPlayback)
    assert window.workspace.currentWidget() is area
    assert "read-only" in window.notice_bar.text_label.text()
    qtbot.waitUntil(lambda: bool(fake_backend.calls_to("offline_coverage")))
    assert all(c.args[0] == "r1" for c in fake_backend.calls_to("offline_coverage"))
    asked = {c.args[1] for c in fake_backend.calls_to("offline_coverage")}
    assert asked == {first.id, second.id}
    # playback starts where the folder's recordings start (the earliest camera's first segment)
    qtbot.waitUntil(lambda: bool(fake_backend.calls_to("offline_playback_source")))
    _, _, start_ms, end_ms = fake_backend.calls_to("offline_playback_source")[0].args
    assert start_ms <= 1_000_000 < end_ms

    window.close_for_quit()
    qtbot.waitUntil(lambda: "r1" not in fake_backend.offline_open)


def test_an_offline_review_closes_when_the_recorder_that_opened_it_restarted(
    qtbot: QtBot,
    main_window: MainWindow,
    fake_backend: FakeBackend,
    recorded_cameras: list[Camera],
    tmp_path: Path,
) -> None:
    folder = tmp_path / "usb stick"
    camera = recorded_cameras[0]
    review = OfflineReview(
        "r1",
        str(folder),
        (OfflineCamera(camera.id, "Dock", 1_000_000, 2_000_000, (StreamRole.MAIN,)),),
    )
    window, area = _review_open(qtbot, main_window, fake_backend, folder, review)

    # the review lived in the host that stopped: its id means nothing to the new one
    fake_backend.emit(BackendRestarted("The recorder stopped unexpectedly and was restarted."))

    qtbot.waitUntil(lambda: area.view is None)
    assert window.notice_bar.level is NoticeLevel.ERROR
    assert "offline review closed" in window.notice_bar.text_label.text()
    assert not fake_backend.calls_to("close_offline"), "the new host never opened it"
