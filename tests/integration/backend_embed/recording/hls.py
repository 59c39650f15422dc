"""Real ffmpeg HLS runs for the recording tests: tiny lavfi H.264 MPEG-TS segments with program date times."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

from tests.helpers.components import require_binary

_SOURCE = ["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25"]
_ENCODE = ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25"]


def hls_argv(playlist: Path, segment_pattern: str, *, seconds: float, realtime: bool) -> list[str]:
    """ffmpeg writing 1 s segments named by `segment_pattern` (a `%03d` or strftime pattern) and a live
    playlist of the newest five with EXT-X-PROGRAM-DATE-TIME."""
    ffmpeg = require_binary("ffmpeg", hint="apt-get install ffmpeg")
    strftime = ["-strftime", "1", "-strftime_mkdir", "1"] if "%Y" in segment_pattern else []
    return [
        ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin",
        *(["-re"] if realtime else []), *_SOURCE, "-t", str(seconds), *_ENCODE,
        "-f", "hls", "-hls_time", "1", "-hls_list_size", "5",
        "-hls_flags", "program_date_time", *strftime,
        "-hls_segment_filename", segment_pattern, str(playlist),
    ]  # fmt: skip


def write_segments(directory: Path, count: int, *, stem: str = "seg") -> list[Path]:
    """Write `count` real 1 s MPEG-TS segments (faster than real time) and return them in order."""
    directory.mkdir(parents=True, exist_ok=True)
    argv = hls_argv(
        directory / f"{stem}.m3u8",
        str(directory / f"{stem}-%03d.ts"),
        seconds=count,
        realtime=False,
    )
    subprocess.run(argv, check=True, timeout=60, capture_output=True)
    (directory / f"{stem}.m3u8").unlink()
    return sorted(directory.glob(f"{stem}-*.ts"))


@contextlib.asynccontextmanager
async def live_ffmpeg(argv: list[str]) -> AsyncIterator[asyncio.subprocess.Process]:
    """Run ffmpeg for the duration of the block; kill and reap it if it is still running at the end."""
    proc = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.communicate()
