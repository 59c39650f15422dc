"""LatestFrameSlot: newest wins (past its depth), each frame taken once and in order, drops counted, thread-safe."""

from __future__ import annotations

import threading

import pytest

from vas_console.media.frames import LatestFrameSlot, SlotStats


def test_take_returns_the_newest_frame_once_and_counts_the_dropped() -> None:
    slot: LatestFrameSlot[int] = LatestFrameSlot()
    assert slot.take() is None
    slot.put(1)
    slot.put(2)
    assert slot.take() == 2
    assert slot.take() is None
    assert slot.peek() == 2
    assert slot.stats() == SlotStats(written=2, taken=1, dropped=1)


def test_a_two_deep_slot_gives_the_two_newest_frames_oldest_first() -> None:
    slot: LatestFrameSlot[int] = LatestFrameSlot(depth=2)
    for frame in (1, 2, 3):
        slot.put(frame)

    assert slot.peek() == 3
    assert [slot.take(), slot.take(), slot.take()] == [2, 3, None]
    assert slot.stats() == SlotStats(written=3, taken=2, dropped=1)
    slot.put(4)
    assert slot.take() == 4  # nothing waits behind it: shown at once


def test_a_slot_holds_at_least_one_frame() -> None:
    with pytest.raises(ValueError, match="at least one"):
        LatestFrameSlot(depth=0)


@pytest.mark.parametrize("depth", [1, 2])
def test_a_fast_producer_never_makes_the_reader_see_an_older_frame(depth: int) -> None:
    slot: LatestFrameSlot[int] = LatestFrameSlot(depth=depth)
    done = threading.Event()

    def produce() -> None:
        for i in range(20_000):
            slot.put(i)
        done.set()

    producer = threading.Thread(target=produce)
    producer.start()
    last = -1
    while not done.is_set():
        frame = slot.take()
        if frame is not None:
            assert frame > last
            last = frame
    producer.join()
    stats = slot.stats()
    assert stats.written == 20_000
    left = 0
    while slot.take() is not None:
        left += 1
    assert stats.taken + stats.dropped + left == 20_000


def test_a_put_replacing_the_waiting_frames_drops_them_and_counts_them() -> None:
    slot: LatestFrameSlot[int] = LatestFrameSlot(depth=2)
    slot.put(1)
    slot.put(2)

    slot.put(3, replace_waiting=True)

    assert slot.take() == 3
    assert slot.take() is None
    assert slot.stats().dropped == 2
