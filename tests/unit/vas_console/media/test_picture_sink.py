"""PictureSink: pictures scaled to fit the tile in two steps, stored without a copy, skipped when far behind."""

from __future__ import annotations

import fractions

import pytest
from av import VideoFrame
from av.video.reformatter import VideoReformatter

from vas_console.media.picture_sink import PictureSink


def _gradient(width: int = 640, height: int = 360, index: int = 0) -> VideoFrame:
    """Luma rising left to right and top to bottom, chroma varying too: scaling errors show."""
    frame = VideoFrame(width, height, "yuv420p")
    for number, plane in enumerate(frame.planes):
        w, h, stride = plane.width, plane.height, plane.line_size
        rows = bytearray(stride * h)
        for y in range(h):
            for x in range(w):
                rows[y * stride + x] = 16 + x * 150 // w + y * 50 // h + number * 20  # no wrap
        plane.update(bytes(rows))
    frame.pts = index * 3600
    frame.time_base = fractions.Fraction(1, 90_000)
    return frame


def test_a_picture_is_scaled_to_fit_the_output_keeping_its_aspect() -> None:
    sink = PictureSink((478, 300))

    sink.on_picture(_gradient(), waiting=0)

    frame = sink.slot.take()
    assert frame is not None
    assert (frame.width, frame.height) == (478, 268)  # 640x360 fitted, even sizes
    assert (frame.source_width, frame.source_height) == (640, 360)
    assert frame.stride >= frame.width * 4
    assert len(frame.pixels) >= frame.stride * frame.height
    assert sink.sequence == frame.sequence == 1


def test_two_step_scaling_matches_swscales_one_step_picture() -> None:
    source = _gradient()
    sink = PictureSink((478, 268))
    sink.on_picture(source, waiting=0)
    frame = sink.slot.take()
    assert frame is not None

    direct = VideoReformatter().reformat(source, 478, 268, format="bgra", interpolation="BILINEAR")
    expected = bytes(direct.planes[0])
    ours = bytes(frame.pixels)
    stride, width = frame.stride, frame.width * 4
    differences = [
        abs(ours[y * stride + x] - expected[y * direct.planes[0].line_size + x])
        for y in range(0, frame.height, 7)
        for x in range(0, width, 5)
        if x % 4 != 3  # the X byte
    ]
    assert sum(differences) / len(differences) < 2.0
    assert max(differences) <= 12


def test_the_pixels_are_a_read_only_view_not_a_copy() -> None:
    sink = PictureSink((320, 180))
    sink.on_picture(_gradient(), waiting=0)
    frame = sink.slot.take()
    assert frame is not None

    assert isinstance(frame.pixels, memoryview)
    assert frame.pixels.readonly


def test_a_picture_with_a_slots_worth_of_frames_behind_it_is_counted_and_not_stored() -> None:
    sink = PictureSink((320, 180))
    assert sink.slot.depth == 2

    sink.on_picture(_gradient(index=0), waiting=3)  # far behind: the waiting ones replace it anyway
    sink.on_picture(_gradient(index=1), waiting=2)
    sink.on_picture(_gradient(index=2), waiting=1)  # one behind: kept, shown a tick before the next
    sink.on_picture(_gradient(index=3), waiting=0)

    assert sink.skipped == 2
    assert sink.slot.stats().written == 2
    shown = [sink.slot.take(), sink.slot.take()]
    assert [f.media_time_s for f in shown if f is not None] == pytest.approx([0.08, 0.12])
    assert sink.slot.take() is None


def test_notify_next_is_called_once_after_the_next_stored_picture() -> None:
    sink = PictureSink((320, 180))
    calls: list[int] = []
    sink.notify_next(lambda: calls.append(sink.sequence))

    sink.on_picture(_gradient(), waiting=0)
    sink.on_picture(_gradient(), waiting=0)

    assert calls == [1]


def test_a_sessions_first_picture_is_stored_with_a_gop_burst_behind_it_and_live_waits_to_catch_up() -> (
    None
):
    sink = PictureSink((320, 180))
    calls: list[int] = []
    sink.notify_next(lambda: calls.append(sink.sequence))  # its GOP cache arrives at once

    sink.on_picture(_gradient(index=1), waiting=48)
    first = sink.slot.take()  # painted at the next tick, under "connecting"
    assert calls == []  # 48 frames behind: not live yet
    for index, waiting in zip(range(2, 50), range(47, -1, -1), strict=True):
        sink.on_picture(_gradient(index=index), waiting=waiting)

    assert first is not None
    assert first.media_time_s == pytest.approx(0.04)  # the burst's keyframe
    assert calls == [2]  # live at the first picture one frame behind (index 48)
    assert sink.skipped == 46  # the rest of the burst until one behind
    shown = [sink.slot.take() for _ in range(3)]
    assert [f.media_time_s for f in shown if f is not None] == pytest.approx([1.92, 1.96])


