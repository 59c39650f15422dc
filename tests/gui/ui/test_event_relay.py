"""Tests for vas_console/ui/event_relay.py: events and lines from any thread arrive on the GUI thread."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread
from pytestqt.qtbot import QtBot

from backend_embed.api import CameraRemoved, GroupsChanged
from vas_console.ui.event_relay import EventRelay, LineRelay


def test_events_posted_from_another_thread_arrive_on_the_gui_thread_in_order(qtbot: QtBot) -> None:
    relay = EventRelay()
    received: list[tuple[object, bool]] = []
    relay.event_received.connect(
        lambda event: received.append((event, QThread.currentThread() is relay.thread()))
    )
    events = [CameraRemoved(n) for n in range(20)]

    worker = threading.Thread(target=lambda: [relay.post(e) for e in events])
    worker.start()
    worker.join()

    qtbot.waitUntil(lambda: len(received) == len(events))
    assert [event for event, _ in received] == events
    assert all(on_gui_thread for _, on_gui_thread in received)


def test_events_posted_on_the_gui_thread_are_delivered_later_not_inside_post(qtbot: QtBot) -> None:
    relay = EventRelay()
    received: list[object] = []
    relay.event_received.connect(received.append)

    relay.post(GroupsChanged())

    assert received == []
    qtbot.waitUntil(lambda: received == [GroupsChanged()])


def test_lines_posted_from_another_thread_arrive_in_order(qtbot: QtBot) -> None:
    relay = LineRelay()
    received: list[str] = []
    relay.line_received.connect(received.append)

    worker = threading.Thread(target=lambda: [relay.post(f"line {n}") for n in range(5)])
    worker.start()
    worker.join()

    qtbot.waitUntil(lambda: len(received) == 5)
    assert received == [f"line {n}" for n in range(5)]
