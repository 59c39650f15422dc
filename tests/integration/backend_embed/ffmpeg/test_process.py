"""Tests for backend_embed.ffmpeg.process with the real ffmpeg and real child processes."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from backend_embed.ffmpeg.process import MAX_LINE_CHARS, TAIL_LINES, FfmpegProcess
from tests.helpers.components import require_binary

pytestmark = [pytest.mark.requires_ffmpeg]

PY = sys.executable
REPO = Path(__file__).resolve().parents[4]


def _gone(pid: int) -> bool:
    """True when `pid` no longer runs (reaped, or a zombie left to init)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _hls_argv(ffmpeg: str, out: Path) -> list[str]:
    return [
        ffmpeg, "-hide_banner", "-nostats", "-re", "-f", "lavfi",
        "-i", "testsrc2=size=320x240:rate=25", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25",
        "-f", "hls", "-hls_time", "1", "-hls_list_size", "0",
        "-hls_segment_filename", str(out / "seg%d.ts"), str(out / "live.m3u8"),
    ]  # fmt: skip


def _frames_in(ffprobe: str, path: Path) -> int:
    result = subprocess.run(
        [ffprobe, "-v", "error", "-count_frames", "-select_streams", "v:0",
         "-show_entries", "stream=nb_read_frames", "-of", "json", str(path)],
        capture_output=True, text=True, timeout=20, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    return int(json.loads(result.stdout)["streams"][0]["nb_read_frames"])


async def test_stop_sends_q_and_leaves_a_playable_last_segment(tmp_path: Path) -> None:
    ffmpeg, ffprobe = require_binary("ffmpeg"), require_binary("ffprobe")
    proc = FfmpegProcess(_hls_argv(ffmpeg, tmp_path), name="test hls")
    await proc.start()
    try:
        await asyncio.sleep(2.5)
    finally:
        started = time.monotonic()
        returncode = await proc.stop(grace_q=5.0)
    assert returncode == 0
    assert time.monotonic() - started < 2.0, "ffmpeg did not stop on q"
    assert not any("received signal" in line for line in proc.stderr_tail())
    playlist = (tmp_path / "live.m3u8").read_text()
    assert playlist.rstrip().endswith("#EXT-X-ENDLIST")
    last = [line for line in playlist.splitlines() if line.endswith(".ts")][-1]
    assert _frames_in(ffprobe, tmp_path / last) > 0


CHILD_IGNORING_Q = """
import signal, sys, time
if sys.argv[1] == "ignore-term":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ready", file=sys.stderr, flush=True)
time.sleep(60)
"""


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        pytest.param("obey-term", -signal.SIGTERM, id="terminated"),
        pytest.param("ignore-term", -signal.SIGKILL, id="killed"),
    ],
)
async def test_a_child_that_ignores_q_is_terminated_then_killed(mode: str, expected: int) -> None:
    ready = asyncio.Event()
    proc = FfmpegProcess(
        [PY, "-c", CHILD_IGNORING_Q, mode], on_line=lambda line: ready.set(), name="stubborn"
    )
    await proc.start()
    pid = proc.pid
    assert pid is not None
    await asyncio.wait_for(ready.wait(), 10)
    started = time.monotonic()
    assert await proc.stop(grace_q=0.3, grace_term=0.3) == expected
    assert time.monotonic() - started < 3.0
    assert proc.returncode == expected
    assert _gone(pid)


async def test_stderr_tail_and_line_handler_are_redacted() -> None:
    ffmpeg = require_binary("ffmpeg")
    url = f"rtsp://admin:S3cret-pw@127.0.0.1:{_closed_port()}/main"
    seen: list[str] = []
    proc = FfmpegProcess(
        [ffmpeg, "-hide_banner", "-rtsp_transport", "tcp", "-i", url, "-f", "null", "-"],
        secrets=["S3cret-pw"],
        on_line=seen.append,
    )
    async with proc:
        assert await asyncio.wait_for(proc.wait(), 20) != 0
    tail = proc.stderr_tail()
    assert any("Connection refused" in line for line in tail)
    assert any("admin:***@127.0.0.1" in line for line in tail)
    assert not any("S3cret" in line for line in tail + seen)
    assert seen == tail


async def test_the_tail_keeps_the_last_lines_and_cuts_long_ones() -> None:
    code = (
        "import sys\n"
        f"for i in range({TAIL_LINES + 50}): print(f'line {{i}}', file=sys.stderr)\n"
        f"print('x' * {MAX_LINE_CHARS * 3}, file=sys.stderr)\n"
    )
    async with FfmpegProcess([PY, "-c", code]) as proc:
        assert await asyncio.wait_for(proc.wait(), 10) == 0
    tail = proc.stderr_tail()
    assert len(tail) == TAIL_LINES
    assert tail[0] == "line 51"
    assert all(len(line) <= MAX_LINE_CHARS for line in tail)


async def test_a_cancelled_stop_still_reaps_the_child_before_the_cancellation_propagates() -> None:
    proc = FfmpegProcess([PY, "-c", CHILD_IGNORING_Q, "ignore-term"])
    await proc.start()
    pid = proc.pid
    assert pid is not None
    stopping = asyncio.create_task(proc.stop(grace_q=0.5, grace_term=0.5))
    await asyncio.sleep(0.1)
    stopping.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopping
    assert proc.returncode == -signal.SIGKILL
    assert _gone(pid)


async def test_the_child_runs_in_its_own_process_group() -> None:
    proc = FfmpegProcess([PY, "-c", "import time; time.sleep(30)"])
    await proc.start()
    try:
        assert proc.pid is not None
        assert os.getpgid(proc.pid) == proc.pid
        assert os.getpgid(proc.pid) != os.getpgid(0)
    finally:
        await proc.stop(grace_q=0.1)


async def test_stop_after_the_child_exited_returns_its_status() -> None:
    proc = FfmpegProcess([PY, "-c", "raise SystemExit(3)"])
    await proc.start()
    assert await asyncio.wait_for(proc.wait(), 10) == 3
    assert await proc.stop() == 3
    assert await proc.stop() == 3


async def test_a_missing_program_raises_file_not_found() -> None:
    proc = FfmpegProcess(["/nonexistent/ffmpeg"])
    with pytest.raises(FileNotFoundError):
        await proc.start()
    assert await proc.stop() is None


ORPHANING_PARENT = """
import asyncio, sys, time
from backend_embed.ffmpeg.process import FfmpegProcess

async def main() -> None:
    proc = FfmpegProcess([sys.argv[1], "-hide_banner", "-re", "-f", "lavfi", "-i", "testsrc2=rate=5",
                          "-f", "null", "-"])
    await proc.start()
    print(proc.pid, flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


@pytest.mark.slow
def test_ffmpeg_dies_when_the_console_is_killed() -> None:
    ffmpeg = require_binary("ffmpeg")
    parent = subprocess.Popen(
        [PY, "-c", textwrap.dedent(ORPHANING_PARENT), ffmpeg],
        stdout=subprocess.PIPE, text=True, cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    child = 0
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert not _gone(child)
        parent.kill()
        parent.wait(10)
        deadline = time.monotonic() + 5
        while not _gone(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _gone(child), "ffmpeg outlived the killed console"
    finally:
        parent.kill()
        parent.wait(10)
        if parent.stdout is not None:
            parent.stdout.close()
        if child and not _gone(
            child
        ):  # an orphan is no longer our child: the leak check cannot see it
            os.kill(child, signal.SIGKILL)
