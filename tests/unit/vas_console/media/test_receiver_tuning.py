"""Receiver tuning: a frame goes to the decoder at its marked last packet; no bitrate estimation."""

from __future__ import annotations

import logging

import aiortc.rate
import aiortc.rtcrtpreceiver
import pytest
from aiortc import RTCPeerConnection, RTCRtpReceiver
from aiortc.jitterbuffer import JitterBuffer
from aiortc.rtp import RtpPacket

from vas_console.media import receiver_tuning
from vas_console.media.receiver_tuning import (
    MarkerJitterBuffer,
    add_tuned_video_receiver,
    tune_receiver,
)

TICKS = 3600  # 40 ms at 90 kHz


def _packet(sequence: int, frame: int, *, last: bool) -> RtpPacket:
    packet = RtpPacket(sequence_number=sequence, timestamp=frame * TICKS, marker=int(last))
    packet._data = f"f{frame}s{sequence};".encode()  # type: ignore[attr-defined]
    return packet


def _frames_of(buffer: JitterBuffer, packets: list[RtpPacket]) -> list[tuple[int, bytes] | None]:
    """What `add` released after each packet: (frame number, data) or None."""
    released: list[tuple[int, bytes] | None] = []
    for packet in packets:
        _, frame = buffer.add(packet)
        released.append(None if frame is None else (frame.timestamp // TICKS, frame.data))
    return released


def test_a_frame_is_released_at_its_marked_last_packet() -> None:
    packets = [_packet(10, 0, last=False), _packet(11, 0, last=False), _packet(12, 0, last=True)]

    released = _frames_of(MarkerJitterBuffer(512, is_video=True), packets)

    assert released == [None, None, (0, b"f0s10;f0s11;f0s12;")]


def test_aiortcs_own_buffer_waits_for_the_next_frame_which_is_the_latency_removed() -> None:
    packets = [_packet(10, 0, last=False), _packet(11, 0, last=True), _packet(12, 1, last=True)]

    assert _frames_of(JitterBuffer(512, is_video=True), packets) == [
        None,
        None,
        (0, b"f0s10;f0s11;"),
    ]
    assert _frames_of(MarkerJitterBuffer(512, is_video=True), packets) == [
        None,
        (0, b"f0s10;f0s11;"),
        (1, b"f1s12;"),
    ]


def test_a_missing_middle_packet_holds_the_frame_until_it_arrives() -> None:
    buffer = MarkerJitterBuffer(512, is_video=True)
    first, middle, last = (
        _packet(20, 5, last=False),
        _packet(21, 5, last=False),
        _packet(22, 5, last=True),
    )

    assert _frames_of(buffer, [first, last]) == [None, None]
    assert _frames_of(buffer, [middle]) == [(5, b"f5s20;f5s21;f5s22;")]


def test_a_frame_without_a_marker_still_goes_when_the_next_one_starts() -> None:
    packets = [_packet(40, 7, last=False), _packet(41, 7, last=False), _packet(42, 8, last=True)]

    released = _frames_of(MarkerJitterBuffer(512, is_video=True), packets)

    assert released == [None, None, (7, b"f7s40;f7s41;")]


def test_consecutive_frames_each_go_at_their_own_marker_across_the_sequence_wrap() -> None:
    buffer = MarkerJitterBuffer(512, is_video=True)
    packets = [
        _packet(65534, 1, last=False),
        _packet(65535, 1, last=True),
        _packet(0, 2, last=False),
        _packet(1, 2, last=True),
    ]

    assert _frames_of(buffer, packets) == [
        None,
        (1, b"f1s65534;f1s65535;"),
        None,
        (2, b"f2s0;f2s1;"),
    ]


def test_packets_without_the_expected_payload_attribute_fall_back_to_aiortcs_rule_with_one_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # as if aiortc's receiver left the payload under another name (its own buffer reading that one)
    monkeypatch.setattr(receiver_tuning, "_PAYLOAD_ATTRIBUTE", "_payload")
    monkeypatch.setattr(receiver_tuning, "_left_out", set())
    buffer = MarkerJitterBuffer(capacity=128, is_video=True)

    with caplog.at_level(logging.WARNING, logger=receiver_tuning.__name__):
        released = _frames_of(
            buffer,
            [
                _packet(1, 1, last=True),
                _packet(2, 2, last=True),
                _packet(3, 3, last=False),
                _packet(4, 3, last=True),
                _packet(5, 4, last=True),
            ],
        )

    # each frame at the first packet of the next, as aiortc ships it
    assert released == [None, (1, b"f1s1;"), (2, b"f2s2;"), None, (3, b"f3s3;f3s4;")]
    assert ["frames at their marker" in r.getMessage() for r in caplog.records] == [True]


def test_a_tuned_video_receiver_has_the_marker_buffer_and_no_bitrate_estimator() -> None:
    receiver = RTCRtpReceiver("video", transport=_NoTransport())  # type: ignore[arg-type]
    assert receiver._RTCRtpReceiver__remote_bitrate_estimator is not None  # type: ignore[attr-defined]

    tune_receiver(receiver)
    tune_receiver(receiver)

    buffer = receiver._RTCRtpReceiver__jitter_buffer  # type: ignore[attr-defined]
    assert type(buffer) is MarkerJitterBuffer
    assert buffer.capacity == 512
    assert receiver._RTCRtpReceiver__remote_bitrate_estimator is None  # type: ignore[attr-defined]


async def test_a_receiver_added_tuned_never_builds_the_estimator_and_others_still_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    windows: list[int] = []
    build_window = aiortc.rate.RateCounter.reset
    monkeypatch.setattr(
        aiortc.rate.RateCounter, "reset", lambda self: (windows.append(1), build_window(self))[1]
    )
    pc = RTCPeerConnection()
    try:
        tuned = add_tuned_video_receiver(pc).receiver
        assert windows == []  # no estimator, so no 1,000-bucket rate window, was built
        assert type(tuned._RTCRtpReceiver__jitter_buffer) is MarkerJitterBuffer  # type: ignore[attr-defined]
        assert tuned._RTCRtpReceiver__remote_bitrate_estimator is None  # type: ignore[attr-defined]
        assert add_tuned_video_receiver(pc).direction == "recvonly"

        plain = pc.addTransceiver(
            "video", direction="recvonly"
        ).receiver  # outside: as aiortc ships
        assert plain._RTCRtpReceiver__remote_bitrate_estimator is not None  # type: ignore[attr-defined]
        assert windows == [1]
    finally:
        await pc.close()


def _as_if_aiortc_renamed_its_internals(monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = aiortc.rtcrtpreceiver.RemoteBitrateEstimator
    if isinstance(shipped, receiver_tuning._OptionalEstimator):  # an earlier test installed it
        monkeypatch.setattr(aiortc.rtcrtpreceiver, "RemoteBitrateEstimator", shipped.build)
    monkeypatch.setattr(receiver_tuning, "_ESTIMATOR_FACTORY", "RenamedEstimator")
    monkeypatch.setattr(receiver_tuning, "_BUFFER_ATTRIBUTE", "_RTCRtpReceiver__frame_buffer")
    monkeypatch.setattr(receiver_tuning, "_ESTIMATOR_ATTRIBUTE", "_RTCRtpReceiver__bandwidth")
    monkeypatch.setattr(receiver_tuning, "_left_out", set())


async def test_an_aiortc_without_room_for_the_tunings_still_plays_and_says_so_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _as_if_aiortc_renamed_its_internals(monkeypatch)
    pc = RTCPeerConnection()
    try:
        with caplog.at_level(logging.WARNING, logger=receiver_tuning.__name__):
            receivers = [add_tuned_video_receiver(pc) for _ in range(3)]
    finally:
        await pc.close()

    assert [t.direction for t in receivers] == ["recvonly"] * 3
    receiver = receivers[0].receiver
    assert type(receiver._RTCRtpReceiver__jitter_buffer) is JitterBuffer  # type: ignore[attr-defined]
    assert receiver._RTCRtpReceiver__remote_bitrate_estimator is not None  # type: ignore[attr-defined]
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 3, warnings  # one per tuning left out, not one per receiver
    assert all(f"aiortc {aiortc.__version__}" in w for w in warnings)
    assert any("frames at their marker" in w for w in warnings)
    with pytest.raises(TypeError, match="no jitter buffer"):
        tune_receiver(receiver)  # the strict form, which the tests above pin the internals with


def test_a_buffer_missing_a_part_the_marker_buffer_reads_is_left_as_aiortc_made_it(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(
        receiver_tuning, "_BUFFER_PARTS", (*receiver_tuning._BUFFER_PARTS, "_frames")
    )
    monkeypatch.setattr(receiver_tuning, "_left_out", set())
    receiver = RTCRtpReceiver("video", transport=_NoTransport())  # type: ignore[arg-type]

    with caplog.at_level(logging.WARNING, logger=receiver_tuning.__name__):
        receiver_tuning._tune(receiver, strict=False)

    assert type(receiver._RTCRtpReceiver__jitter_buffer) is JitterBuffer  # type: ignore[attr-defined]
    assert receiver._RTCRtpReceiver__remote_bitrate_estimator is None  # type: ignore[attr-defined]
    assert ["frames at their marker" in r.getMessage() for r in caplog.records] == [True]


class _NoTransport:
    """RTCRtpReceiver only reads `transport.state` when it starts; it never starts here."""

    state = "new"
