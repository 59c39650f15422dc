"""Tests for backend_embed.streams.supervisor's state machine, driven by a scripted stand-in for ffmpeg.

The stand-in is a small Python program (hand-written, see FAKE_FFMPEG) that the recorder starts exactly as
it starts ffmpeg; each launch plays the next scripted behaviour. The real ffmpeg is in the integration tests.
"""

from __future__ import annotations

import asyncio
import stat
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from backend_embed.api.dto import StreamRole
from backend_embed.api.recording import RecorderState, RecorderStatus
from backend_embed.ffmpeg.command import RecorderCommand
from backend_embed.streams.backoff import Backoff, BackoffPolicy
from backend_embed.streams.supervisor import StreamRecorder

FAKE_FFMPEG = """#!{python}
import os, sys, threading, time
launches = {launches!r}
with open(launches, "a") as f:
    f.write("x")
modes = {modes!r}
mode = modes[min(len(open(launches).read()), len(modes)) - 1]

def say(line):
    print(line, file=sys.stderr, flush=True)

def quit_on_q():
    if sys.stdin.read(1) == "q":
        say("[hls @ 0x1] Opening '/rec/1/main-20260101T000000Z-9.ts.tmp' for writing")
        os._exit(0)

threading.Thread(target=quit_on_q, daemon=True).start()
if mode == "auth":
    say("rtsp://admin:***@127.0.0.1:1/main: Server returned 401 Unauthorized (authorization failed)")
    sys.exit(1)
if mode == "refused":
    say("rtsp://127.0.0.1:1/main: Connection refused")
    sys.exit(1)
if mode == "badopt":
    say("Unrecognized option 'copytb'.")
    sys.exit(1)
if mode == "diskfull":
    say("[hls @ 0x1] Failed to open file '/rec/x.ts.tmp': No space left on device")
    sys.exit(1)
say("Input #0, rtsp, from 'rtsp://127.0.0.1:1/main':")
say("Output #0, tee, to '[f=hls]/rec/1/main.m3u8':")
if mode == "ended":
    sys.exit(0)
n = 0
while True:
    time.sleep(0.2)
    if mode == "record":
        n += 1
        say(f"[hls @ 0x1] Opening '/rec/1/main-20260101T000000Z-{{n}}.ts.tmp' for writing")
"""

FAST = BackoffPolicy(base_s=0.05, cap_s=0.1, floor_s=0.05)


@dataclass
class Harness:
    """A StreamRecorder on the fake ffmpeg, the statuses it published and how often it launched."""

    recorder: StreamRecorder
    launches_file: Path
    published: list[RecorderStatus] = field(default_factory=list)

    @property
    def launches(self) -> int:
        return len(self.launches_file.read_text()) if self.launches_file.exists() else 0

    def states(self) -> list[RecorderState]:
        return [status.state for status in self.published]

    async def wait_for(
        self, predicate: Callable[[RecorderStatus], bool], within_s: float = 10
    ) -> None:
        deadline = time.monotonic() + within_s
        while not predicate(self.recorder.status()):
            assert time.monotonic() < deadline, f"timed out; published {self.published}"
            await asyncio.sleep(0.02)


HarnessFactory = Callable[..., Harness]


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[HarnessFactory]:
    """Build recorders whose ffmpeg is the scripted stand-in; every recorder is stopped at teardown."""
    made: list[Harness] = []

    def make(
        modes: Sequence[str],
        *,
        ffmpeg: str | None = None,
        slow: BackoffPolicy = FAST,
        watchdog_s: float | None = 5.0,
    ) -> Harness:
        launches = tmp_path / f"launches{len(made)}"
        script = tmp_path / f"ffmpeg{len(made)}"
        script.write_text(
            FAKE_FFMPEG.format(python=sys.executable, launches=str(launches), modes=list(modes))
        )
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
        command = RecorderCommand(
            input_url="rtsp://admin:pw-secret@127.0.0.1:1/main",
            recordings_root=tmp_path / "rec",
            camera_id=1,
            ffmpeg=ffmpeg or str(script),
        )
        published: list[RecorderStatus] = []
        recorder = StreamRecorder(
            1, StreamRole.MAIN, command, published.append,
            secrets=["pw-secret"], watchdog_s=watchdog_s, backoff=Backoff(FAST, slow),
        )  # fmt: skip
        made.append(Harness(recorder, launches, published))
        return made[-1]

    yield make
    for item in made:
        await item.recorder.stop()


async def test_records_once_ffmpeg_muxes_and_publishes_every_change(
    harness: HarnessFactory,
) -> None:
    h = harness(["record"])
    assert h.recorder.status().state is RecorderState.STOPPED
    await h.recorder.start()
    await h.wait_for(lambda s: s.state is RecorderState.RECORDING)
    await h.recorder.stop()
    assert h.states() == [RecorderState.STARTING, RecorderState.RECORDING, RecorderState.STOPPED]
    assert h.launches == 1
    assert h.recorder.status().restarts == 0


async def test_a_failed_first_attempt_reconnects_with_a_reason_then_records(
    harness: HarnessFactory,
) -> None:
    h = harness(["refused", "record"])
    await h.recorder.start()
    await h.wait_for(lambda s: s.state is RecorderState.RECORDING)
    reconnecting = [s for s in h.published if s.state is RecorderState.RECONNECTING]
    assert reconnecting[0].reason.startswith("camera unreachable: ")
    assert reconnecting[0].retry_in_s is not None
    assert h.recorder.status().restarts == 1
    assert h.recorder.status().reason == ""


