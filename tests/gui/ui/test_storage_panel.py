"""Tests for vas_console/ui/storage_panel.py and its place in the main window: figures, table, periodic
refresh while visible, storage alerts and failures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

import pytest
from pytestqt.qtbot import QtBot

from backend_embed.api import Camera, CameraStorage, DatabaseError, StorageReport
from tests.helpers.fake_backend import GB, FakeBackend
from vas_console.ui import storage_panel
from vas_console.ui.main_window import MainWindow
from vas_console.ui.notices import NoticeLevel
from vas_console.ui.storage_panel import StoragePanel

OLDEST = datetime(2026, 11, 7, 8, 12).astimezone()
OLDEST_MS = int(OLDEST.timestamp() * 1000)


def report_for(cameras: dict[str, Camera]) -> StorageReport:
    """2 TB, 760 GB free; Entrance holds two thirds, North gate a third, a removed camera a sliver."""
    return StorageReport(
        root="/srv/recordings",
        total_bytes=2000 * GB,
        free_bytes=760 * GB,
        recordings_bytes=1200 * GB,
        protected_bytes=37 * GB,
        cameras=(
            CameraStorage(cameras["gate"].id, 399 * GB, OLDEST_MS + 3_600_000, None, None),
            CameraStorage(cameras["entrance"].id, 800 * GB, OLDEST_MS, None, 4_100_000.0),
            CameraStorage(99, 1 * GB, None, None, 850_000.0),
        ),
        projected_days=19.6,
    )


def table_rows(panel: StoragePanel) -> list[tuple[str, ...]]:
    model = panel.table_model
    return [
        tuple(model.item(r, c).text() for c in range(model.columnCount()))
        for r in range(model.rowCount())
    ]


@pytest.fixture
def storage_window(
    make_window: Callable[[], MainWindow],
    fake_backend: FakeBackend,
    demo_cameras: dict[str, Camera],
) -> MainWindow:
    """A loaded window over the demo cameras whose backend reports `report_for(demo_cameras)`."""
    fake_backend.storage = report_for(demo_cameras)
    return make_window()


def test_panel_shows_the_figures_and_the_table_of_the_report(
    qtbot: QtBot, storage_window: MainWindow, fake_backend: FakeBackend
) -> None:
    panel = storage_window.storage_panel
    loaded = len(fake_backend.calls_to("storage_report"))

    storage_window.storage_action.trigger()

    qtbot.waitUntil(lambda: len(fake_backend.calls_to("storage_report")) == loaded + 1)
    qtbot.waitUntil(lambda: panel.tasks.idle)
    assert panel.isVisible()
    assert panel.root_label.text() == "Recordings volume: /srv/recordings"
    assert panel.volume_bar.text() == "1.2 TB used of 2.0 TB · 38 % free"
    assert panel.free_label.text() == "760 GB"
    assert panel.recordings_label.text() == "1.2 TB"
    assert panel.protected_label.text() == "37 GB"
    assert panel.days_label.text() == "20 days"
    assert table_rows(panel) == [
        ("Entrance", "800 GB", "67 %", "4.1 Mbit/s", "2026-11-07 08:12"),
        ("North gate", "399 GB", "33 %", "—", "2026-11-07 09:12"),
        ("Camera 99 (removed)", "1.0 GB", "< 1 %", "850 kbit/s", "—"),
    ]


def test_status_bar_shows_free_space_and_opens_the_panel(
    qtbot: QtBot, storage_window: MainWindow
) -> None:
    assert storage_window.disk_button.text() == "Disk: 38 % free"
    assert not storage_window.storage_dock.isVisible()

    storage_window.disk_button.click()

    qtbot.waitUntil(lambda: storage_window.storage_panel.isVisible())


def test_storage_alert_shows_an_error_notice_and_the_report_it_carries(
    qtbot: QtBot, storage_window: MainWindow, fake_backend: FakeBackend
) -> None:
    panel = storage_window.storage_panel
    storage_window.storage_action.trigger()
    qtbot.waitUntil(lambda: panel.tasks.idle and panel.free_label.text() == "760 GB")
    full = replace(fake_backend.storage, free_bytes=20 * GB, projected_days=0.5)

    fake_backend.alert_storage("Recording stopped: the recordings volume is full.", full)

    qtbot.waitUntil(lambda: storage_window.notice_bar.level is NoticeLevel.ERROR)
    assert storage_window.notice_bar.text_label.text().startswith(
        "Recording stopped: the recordings volume is full."
    )
    assert panel.free_label.text() == "20 GB"
    assert panel.days_label.text() == "12 hours"
    assert panel.alert_label.isVisible()
    assert "the recordings volume is full" in panel.alert_label.text()
    assert storage_window.disk_button.text() == "Disk: 1 % free"
    assert storage_window.disk_button.property("level") == "critical"


def test_alert_while_the_panel_is_hidden_still_shows_the_notice(
    qtbot: QtBot, storage_window: MainWindow, fake_backend: FakeBackend
) -> None:
    fake_backend.alert_storage("Retention cannot make room: protected ranges fill the disk.")

    qtbot.waitUntil(lambda: storage_window.notice_bar.level is NoticeLevel.ERROR)
    assert "Retention cannot make room" in storage_window.notice_bar.text_label.text()
    assert not storage_window.storage_panel.isVisible()


def test_panel_refreshes_periodically_only_while_visible(
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    make_window: Callable[[], MainWindow],
    fake_backend: FakeBackend,
) -> None:
    monkeypatch.setattr(storage_panel, "REFRESH_INTERVAL_MS", 20)
    window = make_window()
    panel = window.storage_panel
    assert not panel.refreshing_periodically
    loaded = len(fake_backend.calls_to("storage_report"))

    window.storage_action.trigger()
    qtbot.waitUntil(lambda: len(fake_backend.calls_to("storage_report")) >= loaded + 3)
    window.storage_action.trigger()

    assert not panel.isVisible()
    assert not panel.refreshing_periodically
    qtbot.waitUntil(lambda: panel.tasks.idle)
    with qtbot.assertNotEmitted(panel.report_shown, wait=200):  # ten intervals
        pass


def test_closing_the_window_stops_the_refresh(qtbot: QtBot, storage_window: MainWindow) -> None:
    storage_window.storage_action.trigger()
    qtbot.waitUntil(lambda: storage_window.storage_panel.refreshing_periodically)

    storage_window.close_for_quit()

    assert not storage_window.storage_panel.refreshing_periodically


def test_backend_error_from_the_storage_report_becomes_a_notice(
    qtbot: QtBot, storage_window: MainWindow, fake_backend: FakeBackend
) -> None:
    fake_backend.failures["storage_report"] = DatabaseError("The storage report failed.")

    storage_window.storage_action.trigger()

    qtbot.waitUntil(lambda: storage_window.notice_bar.level is NoticeLevel.ERROR)
    assert storage_window.notice_bar.text_label.text() == "The storage report failed."
    assert storage_window.storage_panel.free_label.text() == "760 GB"  # the last report stays


def test_storage_failure_while_loading_leaves_the_cameras_shown(
    make_window: Callable[[], MainWindow],
    fake_backend: FakeBackend,
    demo_cameras: dict[str, Camera],
) -> None:
    fake_backend.failures["storage_report"] = DatabaseError("The storage report failed.")

    window = make_window()

    assert len(window.overview.cards()) == len(demo_cameras)
    assert window.notice_bar.text_label.text() == "The storage report failed."
    assert window.disk_button.text() == "Disk: …"
