"""SegmentWriter against a hand-written sink: batching, flushing on time and on stop, retries, bounded memory."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from backend_embed.api.dto import StreamRole
from backend_embed.api.errors import DatabaseError
from backend_embed.recording.segments import SegmentInfo
from backend_embed.recording.writer import SegmentWriter


class _RecordingSink:
    """Stores batches; fails the next `fail_next` calls with DatabaseError, like a locked database."""

    def __init__(self, fail_next: int = 0) -> None:
        self.batches: list[list[str]] = []
        self.fail_next = fail_next
        self.calls = 0

    async def add_many(self, segments: Sequence[SegmentInfo]) -> int:
        self.calls += 1
        if self.fail_next:
            self.fail_next -= 1
            raise DatabaseError("The database is locked by another program.")
        self.batches.append([s.path for s in segments])
        return len(segments)

    @property
    def written(self) -> list[str]:
        return [path for batch in self.batches for path in batch]


def _seg(n: int) -> SegmentInfo:
    return SegmentInfo(1, StreamRole.MAIN, n * 2000, n * 2000 + 2000, 2000, 10, f"1/s{n:04}.ts")


async def test_a_full_batch_is_written_at_once_and_the_rest_after_the_interval() -> None:
    sink = _RecordingSink()
    writer = SegmentWriter(sink, batch_size=3, flush_interval_s=0.3)
    await writer.start()
    try:
        for n in range(4):
            writer.submit(_seg(n))
        await asyncio.sleep(0.1)
        assert sink.batches == [["1/s0000.ts", "1/s0001.ts", "1/s0002.ts"]]
        await asyncio.wait_for(writer.drain(), 2)
        assert sink.batches[1:] == [["1/s0003.ts"]]
    finally:
        await writer.stop()


async def test_stop_writes_what_is_queued_without_waiting_for_the_interval() -> None:
    sink = _RecordingSink()
    writer = SegmentWriter(sink, batch_size=100, flush_interval_s=60)
    await writer.start()
    writer.submit(_seg(1))
    writer.submit(_seg(2))

    await asyncio.wait_for(writer.stop(), 2)

    assert sink.written == ["1/s0001.ts", "1/s0002.ts"]
    assert writer.stats.pending == 0


async def test_a_database_error_is_retried_with_the_same_batch_and_nothing_is_lost(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sink = _RecordingSink(fail_next=2)
    writer = SegmentWriter(sink, batch_size=2, flush_interval_s=0.01, retry_initial_s=0.01)
    await writer.start()
    try:
        for n in range(5):
            writer.submit(_seg(n))
        await asyncio.wait_for(writer.drain(), 2)
    finally:
        await writer.stop()

    assert sink.written == [f"1/s{n:04}.ts" for n in range(5)], "in order, once each"
    assert writer.stats.failures == 2
    assert "locked" in caplog.text


async def test_a_full_queue_drops_the_oldest_segments_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sink = _RecordingSink(fail_next=10**6)
    writer = SegmentWriter(sink, batch_size=2, max_pending=4, retry_initial_s=10)
    await writer.start()
    try:
        for n in range(10):
            writer.submit(_seg(n))
            await asyncio.sleep(0)
        assert writer.stats.pending == 4
        assert writer.stats.dropped == 6
    finally:
        sink.fail_next = 0
        await asyncio.wait_for(writer.stop(), 2)

    assert len(sink.written) == 4
    assert "1/s0009.ts" in sink.written, "the newest segments are kept"
    assert "recovery will index them" in caplog.text


async def test_stop_gives_up_after_a_few_attempts_when_the_database_stays_down(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sink = _RecordingSink(fail_next=10**6)
    writer = SegmentWriter(sink, batch_size=10, retry_initial_s=0.01, stop_attempts=3)
    await writer.start()
    writer.submit(_seg(1))

    await asyncio.wait_for(writer.stop(), 5)

    assert writer.stats.pending == 1
    assert "1 segment(s) not indexed" in caplog.text
