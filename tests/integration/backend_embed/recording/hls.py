"""Real ffmpeg HLS runs for the recording tests: tiny lavfi H.264 MPEG-TS segments laid out like the recorder's.

The HLS options are the recorder's own (`backend_embed.ffmpeg.command`): program date times, temp files,
a discontinuity at the start of each run, strftime names in UTC numbered from the run's start in microseconds.
Only the input (lavfi instead of RTSP) and the segment length (1 s, for speed) differ.

Measured with ffmpeg 5.1: the HLS muxer keeps the segment being written in memory and writes it (as
NAME.ts.tmp, renamed at once) only when it is complete. A SIGKILL of ffmpeg loses that segment; a `.ts.tmp`
is left only if the kill lands during the write.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

from backend_embed.api.dto import StreamRole
from backend_embed.ffmpeg.command import HLS_FLAGS, RecorderCommand, recorder_environment
from tests.helpers.components import require_binary


def recorder_layout(
    root: Path, camera_id: int, stream: StreamRole = StreamRole.MAIN
) -> RecorderCommand:
    """The recorder's paths for a camera stream under `root` (the URL is never used)."""
    return RecorderCommand(
        input_url="rtsp://unused", recordings_root=root, camera_id=camera_id, stream=stream
    )


def hls_argv(layout: RecorderCommand, *, seconds: float, realtime: bool = True) -> list[str]:
    """ffmpeg writing `seconds` of 1 s segments where the recorder would, from a lavfi test picture."""
    ffmpeg = require_binary("ffmpeg", hint="apt-get install ffmpeg")
    return [
        ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin",
        *(["-re"] if realtime else []),
        "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25", "-t", str(seconds),
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25",
        "-f", "hls", "-hls_time", "1", "-hls_list_size", str(layout.list_size),
        "-hls_segment_type", "mpegts", "-hls_flags", "+".join(HLS_FLAGS),
        "-hls_start_number_source", "epoch_us", "-strftime", "1", "-strftime_mkdir", "1",
        "-hls_segment_filename", layout.segment_pattern,
        str(layout.playlist_path),
    ]  # fmt: skip


@contextlib.asynccontextmanager
async def live_ffmpeg(argv: list[str]) -> AsyncIterator[asyncio.subprocess.Process]:
    """Run ffmpeg (TZ=UTC, like the recorder) for the block; kill and reap it if it still runs at the end."""
    proc = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE, env=recorder_environment(os.environ),
    )  # fmt: skip
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.communicate()
