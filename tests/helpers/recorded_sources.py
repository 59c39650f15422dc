"""`LiveSources` whose every stream is "recorded": feeds take the recorder route, so no ffmpeg starts.

For unit tests of what holds and releases feeds (stills, warm feeds) without cameras or processes.
"""

from __future__ import annotations

from collections.abc import Sequence

from backend_embed.api.dto import StreamRole
from backend_embed.streams.live_sources import LiveSources

RECORDER_PORT = 50_000  # nothing listens: the feeds are only counted, never read


async def camera_url(camera_id: int, stream: StreamRole) -> tuple[str, Sequence[str]]:
    return f"rtsp://127.0.0.1:8554/cam{camera_id}/{stream.value}", ()


def recorded_sources(*, idle_grace_s: float) -> LiveSources:
    """The sources; `await stop()` them at the end."""
    return LiveSources(
        stream_url=camera_url,
        recorder_port=lambda _camera, _stream: RECORDER_PORT,
        codec_of=lambda _camera, _stream: "h264",
        idle_grace_s=idle_grace_s,
    )
