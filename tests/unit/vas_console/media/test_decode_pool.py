"""ReceiverDecoder: a receiver's H.264 frames decoded on the pool, in order, told what waits, bounded, ended once."""

from __future__ import annotations

import fractions
import logging
import queue
import threading
import time
from typing import Any

import av
import pytest
from aiortc import RTCRtpCodecParameters, RTCRtpReceiver
from aiortc.jitterbuffer import JitterFrame
from av import VideoFrame

from vas_console.media.decode_pool import DecodePool, ReceiverDecoder

H264 = RTCRtpCodecParameters(mimeType="video/H264", clockRate=90_000, payloadType=96)
TICKS = 3600  # 40 ms at 90 kHz


class _NoTransport:
    """RTCRtpReceiver only reads `transport.state` when it is made; it never starts here."""

    state = "new"


def _encoded_frames(count: int) -> list[JitterFrame]:
    """`count` H.264 frames (one keyframe first, no B-frames), each grey level telling its index."""
    encoder = av.CodecContext.create("libx264", "w")
    encoder.width, encoder.height, encoder.pix_fmt = 64, 48, "yuv420p"
    encoder.time_base = fractions.Fraction(1, 25)
    encoder.options = {"tune": "zerolatency", "bframes": "0", "g": "250"}
    packets = []
    for index in range(count):
        frame = VideoFrame(64, 48, "yuv420p")
        for plane, value in zip(frame.planes, (40 + index * 20 % 200, 128, 128), strict=True):
            plane.update(bytes([value]) * plane.buffer_size)
        frame.pts = index
        packets.extend(encoder.encode(frame))
    packets.extend(encoder.encode(None))
    return [JitterFrame(data=bytes(p), timestamp=i * TICKS) for i, p in enumerate(packets)]


def _luma(frame: VideoFrame) -> int:
    return bytes(frame.planes[0])[frame.planes[0].line_size * 24 + 32]


class _Recorder:
    """Collects what the decoder hands on; `gate` (when set) holds the first picture until released."""

    def __init__(self) -> None:
        self.pictures: list[tuple[int, int]] = []  # (luma, frames waiting behind it)
        self.ended = threading.Event()
        self.end_calls = 0
        self.gate: threading.Event | None = None
        self.holding = threading.Event()
        self.count = threading.Semaphore(0)

    def on_picture(self, frame: VideoFrame, waiting: int) -> None:
        if self.gate is not None and not self.pictures:
            self.holding.set()
            self.gate.wait(5)
        self.pictures.append((_luma(frame), waiting))
        self.count.release()

    def on_end(self) -> None:
        self.end_calls += 1
        self.ended.set()

    def wait_for(self, pictures: int) -> None:
        for _ in range(pictures):
            assert self.count.acquire(timeout=5), f"only {len(self.pictures)} pictures came"


class _Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _attached(
    recorder: _Recorder, pool: DecodePool, clock: _Clock | None = None
) -> tuple[ReceiverDecoder, RTCRtpReceiver]:
    receiver = RTCRtpReceiver("video", transport=_NoTransport())  # type: ignore[arg-type]
    decoder = ReceiverDecoder(
        recorder.on_picture, recorder.on_end, "test", pool, 1.0, clock or _Clock()
    )
    decoder.attach(receiver)
    return decoder, receiver


def _queue_of(receiver: RTCRtpReceiver) -> queue.Queue[Any]:
    value: queue.Queue[Any] = receiver._RTCRtpReceiver__decoder_queue  # type: ignore[attr-defined]
    return value


def test_frames_put_in_the_receivers_queue_are_decoded_in_order_on_the_pool() -> None:
    recorder = _Recorder()
    _, receiver = _attached(recorder, DecodePool(1))
    frames = _encoded_frames(5)

    for encoded in frames:
        _queue_of(receiver).put((H264, encoded))
        recorder.wait_for(1)  # one at a time: never behind

    assert [luma for luma, _ in recorder.pictures] == pytest.approx([40, 60, 80, 100, 120], abs=3)
    assert [waiting for _, waiting in recorder.pictures] == [0] * 5