async def test_an_authentication_failure_waits_on_the_slow_policy(harness: HarnessFactory) -> None:
    h = harness(["auth"], slow=BackoffPolicy(base_s=30, cap_s=30, floor_s=30))
    await h.recorder.start()
    await h.wait_for(lambda s: s.state is RecorderState.RECONNECTING)
    status = h.recorder.status()
    assert status.reason.startswith("authentication failed: ")
    assert status.retry_in_s == 30
    await asyncio.sleep(1.0)
    assert h.launches == 1


async def test_a_configuration_error_fails_without_retrying(harness: HarnessFactory) -> None:
    h = harness(["badopt"])
    await h.recorder.start()
    await h.wait_for(lambda s: s.state is RecorderState.FAILED)
    assert h.recorder.status().reason.startswith("recorder misconfigured: ")
    await asyncio.sleep(0.3)
    assert h.launches == 1


async def test_a_missing_ffmpeg_fails_and_says_which(harness: HarnessFactory) -> None:
    h = harness(["record"], ffmpeg="/nonexistent/ffmpeg")
    await h.recorder.start()
    await h.wait_for(lambda s: s.state is RecorderState.FAILED)
    assert "/nonexistent/ffmpeg" in h.recorder.status().reason


async def test_a_stream_that_ends_is_restarted_and_counted(harness: HarnessFactory) -> None:
    h = harness(["ended", "ended", "record"])
    await h.recorder.start()
    await h.wait_for(lambda s: s.state is RecorderState.RECORDING and s.restarts == 2)
    assert any(s.reason.startswith("stream ended: ") for s in h.published)


async def test_the_watchdog_restarts_an_ffmpeg_that_writes_no_segment(
    harness: HarnessFactory,
) -> None:
    h = harness(["silent", "record"], watchdog_s=1.0)
    await h.recorder.start()
    await h.wait_for(lambda s: s.restarts == 1 and s.state is RecorderState.RECORDING)
    stalled = [s for s in h.published if s.reason.startswith("recording stalled: ")]
    assert stalled
    assert stalled[0].state is RecorderState.RECONNECTING
    await asyncio.sleep(1.5)  # the second run writes segments: the watchdog stays quiet
    assert h.launches == 2


async def test_segments_noted_by_the_indexer_feed_the_watchdog(harness: HarnessFactory) -> None:
    h = harness(["silent"], watchdog_s=1.0)
    await h.recorder.start()
    for _ in range(8):
        await asyncio.sleep(0.25)
        # ends a segment length after the run started: surely this run's (see note_segment_closed)
        h.recorder.note_segment_closed(time.time_ns() // 1_000_000 + 4_000)
    assert h.launches == 1
    status = h.recorder.status()
    assert status.state is RecorderState.RECORDING
    assert status.last_segment_end_ms is not None


async def test_a_segment_from_an_earlier_run_does_not_mark_recording(
    harness: HarnessFactory,
) -> None:
    h = harness(["refused"], slow=FAST)
    await h.recorder.start()
    await h.wait_for(lambda s: s.state is RecorderState.RECONNECTING)
    now_ms = time.time_ns() // 1_000_000
    h.recorder.note_segment_closed(now_ms - 60_000)
    # the previous run's last segment, written as it exited, with a program date time running ahead
    h.recorder.note_segment_closed(now_ms + 1_500)
    assert h.recorder.status().state is RecorderState.RECONNECTING
    assert h.recorder.status().last_segment_end_ms is not None


async def test_pause_stops_ffmpeg_and_resume_records_again(harness: HarnessFactory) -> None:
    h = harness(["record"])
    await h.recorder.start()
    await h.wait_for(lambda s: s.state is RecorderState.RECORDING)
    await h.recorder.pause("The disk is full: 0.5 % free.")
    status = h.recorder.status()
    assert (status.state, status.reason) == (
        RecorderState.DISK_FULL,
        "The disk is full: 0.5 % free.",
    )
    await asyncio.sleep(0.3)
    assert h.launches == 1, "a paused recorder must not restart ffmpeg"
    h.recorder.resume()
    await h.wait_for(lambda s: s.state is RecorderState.RECORDING)
    assert h.launches == 2


async def test_pausing_a_stopped_recorder_leaves_it_stopped(harness: HarnessFactory) -> None:
    h = harness(["record"])
    await h.recorder.pause("The disk is full.")
    h.recorder.resume()
    await asyncio.sleep(0.3)
    assert h.recorder.status().state is RecorderState.STOPPED
    assert h.launches == 0


async def test_a_full_disk_reported_by_ffmpeg_shows_disk_full_until_resumed(
    harness: HarnessFactory,
) -> None:
    h = harness(["diskfull", "record"], slow=BackoffPolicy(base_s=60, cap_s=60, floor_s=60))
    await h.recorder.start()
    await h.wait_for(lambda s: s.state is RecorderState.DISK_FULL)
    assert h.recorder.status().reason.startswith("disk full: ")
    h.recorder.resume()
    await h.wait_for(lambda s: s.state is RecorderState.RECORDING, within_s=5)


async def test_stop_during_the_wait_before_a_retry_is_prompt(harness: HarnessFactory) -> None:
    h = harness(["auth"], slow=BackoffPolicy(base_s=60, cap_s=60, floor_s=60))
    await h.recorder.start()
    await h.wait_for(lambda s: s.state is RecorderState.RECONNECTING)
    started = time.monotonic()
    await h.recorder.stop()
    assert time.monotonic() - started < 1.0
    assert h.recorder.status() == RecorderStatus(
        1, StreamRole.MAIN, RecorderState.STOPPED, restarts=0
    )


async def test_a_recorder_for_another_camera_stream_is_refused(tmp_path: Path) -> None:
    command = RecorderCommand("rtsp://127.0.0.1:1/x", tmp_path, camera_id=2)
    with pytest.raises(ValueError, match="another camera stream"):
        StreamRecorder(1, StreamRole.MAIN, command, print, secrets=[])