def test_a_reconnects_burst_is_skipped_until_caught_up_so_the_tile_never_steps_back_in_time() -> (
    None
):
    sink = PictureSink((320, 180))
    calls: list[int] = []
    # the picture on the tile when the attempt failed
    sink.on_picture(_gradient(index=60), waiting=0)
    assert sink.slot.take() is not None
    sink.notify_next(lambda: calls.append(sink.sequence))  # the reconnect: the GOP cache at once

    shown: list[float] = []
    for index, waiting in zip(range(10, 60), range(49, -1, -1), strict=True):
        sink.on_picture(_gradient(index=index), waiting=waiting)
        picture = sink.slot.take()  # a paint tick after each: whatever is stored is seen
        shown += [] if picture is None else [picture.media_time_s]

    assert shown == pytest.approx([2.32, 2.36])
    assert calls == [2]
    # the cached keyframe among them: 0.4 s, older than the 2.4 s on the tile
    assert sink.skipped == 48


def test_a_stale_keyframe_left_by_a_failed_first_attempt_gives_way_to_the_reconnects_first_picture() -> (
    None
):
    sink = PictureSink((320, 180))
    calls: list[int] = []
    sink.notify_next(lambda: calls.append(sink.sequence))
    sink.on_picture(_gradient(index=0), waiting=30)  # the keyframe, stored; then the attempt fails
    sink.notify_next(lambda: calls.append(sink.sequence))  # the reconnect, before any paint tick
    sink.on_picture(_gradient(index=40), waiting=5)  # behind: skipped, the keyframe stays
    sink.on_picture(_gradient(index=45), waiting=0)  # caught up: replaces the stale keyframe

    shown = [sink.slot.take() for _ in range(2)]
    assert [f.media_time_s for f in shown if f is not None] == pytest.approx([1.8])
    assert calls == [2]


def test_the_caught_up_picture_replaces_a_stale_one_still_waiting_so_a_switch_never_shows_the_old_keyframe() -> (
    None
):
    sink = PictureSink(
        (320, 180)
    )  # a session started beside the shown one: nobody takes its pictures yet
    calls: list[int] = []
    sink.notify_next(lambda: calls.append(sink.sequence))

    for index, waiting in zip(range(50), range(49, -1, -1), strict=True):
        sink.on_picture(_gradient(index=index), waiting=waiting)

    assert calls == [2]  # the keyframe (stored, not live) and then index 48: live
    shown = [sink.slot.take() for _ in range(3)]  # the tile takes the slot over when it turns live
    assert [f.media_time_s for f in shown if f is not None] == pytest.approx([1.92, 1.96])
    assert sink.slot.stats().dropped == 1  # the keyframe's picture, never shown


def test_a_picture_waiting_in_the_slot_before_a_skip_is_still_shown() -> None:
    sink = PictureSink((320, 180))
    sink.on_picture(_gradient(index=0), waiting=1)  # stored; the paint tick is late
    sink.on_picture(_gradient(index=1), waiting=2)  # skipped
    sink.on_picture(_gradient(index=2), waiting=0)

    shown = [sink.slot.take() for _ in range(3)]
    assert [f.media_time_s for f in shown if f is not None] == pytest.approx([0.0, 0.08])
    assert sink.skipped == 1


def test_a_new_output_size_applies_to_the_next_picture() -> None:
    sink = PictureSink((640, 360))
    sink.on_picture(_gradient(), waiting=0)
    sink.set_output_size(160, 160)
    sink.on_picture(_gradient(), waiting=0)

    assert sink.slot.take() is not None  # the first, at the old size
    frame = sink.slot.take()
    assert frame is not None
    assert (frame.width, frame.height) == (160, 90)


def test_the_capture_probe_gives_the_latency_at_most_once_per_interval() -> None:
    probed: list[VideoFrame] = []

    def probe(frame: VideoFrame) -> int:
        probed.append(frame)
        return 0  # the epoch: a huge but finite latency

    sink = PictureSink((320, 180), capture_probe=probe, probe_interval_s=60.0)
    for _ in range(3):
        sink.on_picture(_gradient(), waiting=0)

    assert len(probed) == 1
    assert sink.latency_ms is not None
    assert sink.latency_ms > 0
