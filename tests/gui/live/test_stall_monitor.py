"""The GUI stall monitor sees the GUI thread being busy and reports it as late ticks."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from vas_console.ui.stall_monitor import StallMonitor, _percentile


def test_a_busy_gui_thread_shows_as_a_stall(qtbot: QtBot) -> None:
    monitor = StallMonitor(tick_ms=10, window_s=5.0)
    monitor.start()
    qtbot.waitUntil(lambda: monitor.stats().ticks >= 5)
    QTimer.singleShot(0, lambda: time.sleep(0.12))  # a slot that blocks the GUI thread for 120 ms
    qtbot.waitUntil(lambda: monitor.stats().max_ms >= 100)
    stats = monitor.stats()
    monitor.stop()
    assert not monitor.running
    assert stats.max_ms < 400
    assert stats.p50_ms < 50
    monitor.reset()
    assert monitor.stats().ticks == 0


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert _percentile(values, 0.99) == 99.0
    assert _percentile(values, 0.5) == 50.0
    assert _percentile([], 0.99) == 0.0
