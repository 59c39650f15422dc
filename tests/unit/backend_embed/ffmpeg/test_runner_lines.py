"""Tests for run_tool_lines: stdout handed over line by line as it comes, the child always reaped."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import psutil
import pytest

from backend_embed.ffmpeg.runner import run_tool_lines

PY = sys.executable


def _gone(pid: int) -> bool:
    try:
        psutil.Process(pid)
    except psutil.NoSuchProcess:
        return True
    return False


@pytest.mark.asyncio
async def test_lines_arrive_while_the_child_still_runs() -> None:
    # the child prints one line, then waits for 0.5 s: the line must be seen before the child exits
    code = (
        "import sys, time; print('a=1', flush=True); time.sleep(0.5); "
        "sys.stdout.write('b=2\\nlast'); sys.stderr.write('oops\\n'); sys.exit(2)"
    )
    seen: list[tuple[str, float]] = []
    started = time.monotonic()
    result = await run_tool_lines(
        [PY, "-c", code], timeout=10, on_line=lambda line: seen.append((line, time.monotonic()))
    )
    assert [line for line, _ in seen] == ["a=1", "b=2", "last"]
    assert seen[0][1] - started < result.elapsed_s - 0.3
    assert result.returncode == 2
    assert result.stderr == "oops\n"
    assert result.stdout == b""


@pytest.mark.asyncio
async def test_cancelling_kills_and_reaps_the_child(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    code = (
        f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); "
        "print('started', flush=True); time.sleep(60)"
    )
    started = asyncio.Event()
    task = asyncio.create_task(
        run_tool_lines([PY, "-c", code], timeout=60, on_line=lambda _line: started.set())
    )
    await asyncio.wait_for(started.wait(), 10)
    pid = int(pid_file.read_text())
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _gone(pid)


@pytest.mark.asyncio
async def test_an_error_in_the_handler_stops_the_child(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    code = (
        f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); "
        "print('x', flush=True); time.sleep(60)"
    )

    def explode(_line: str) -> None:
        raise RuntimeError("handler failed")

    with pytest.raises(RuntimeError, match="handler failed"):
        await run_tool_lines([PY, "-c", code], timeout=60, on_line=explode)
    assert _gone(int(pid_file.read_text()))


@pytest.mark.asyncio
async def test_timeout_kills_the_child_and_says_so() -> None:
    result = await run_tool_lines(
        [PY, "-c", "import time; time.sleep(60)"], timeout=0.3, on_line=lambda _line: None
    )
    assert result.timed_out
    assert not result.ok
