"""Tests for backend_embed.streams.live_sources (routes, viewer counting, idle grace) and the live restream argv
of backend_embed.ffmpeg.command. Feeds here take the recorder route, so no process starts."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from backend_embed.api.dto import StreamRole
from backend_embed.api.errors import NotFoundError
from backend_embed.api.media import LiveCodecPath
from backend_embed.ffmpeg.command import RestreamCommand, restream_argv, restream_source_url
from backend_embed.streams.live_sources import (
    LiveSources,
    LiveSourceUnavailableError,
    Route,
    RouteKind,
    choose_route,
    codec_path,
)

URL = "rtsp://admin:S3cret@127.0.0.1:8554/main"
MAIN = StreamRole.MAIN


@pytest.mark.parametrize(
    ("codec", "recorder_port", "route"),
    [
        pytest.param("h264", 5000, Route(RouteKind.RECORDER, 5000), id="h264-recorded"),
        pytest.param("mjpeg", 5000, Route(RouteKind.RECORDER, 5000), id="mjpeg-recorder-encodes"),
        pytest.param("hevc", 5000, Route(RouteKind.ENCODE_RECORDER, 5000), id="hevc-recorded"),
        pytest.param("H265", 5000, Route(RouteKind.ENCODE_RECORDER, 5000), id="h265-spelling"),
        pytest.param("h264", None, Route(RouteKind.RESTREAM), id="h264-live-only"),
        pytest.param("hevc", None, Route(RouteKind.ENCODE_CAMERA), id="hevc-live-only"),
        pytest.param("mjpeg", None, Route(RouteKind.ENCODE_CAMERA), id="mjpeg-live-only"),
    ],
)
def test_each_stream_gets_one_route_and_never_a_second_camera_session(
    codec: str, recorder_port: int | None, route: Route
) -> None:
    assert choose_route(codec, recorder_port) == route


def test_only_h264_is_passed_through() -> None:
    assert codec_path("h264") is LiveCodecPath.PASSTHROUGH
    assert {codec_path(c) for c in ("hevc", "mjpeg", "mpeg4")} == {LiveCodecPath.TRANSCODED}


def _option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_a_live_only_restream_copies_the_camera_to_loopback_mpegts() -> None:
    argv = restream_argv(RestreamCommand(input_url=URL, output_port=40002))

    assert _option(argv, "-i") == URL
    assert _option(argv, "-rtsp_transport") == "tcp"
    assert _option(argv, "-c:v") == "copy"
    assert _option(argv, "-f") == "mpegts"
    assert argv[-1] == "udp://127.0.0.1:40002?pkt_size=1316"
    assert _option(argv, "-omit_video_pes_length") == "0", "each frame must be complete at once"
    assert _option(argv, "-flush_packets") == "1"
    assert "libx264" not in argv
    assert not any(a.endswith(".m3u8") for a in argv), "a live-only restream records nothing"


def test_the_shared_encoder_makes_h264_with_a_keyframe_every_gop() -> None:
    argv = restream_argv(RestreamCommand(input_url=URL, output_port=40002, transcode=True, gop_s=1))

    assert _option(argv, "-c:v") == "libx264"
    assert _option(argv, "-preset") == "veryfast"
    assert _option(argv, "-tune") == "zerolatency"
    assert _option(argv, "-force_key_frames") == "expr:gte(t,n_forced*1)"


def test_an_encoder_of_a_recorder_restream_reads_udp_instead_of_the_camera() -> None:
    source = restream_source_url(40001)
    spec = RestreamCommand(input_url=source, output_port=40002, transcode=True)
    argv = restream_argv(spec)

    assert spec.reads_restream
    assert _option(argv, "-i") == source
    assert source.startswith("udp://127.0.0.1:40001?timeout=")
    assert "-rtsp_transport" not in argv
    assert argv.index("mpegts") < argv.index("-i"), "the input format is named"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("output_port", 0, id="port"),
        pytest.param("gop_s", 0.0, id="gop"),
        pytest.param("input_url", "http://x", id="scheme"),
    ],
)
def test_invalid_restream_settings_are_refused(field: str, value: object) -> None:
    values: dict[str, object] = {"input_url": URL, "output_port": 40002, field: value}
    with pytest.raises(ValueError, match=field.split("_")[0]):
        RestreamCommand(**values)  # type: ignore[arg-type]


def test_the_restream_command_repr_never_shows_the_url() -> None:
    assert "S3cret" not in repr(RestreamCommand(input_url=URL, output_port=40002))


class _Cameras:
    """Camera 1 is recorded (restream port in `ports`); camera 2 is known but not probed."""

    def __init__(self) -> None:
        self.ports: dict[int, int] = {1: 41000}
        self.codecs: dict[int, str | None] = {1: "h264", 2: None}
        self.urls: dict[int, str] = {}
        self.url_calls = 0

    async def stream_url(self, camera_id: int, stream: StreamRole) -> tuple[str, Sequence[str]]:
        self.url_calls += 1
        if camera_id not in self.codecs:
            raise NotFoundError(f"Camera {camera_id} does not exist.")
        return self.urls.get(camera_id, URL), ["S3cret"]

    def sources(self, grace_s: float = 0.05) -> LiveSources:
        return LiveSources(
            stream_url=self.stream_url,
            recorder_port=lambda camera_id, stream: self.ports.get(camera_id),
            codec_of=lambda camera_id, stream: self.codecs.get(camera_id),
            idle_grace_s=grace_s,
            reconcile_interval_s=3600,
            port_allocator=lambda: 42000,
        )


async def test_viewers_share_one_feed_which_closes_only_after_the_grace() -> None:
    sources = _Cameras().sources(grace_s=0.1)
    try:
        first = await sources.acquire(1, MAIN)
        second = await sources.acquire(1, MAIN)
        assert first is second
        assert first.viewers == 2
        assert first.url == restream_source_url(41000)
        assert first.ffmpeg_pid is None

        sources.release(first)
        sources.release(second)
        await asyncio.sleep(0.05)
        assert not first.closed, "the feed lingers for the grace period"
        await asyncio.wait_for(first.wait_closed(), timeout=1)
        assert sources.feeds() == []
    finally:
        await sources.stop()


async def test_a_viewer_returning_within_the_grace_gets_the_same_feed() -> None:
    sources = _Cameras().sources(grace_s=0.2)
    try:
        feed = await sources.acquire(1, MAIN)
        sources.release(feed)
        await asyncio.sleep(0.1)
        again = await sources.acquire(1, MAIN)
        await asyncio.sleep(0.2)

        assert again is feed
        assert not feed.closed
        assert feed.viewers == 1
    finally:
        await sources.stop()


async def test_a_feed_follows_its_recorder_to_a_new_port() -> None:
    cameras = _Cameras()
    sources = cameras.sources()
    try:
        feed = await sources.acquire(1, MAIN)
        cameras.ports[1] = 41001
        await sources.reconcile()

        assert feed.route == Route(RouteKind.RECORDER, 41001)
        assert feed.url == restream_source_url(41001)
    finally:
        await sources.stop()


async def test_unknown_cameras_and_unprobed_codecs_are_refused() -> None:
    sources = _Cameras().sources()
    try:
        with pytest.raises(NotFoundError):
            await sources.acquire(9, MAIN)
        with pytest.raises(LiveSourceUnavailableError, match="unknown"):
            await sources.acquire(2, MAIN)
        with pytest.raises(LiveSourceUnavailableError):
            sources.codec_path(2, MAIN)
        assert sources.codec_path(1, MAIN) is LiveCodecPath.PASSTHROUGH
        assert sources.feeds() == []
    finally:
        await sources.stop()


async def test_stop_closes_every_feed_at_once_and_refuses_new_viewers() -> None:
    sources = _Cameras().sources(grace_s=60)
    feed = await sources.acquire(1, MAIN)

    await sources.stop()

    assert feed.closed
    with pytest.raises(LiveSourceUnavailableError):
        await sources.acquire(1, MAIN)


async def test_releasing_more_often_than_acquiring_changes_nothing() -> None:
    sources = _Cameras().sources(grace_s=60)
    try:
        feed = await sources.acquire(1, MAIN)
        sources.release(feed)
        sources.release(feed)

        assert feed.viewers == 0
        assert not feed.closed
    finally:
        await sources.stop()


async def test_viewers_joining_a_running_feed_need_no_lookup() -> None:
    cameras = _Cameras()
    sources = cameras.sources(grace_s=60)
    try:
        feeds = await asyncio.gather(*(sources.acquire(1, MAIN) for _ in range(16)))
        assert {id(f) for f in feeds} == {id(feeds[0])}
        assert feeds[0].viewers == 16
        assert cameras.url_calls == 1
    finally:
        await sources.stop()


async def test_a_changed_camera_keeps_its_feed_unless_its_address_changed() -> None:
    cameras = _Cameras()
    sources = cameras.sources(grace_s=60)
    try:
        feed = await sources.acquire(1, MAIN)
        await sources.refresh_camera(1)  # renamed, say: the viewers keep watching
        assert sources.feeds() == [feed]
        assert await sources.acquire(1, MAIN) is feed

        cameras.urls[1] = "rtsp://admin:S3cret@127.0.0.1:8554/other"
        await sources.refresh_camera(1)
        assert feed.closed, "its viewers must reconnect to the new address"
        fresh = await sources.acquire(1, MAIN)
        assert fresh is not feed
        assert fresh.input_url.endswith("/other")
    finally:
        await sources.stop()


async def test_a_removed_cameras_feed_closes_and_no_viewer_joins_it_again() -> None:
    cameras = _Cameras()
    sources = cameras.sources(grace_s=60)
    try:
        feed = await sources.acquire(1, MAIN)
        del cameras.codecs[1]
        await sources.refresh_camera(1)
        assert feed.closed
        assert sources.feeds() == []
        with pytest.raises(NotFoundError):
            await sources.acquire(1, MAIN)
    finally:
        await sources.stop()