def _held_with_backlog(
    backlog: int, clock: _Clock | None = None, late: int = 0
) -> tuple[_Recorder, ReceiverDecoder, RTCRtpReceiver]:
    """A receiver whose first picture is being handled (held at the gate) while `backlog` more come.

    The last `late` of them come 1.5 s after the others (the decoder drops backlogs older than 1 s).
    """
    clock = clock or _Clock()
    recorder = _Recorder()
    recorder.gate = threading.Event()
    decoder, receiver = _attached(recorder, DecodePool(1), clock)
    frames = _encoded_frames(1 + backlog)
    _queue_of(receiver).put((H264, frames[0]))
    assert recorder.holding.wait(5)
    for index, encoded in enumerate(frames[1:]):
        if index == backlog - late:
            clock.now += 1.5
        _queue_of(receiver).put((H264, encoded))
    return recorder, decoder, receiver


def test_each_picture_tells_how_many_frames_of_its_receiver_wait_behind_it() -> None:
    recorder, _, _ = _held_with_backlog(3)  # three more arrive while the first picture is handled

    assert recorder.gate is not None
    recorder.gate.set()
    recorder.wait_for(4)

    assert [waiting for _, waiting in recorder.pictures] == [0, 2, 1, 0]


def test_a_burst_of_frames_arriving_together_is_all_decoded() -> None:
    # a new viewer's GOP cache: a whole GOP at once, older than nothing
    recorder, decoder, _ = _held_with_backlog(60)

    assert recorder.gate is not None
    recorder.gate.set()
    recorder.wait_for(61)

    assert decoder.frames_dropped == 0
    assert [waiting for _, waiting in recorder.pictures][-3:] == [2, 1, 0]


