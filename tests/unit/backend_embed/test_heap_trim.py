"""HeapTrimmer and trim_heap: freed heap pages go back to the system, once a minute in a worker thread."""

from __future__ import annotations

import asyncio
import logging
import threading

import psutil
import pytest

from backend_embed.heap_trim import HeapTrimmer, trim_heap


def _rss_mb() -> float:
    return float(psutil.Process().memory_info().rss) / 1e6


def test_freed_heap_memory_goes_back_to_the_system_when_trimmed() -> None:
    # 3,000 chunks of 64 KB (below glibc's mmap threshold: from the heap), each followed by a small
    # survivor, so that the freed chunks are not at the heap's top where free() could release them. In a
    # fresh process free() then keeps all 196 MB resident (222 -> 222 MB) and the trim returns it (35 MB);
    # in a process that ran other tests first, free() may already return part of it: what must hold is
    # that after the trim the process is back near where it was before the allocation.
    before = _rss_mb()
    big = [bytearray(64 * 1024) for _ in range(3000)]
    keep = [bytearray(600) for _ in range(3000)]
    grown = _rss_mb()
    del big
    freed = _rss_mb()
    assert trim_heap() is True  # Debian's glibc has malloc_trim
    trimmed = _rss_mb()
    assert trimmed < before + 40, (
        f"RSS {before:.0f} -> {grown:.0f} -> freed {freed:.0f} -> trimmed {trimmed:.0f} MB"
    )
    assert len(keep) == 3000


async def test_the_trimmer_trims_in_a_worker_thread_until_closed() -> None:
    threads: list[int] = []

    def trim() -> bool:
        threads.append(threading.get_ident())
        return True

    trimmer = HeapTrimmer(interval_s=0.01, trim=trim)
    trimmer.start()
    trimmer.start()  # once is enough: no second task
    for _ in range(200):
        if trimmer.trims >= 3:
            break
        await asyncio.sleep(0.01)
    await trimmer.aclose()
    done = trimmer.trims
    assert done >= 3
    assert threading.get_ident() not in threads, "trimmed on the loop's own thread"
    await asyncio.sleep(0.05)
    assert trimmer.trims == done
    # a trim under way when it closed still ends in its thread, uncounted
    assert len(threads) in (done, done + 1)
    await trimmer.aclose()  # twice is fine


async def test_a_failing_trim_is_logged_and_the_trimmer_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls = 0

    def trim() -> bool:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("no")
        return True

    trimmer = HeapTrimmer(interval_s=0.01, trim=trim)
    with caplog.at_level(logging.ERROR, logger="backend_embed.heap_trim"):
        trimmer.start()
        for _ in range(200):
            if trimmer.trims >= 1:
                break
            await asyncio.sleep(0.01)
        await trimmer.aclose()
    assert trimmer.trims >= 1
    assert "free memory back" in caplog.text
