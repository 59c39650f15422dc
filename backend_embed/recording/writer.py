"""SegmentWriter: the one task that writes closed segments of every stream to the index, in batches."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.exc import IntegrityError

from backend_embed.api.errors import DatabaseError
from backend_embed.recording.segments import SegmentInfo

logger = logging.getLogger(__name__)


class SegmentSink(Protocol):
    """Where batches go: `SegmentRepository` in production, a hand-written fake in unit tests."""

    async def add_many(self, segments: Sequence[SegmentInfo]) -> int: ...


@dataclass(frozen=True, slots=True)
class WriterStats:
    """Counters since the writer started. `dropped` segments are left for start-up recovery to index."""

    written: int
    pending: int
    dropped: int
    failures: int


class SegmentWriter:
    """Collects segments from every indexer and writes them in batches from ONE task.

    A batch is written when `batch_size` segments are queued or `flush_interval_s` after the oldest queued one
    arrived. A database failure is logged and the same batch is retried with exponential backoff; segments
    keep queueing meanwhile. Memory is bounded: past `max_pending` the oldest queued segments are dropped with
    an error log. Nothing is lost for good: their files are on disk and start-up recovery indexes files that
    have no row. `stop()` writes what is queued (a few more attempts if the database is failing) and returns.

    Must be started, used and stopped on one loop.
    """

    def __init__(
        self,
        sink: SegmentSink,
        *,
        batch_size: int = 64,
        flush_interval_s: float = 1.0,
        max_pending: int = 50_000,
        retry_initial_s: float = 0.5,
        retry_max_s: float = 30.0,
        stop_attempts: int = 3,
    ) -> None:
        if batch_size < 1 or max_pending < batch_size:
            raise ValueError("batch_size must be >= 1 and max_pending >= batch_size")
        self._sink = sink
        self._batch_size = batch_size
        self._flush_interval_s = flush_interval_s
        self._max_pending = max_pending
        self._retry_initial_s = retry_initial_s
        self._retry_max_s = retry_max_s
        self._stop_attempts = stop_attempts
        self._pending: deque[tuple[float, SegmentInfo]] = deque()
        self._in_flight: list[tuple[float, SegmentInfo]] = []
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._written = self._dropped = self._failures = 0

    @property
    def stats(self) -> WriterStats:
        pending = len(self._pending) + len(self._in_flight)
        return WriterStats(self._written, pending, self._dropped, self._failures)

    def submit(self, segment: SegmentInfo) -> None:
        """Queue a segment. Never blocks; drops the oldest queued segment when the queue is full."""
        if self._stopping:
            logger.warning(
                "Segment %s arrived after the writer stopped; recovery will index it", segment.path
            )
            return
        if len(self._pending) + len(self._in_flight) >= self._max_pending:
            oldest = self._pending.popleft()[1] if self._pending else segment
            self._dropped += 1
            if self._dropped == 1 or self._dropped % 1000 == 0:
                logger.error(
                    "Segment queue full (%d): dropped %d segment(s), e.g. %s; recovery will index them",
                    self._max_pending, self._dropped, oldest.path,
                )  # fmt: skip
            if oldest is segment:
                return
        self._pending.append((asyncio.get_running_loop().time(), segment))
        self._idle.clear()
        self._wake.set()

    async def start(self) -> None:
        """Start the writer task."""
        if self._task is not None:
            raise RuntimeError("SegmentWriter already started")
        self._task = asyncio.create_task(self._run(), name="segment-writer")

    async def stop(self) -> None:
        """Write what is queued and end the task. Segments that still cannot be written are logged."""
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            await self._task
        finally:
            self._task = None
        left = len(self._pending) + len(self._in_flight)
        if left:
            logger.error("Stopped with %d segment(s) not indexed; recovery will index them", left)
        logger.info("Segment writer stopped: %s", self.stats)

    async def drain(self) -> None:
        """Wait until everything submitted so far is written (tests; an orderly shutdown uses `stop`)."""
        await self._idle.wait()

    async def _run(self) -> None:
        delay = self._retry_initial_s
        attempts_while_stopping = 0
        while self._pending or self._in_flight or not self._stopping:
            if not self._in_flight:
                if not await self._wait_for_batch():
                    continue
                self._in_flight = [self._pending.popleft() for _ in range(self._next_batch_size())]
            if await self._write_in_flight():
                delay = self._retry_initial_s
                continue
            if self._stopping:
                attempts_while_stopping += 1
                if attempts_while_stopping >= self._stop_attempts:
                    return
            await self._sleep_unless_stopping(delay)
            delay = min(delay * 2, self._retry_max_s)

    async def _wait_for_batch(self) -> bool:
        """Wait until a batch is due (full, old enough, or stopping); False if the queue is still empty."""
        if not self._pending:
            self._idle.set()
            await self._wake.wait()
            self._wake.clear()
            return False
        loop = asyncio.get_running_loop()
        due = self._pending[0][0] + self._flush_interval_s
        while len(self._pending) < self._batch_size and not self._stopping and loop.time() < due:
            self._wake.clear()
            try:
                async with asyncio.timeout(due - loop.time()):
                    await self._wake.wait()
            except TimeoutError:
                break
        return True

    def _next_batch_size(self) -> int:
        return min(self._batch_size, len(self._pending))

    async def _write_in_flight(self) -> bool:
        """Write the batch in flight; True when it is stored (it is then cleared)."""
        batch = [segment for _, segment in self._in_flight]
        try:
            await self._sink.add_many(batch)
        except (DatabaseError, IntegrityError) as exc:
            self._failures += 1
            logger.warning(
                "Writing %d segment(s) failed (%s); retrying",
                len(batch),
                getattr(exc, "detail", "") or exc,
            )
            return False
        self._written += len(batch)
        self._in_flight = []
        logger.debug("Indexed %d segment(s)", len(batch))
        return True

    async def _sleep_unless_stopping(self, delay: float) -> None:
        """Back off for `delay` seconds, or less when `stop()` is called meanwhile."""
        if self._stopping:
            await asyncio.sleep(min(delay, self._retry_initial_s))
            return
        self._wake.clear()
        try:
            async with asyncio.timeout(delay):
                while not self._stopping:
                    await self._wake.wait()
                    self._wake.clear()
        except TimeoutError:
            return
