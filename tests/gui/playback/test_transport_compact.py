"""TransportBar in a narrow place (a live tile switched to recorded video): compact, nothing cut."""

from __future__ import annotations

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import QDateTimeEdit, QToolButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from vas_console.ui.playback.transport_bar import (
    COMPACT_HIDDEN,
    FULL,
    TRIMMED,
    TRIMMED_HIDDEN,
    TransportBar,
)


def host(qtbot: QtBot, width: int) -> tuple[QWidget, TransportBar]:
    holder = QWidget()
    bar = TransportBar(holder)
    QVBoxLayout(holder).addWidget(bar)
    qtbot.addWidget(holder)
    bar.install_shortcuts(holder)
    holder.resize(width, 60)
    holder.show()
    qtbot.waitExposed(holder)
    return holder, bar


def visible_names(bar: TransportBar) -> set[str]:
    return {
        b.defaultAction().objectName()
        for b in bar.findChildren(QToolButton)
        if b.defaultAction() is not None and b.isVisible()
    }


def test_a_wide_bar_shows_every_control(qtbot: QtBot) -> None:
    _, bar = host(qtbot, 1400)
    assert not bar.compact
    assert COMPACT_HIDDEN - {"mark_in", "mark_out"} <= visible_names(bar)
    assert bar.date.isVisible()
    assert not bar.findChild(QToolButton, "dateButton").isVisible()


def test_a_narrow_bar_goes_compact_and_fits_without_cutting_labels(qtbot: QtBot) -> None:
    holder, bar = host(qtbot, 1400)
    holder.resize(480, 60)
    qtbot.waitUntil(lambda: bar.compact)
    assert not (COMPACT_HIDDEN & visible_names(bar))
    assert {"play_pause", "frame", "frame_back", "back_10s", "forward_10s"} <= visible_names(bar)
    assert not bar.date.isVisible()
    assert bar.findChild(QToolButton, "dateButton").isVisible()
    assert bar.sizeHint().width() <= 480  # everything left fits: no label is elided
    for button in bar.findChildren(QToolButton):
        if button.isVisible():
            assert button.width() >= button.sizeHint().width()
    holder.resize(1400, 60)
    qtbot.waitUntil(lambda: not bar.compact)
    assert bar.date.isVisible()


def test_a_somewhat_narrow_bar_only_leaves_out_the_rarely_clicked_buttons(qtbot: QtBot) -> None:
    holder, bar = host(qtbot, 1400)
    assert bar.level == FULL
    full = bar.sizeHint().width()
    holder.resize(full - 60, 60)  # a 1366 px window with the camera list beside the playback
    qtbot.waitUntil(lambda: bar.level == TRIMMED)
    assert not (TRIMMED_HIDDEN & visible_names(bar))
    assert {"back_minute", "forward_minute", "go_to_date"} <= visible_names(bar)
    assert bar.date.isVisible()
    assert bar.sizeHint().width() <= full - 60
    for button in bar.findChildren(QToolButton):
        if button.isVisible():
            assert button.width() >= button.sizeHint().width()


def test_compact_keeps_every_shortcut_and_the_date_popup_goes_there(qtbot: QtBot) -> None:
    holder, bar = host(qtbot, 480)
    qtbot.waitUntil(lambda: bar.compact)
    holder.activateWindow()
    bar.speed.setFocus()
    qtbot.waitUntil(bar.speed.hasFocus)
    with qtbot.waitSignal(bar.jump_requested) as jump:  # its button is hidden, its key is not
        qtbot.keyClick(bar.speed, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert jump.args == [-60_000]
    popup = bar.findChild(QDateTimeEdit, "popupDate")
    target = QDateTime.fromString("2026-11-20 08:15:30", "yyyy-MM-dd HH:mm:ss")
    popup.setDateTime(target)
    go = next(b for b in popup.parentWidget().findChildren(QToolButton) if b.text() == "Go")
    with qtbot.waitSignal(bar.date_requested) as asked:
        go.click()
    assert asked.args == [target.toMSecsSinceEpoch()]