def test_a_backlog_older_than_the_bound_is_dropped_and_pictures_resume_at_the_next_keyframe(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # frames 1-3 wait; the 4th comes 1.5 s later: 1-3 go, and 4-5 (made from them) are not shown
    recorder, decoder, receiver = _held_with_backlog(5, late=2)
    error: threading.Event = receiver._RTCRtpReceiver__decoder_error  # type: ignore[attr-defined]
    assert decoder.frames_dropped == 3
    assert error.is_set()  # the receiver asks for a keyframe (PLI) with its next packet
    assert "fell 1.5 s (3 frames) behind" in caplog.text

    assert recorder.gate is not None
    recorder.gate.set()
    recorder.wait_for(1)  # the one that was being handled
    _queue_of(receiver).put((H264, _encoded_frames(1)[0]))  # a keyframe (an IDR of grey 40)
    recorder.wait_for(1)

    assert [luma for luma, _ in recorder.pictures] == pytest.approx([40, 40], abs=3)


def test_a_frame_that_fails_to_decode_asks_for_a_keyframe_and_later_frames_still_come(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="vas_console.media.decode_pool")
    recorder = _Recorder()
    decoder, receiver = _attached(recorder, DecodePool(1))
    error: threading.Event = receiver._RTCRtpReceiver__decoder_error  # type: ignore[attr-defined]
    frames = _encoded_frames(2)

    broken = JitterFrame(data=b"\x00\x00\x00\x01\x65" + b"\xff" * 64, timestamp=0)
    for _ in range(3):
        _queue_of(receiver).put((H264, broken))
    for encoded in frames:
        _queue_of(receiver).put((H264, encoded))
    recorder.wait_for(2)

    assert decoder.decode_errors >= 3
    assert error.is_set()  # the receiver sends a PLI with its next packet
    assert [luma for luma, _ in recorder.pictures] == pytest.approx([40, 60], abs=3)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # one warning for the run of failures, not one per frame
    assert "decoding again after" in caplog.text


def test_the_receivers_stop_ends_the_decoder_once_and_aiortcs_idle_thread_too() -> None:
    recorder = _Recorder()
    decoder, receiver = _attached(recorder, DecodePool(1))
    tap = _queue_of(receiver)
    tap.put((H264, _encoded_frames(1)[0]))
    recorder.wait_for(1)

    tap.put(None)  # what aiortc's receiver does when it stops
    tap.put(None)

    assert recorder.ended.wait(5)
    assert decoder.join(5)
    assert tap.get(timeout=1) is None  # aiortc's own decoder thread, blocked in get(), ends with it
    assert recorder.end_calls == 1


def test_frames_still_queued_when_the_receiver_stops_are_not_decoded() -> None:
    # a reconnect waits for this decoder to end: a backlog must not keep it (and the pool) busy
    recorder, decoder, receiver = _held_with_backlog(3)

    _queue_of(receiver).put(None)
    assert recorder.gate is not None
    recorder.gate.set()

    assert decoder.join(5)
    assert recorder.ended.is_set()
    assert len(recorder.pictures) == 1  # the one being handled; the three behind it were dropped


def test_a_stop_before_any_frame_ends_at_once() -> None:
    recorder = _Recorder()
    decoder, receiver = _attached(recorder, DecodePool(1))

    _queue_of(receiver).put(None)

    assert recorder.end_calls == 1
    assert decoder.join(0)
    _queue_of(receiver).put((H264, _encoded_frames(1)[0]))  # after the stop: ignored
    assert recorder.pictures == []


def test_an_error_while_handling_a_picture_is_logged_and_the_next_one_still_comes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pictures: list[int] = []
    arrived = threading.Semaphore(0)

    def on_picture(frame: VideoFrame, waiting: int) -> None:
        arrived.release()
        if not pictures:
            pictures.append(-1)
            raise RuntimeError("boom")
        pictures.append(_luma(frame))

    receiver = RTCRtpReceiver("video", transport=_NoTransport())  # type: ignore[arg-type]
    ReceiverDecoder(on_picture, lambda: None, "test", DecodePool(1)).attach(receiver)
    for encoded in _encoded_frames(2):
        _queue_of(receiver).put((H264, encoded))
    for _ in range(2):
        assert arrived.acquire(timeout=5)

    assert pictures[1:] == pytest.approx([60], abs=3)
    assert "handling a decoded picture failed" in caplog.text


def test_a_thread_held_on_one_receiver_does_not_hold_up_the_others() -> None:
    # pinned receivers (round robin over 2 threads) would have put the third on the held thread
    pool = DecodePool(2)
    held, others = _Recorder(), _Recorder()
    held.gate = threading.Event()
    _, first = _attached(held, pool)
    _queue_of(first).put((H264, _encoded_frames(1)[0]))
    assert held.holding.wait(5)

    for _ in range(2):
        _, receiver = _attached(others, pool)
        _queue_of(receiver).put((H264, _encoded_frames(1)[0]))
        others.wait_for(1)
    assert held.pictures == []  # the others came while the first thread was still held

    held.gate.set()
    held.wait_for(1)


def test_one_receivers_frames_are_handled_one_at_a_time_in_order_by_any_thread() -> None:
    pool = DecodePool(4)
    lumas: list[int] = []
    threads: set[str] = set()
    busy = threading.Lock()
    overlaps: list[int] = []
    done = threading.Semaphore(0)

    def on_picture(frame: VideoFrame, waiting: int) -> None:
        if not busy.acquire(blocking=False):
            overlaps.append(_luma(frame))
            return
        try:
            threads.add(threading.current_thread().name)
            lumas.append(_luma(frame))
            time.sleep(0.002)  # long enough for another thread to try
        finally:
            busy.release()
            done.release()

    receiver = RTCRtpReceiver("video", transport=_NoTransport())  # type: ignore[arg-type]
    ReceiverDecoder(on_picture, lambda: None, "test", pool).attach(receiver)
    frames = _encoded_frames(10)
    for encoded in frames:
        _queue_of(receiver).put((H264, encoded))
    for _ in frames:
        assert done.acquire(timeout=5)

    assert overlaps == []
    assert lumas == pytest.approx([40 + 20 * i for i in range(10)], abs=3)
    assert threads <= {f"live-decode-{i}" for i in range(4)}


def test_attach_fails_loudly_when_aiortc_keeps_its_decoder_queue_elsewhere() -> None:
    class _Elsewhere:
        pass

    decoder = ReceiverDecoder(lambda frame, waiting: None, lambda: None, "test", DecodePool(1))

    with pytest.raises(TypeError, match="decoder queue"):
        decoder.attach(_Elsewhere())  # type: ignore[arg-type]
