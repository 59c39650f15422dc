"""Tests for backend_embed.ffmpeg.runner: output collection, timeout, cancellation, reaping."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import psutil
import pytest

from backend_embed.ffmpeg.runner import MAX_STDERR_BYTES, run_tool

PY = sys.executable


def _gone(pid: int) -> bool:
    """True when `pid` no longer exists (reaped), not even as a zombie."""
    try:
        psutil.Process(pid)
    except psutil.NoSuchProcess:
        return True
    return False


async def _wait_for_pid_file(path: Path) -> int:
    for _ in range(250):
        if path.exists() and path.read_text():
            return int(path.read_text())
        await asyncio.sleep(0.02)
    raise AssertionError(f"the child never wrote {path}")


@pytest.mark.asyncio
async def test_run_tool_returns_stdout_stderr_and_exit_status() -> None:
    code = "import sys; sys.stdout.write('out'); sys.stderr.write('err line\\n'); sys.exit(3)"
    result = await run_tool([PY, "-c", code], timeout=10)
    assert result.returncode == 3
    assert result.stdout == b"out"
    assert result.stderr == "err line\n"
    assert not result.timed_out
    assert not result.ok


@pytest.mark.asyncio
async def test_run_tool_gives_the_child_no_stdin() -> None:
    result = await run_tool([PY, "-c", "import sys; print(repr(sys.stdin.read()))"], timeout=10)
    assert result.ok
    assert result.stdout.strip() == b"''"


@pytest.mark.asyncio
async def test_run_tool_kills_and_reaps_a_child_that_runs_over_the_timeout(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    code = (
        "import os, sys, time; "
        f"open({str(pid_file)!r}, 'w').write(str(os.getpid())); "
        "sys.stderr.write('partial\\n'); sys.stderr.flush(); time.sleep(60)"
    )
    started = time.monotonic()
    result = await run_tool([PY, "-c", code], timeout=1.0)
    assert time.monotonic() - started < 3.0
    assert result.timed_out
    assert result.returncode < 0
    assert result.stderr == "partial\n"
    assert _gone(int(pid_file.read_text()))


@pytest.mark.asyncio
async def test_run_tool_kills_and_reaps_the_child_when_cancelled(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    code = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    task = asyncio.create_task(run_tool([PY, "-c", code], timeout=60))
    pid = await _wait_for_pid_file(pid_file)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _gone(pid)


@pytest.mark.asyncio
async def test_run_tool_keeps_only_the_tail_of_a_long_stderr() -> None:
    code = "import sys; sys.stderr.write('x' * 200000); sys.stderr.write('last line\\n')"
    result = await run_tool([PY, "-c", code], timeout=10)
    assert len(result.stderr) == MAX_STDERR_BYTES
    assert result.stderr.endswith("last line\n")


@pytest.mark.asyncio
async def test_run_tool_raises_file_not_found_for_a_missing_program(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        await run_tool([str(tmp_path / "no-such-tool")], timeout=1)


@pytest.mark.asyncio
async def test_run_tool_rejects_an_empty_argv() -> None:
    with pytest.raises(ValueError, match="program"):
        await run_tool([], timeout=1)
