"""EventBus: ordered delivery, unsubscribe, one failing subscriber does not stop the others."""

from __future__ import annotations

import pytest

from backend_embed.api import BackendEvent, CameraRemoved, GroupsChanged
from backend_embed.events import EventBus


def test_subscribers_get_events_in_order_until_they_unsubscribe() -> None:
    bus = EventBus()
    seen: list[BackendEvent] = []
    unsubscribe = bus.subscribe(seen.append)
    bus.publish(CameraRemoved(1))
    bus.publish(GroupsChanged())
    unsubscribe()
    bus.publish(CameraRemoved(2))
    assert seen == [CameraRemoved(1), GroupsChanged()]


def test_a_failing_subscriber_is_logged_and_the_next_still_called(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = EventBus()
    seen: list[BackendEvent] = []

    def broken(event: BackendEvent) -> None:
        raise RuntimeError("subscriber bug")

    bus.subscribe(broken)
    bus.subscribe(seen.append)
    bus.publish(CameraRemoved(3))
    assert seen == [CameraRemoved(3)]
    assert "subscriber bug" in caplog.text
