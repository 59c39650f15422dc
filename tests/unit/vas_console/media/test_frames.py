"""LatestFrameSlot: newest wins, each frame taken once, drops counted, safe across threads."""

from __future__ import annotations

import threading

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


def test_a_fast_producer_never_makes_the_reader_see_an_older_frame() -> None:
    slot: LatestFrameSlot[int] = LatestFrameSlot()
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
    assert stats.taken + stats.dropped + (1 if slot.take() is not None else 0) == 20_000
