"""StreamRecorder: keeps one camera stream's recorder ffmpeg running and reports its state."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import time
from collections.abc import Callable, Sequence
from typing import Any, Final

from backend_embed.api.dto import StreamRole
from backend_embed.api.recording import RecorderState, RecorderStatus
from backend_embed.ffmpeg.command import RecorderCommand, recorder_argv, recorder_environment
from backend_embed.ffmpeg.process import FfmpegProcess
from backend_embed.recording.clock import RecorderClock
from backend_embed.streams.backoff import Backoff
from backend_embed.streams.failure import (
    Failure,
    FailureKind,
    cannot_start,
    classify_exit,
    folder_unusable,
    stalled,
)
from backend_embed.streams.progress import output_started, output_time_ms, segment_written

logger = logging.getLogger(__name__)

PublishStatus = Callable[[RecorderStatus], None]

#: the watchdog's slack on top of three segments: connecting and probing take about a second
WATCHDOG_SLACK_S: Final = 5.0
_WAITING: Final = frozenset({RecorderState.STARTING, RecorderState.RECONNECTING})
_IDLE: Final = frozenset({RecorderState.STOPPED, RecorderState.FAILED})


class StreamRecorder:
    """Runs and supervises the ffmpeg that records one camera stream; restarts it until stopped.

    States (`RecorderState`): STOPPED until `start()`; STARTING until ffmpeg has opened the camera and
    muxes into the recording (it writes the first segment one segment length later: ffmpeg 5.1's HLS
    muxer keeps a segment in memory until it closes); RECORDING; RECONNECTING with a reason and
    `retry_in_s` after any stop, on the connection policy or, for a rejected password, a missing stream
    or a full disk, the slow one; FAILED for a configuration no retry can fix; DISK_FULL while paused by
    retention (or while ffmpeg reports a full disk); STOPPED after `stop()`.

    A watchdog restarts ffmpeg when no segment was written for `watchdog_s`. Progress comes from
    ffmpeg's own stderr (a segment written) and from the segment indexer (`note_segment_closed`).

    Every status change is passed to `publish` on the loop; `publish` must not block. All methods must be
    called on the loop that called `start()` (the backend's worker loop: see FfmpegProcess on why).
    """

    def __init__(
        self,
        camera_id: int,
        stream: StreamRole,
        command: RecorderCommand,
        publish: PublishStatus,
        *,
        secrets: Sequence[str],
        watchdog_s: float | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        """Describe the recorder; nothing runs until `start()`.

        Args:
            camera_id: the camera; must match `command.camera_id`.
            stream: the stream; must match `command.stream`.
            command: the ffmpeg command line's settings (holds the URL with credentials).
            publish: receives every new status.
            secrets: the camera's password and anything else to mask in reasons and logs.
            watchdog_s: restart ffmpeg after this long without a segment; default 3 segments + 5 s.
            backoff: the retry schedule; default the connection and authentication policies.
        """
        if (camera_id, stream) != (command.camera_id, command.stream):
            raise ValueError("the command records another camera stream")
        self._command = command
        self._argv = recorder_argv(command)
        self._publish = publish
        self._secrets = list(secrets)
        self._watchdog_s = (
            watchdog_s if watchdog_s is not None else 3 * command.segment_s + WATCHDOG_SLACK_S
        )
        self._backoff = backoff if backoff is not None else Backoff()
        self._segment_ms = command.segment_s * 1000
        self._name = f"recorder {camera_id}/{stream.value}"
        self._status = RecorderStatus(
            camera_id, stream, RecorderState.STOPPED, transcoding=command.transcode
        )
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._last_progress = 0.0
        self._run_started_ms = 0
        self._attempts_since_recording = 0
        self._clock = RecorderClock()

    @property
    def command(self) -> RecorderCommand:
        """The settings this recorder runs ffmpeg with (`playlist_path` is what the indexer reads)."""
        return self._command

    @property
    def clock(self) -> RecorderClock:
        """When ffmpeg received the frames of its current run (the indexer dates segments by it)."""
        return self._clock

    @property
    def watchdog_s(self) -> float:
        return self._watchdog_s

    def status(self) -> RecorderStatus:
        """The current status (the last one published)."""
        return self._status

    async def start(self) -> None:
        """Start recording; returns at once (STARTING). Does nothing if it already runs."""
        if self._task is not None:
            return
        logger.info("Starting %s", self._name)
        self._set(state=RecorderState.STARTING, reason="", retry_in_s=None)
        self._spawn()

    async def stop(self) -> None:
        """Stop recording: ffmpeg is asked to finish (its last segment is written) and reaped; STOPPED."""
        await self._halt()
        if self._status.state is not RecorderState.STOPPED:
            logger.info("Stopped %s", self._name)
        self._set(state=RecorderState.STOPPED, reason="", retry_in_s=None)

    async def pause(self, reason: str) -> None:
        """Stop recording because the disk is full (called by retention); DISK_FULL until `resume()`.

        Does nothing to a recorder that is stopped or failed: `resume()` must not start those.
        """
        if self._task is None and self._status.state in _IDLE:
            return
        await self._halt()
        logger.warning("Paused %s: %s", self._name, reason)
        self._set(state=RecorderState.DISK_FULL, reason=reason, retry_in_s=None)

    def resume(self) -> None:
        """Record again after `pause()`, or retry now after ffmpeg reported a full disk."""
        if self._status.state is not RecorderState.DISK_FULL:
            return
        self._backoff.reset()
        if self._task is not None:
            self._wake.set()  # ends the wait before the next attempt
            return
        logger.info("Resuming %s", self._name)
        self._set(state=RecorderState.STARTING, reason="", retry_in_s=None)
        self._spawn()

    def note_segment_closed(self, end_ms: int) -> None:
        """The indexer stored a segment ending at `end_ms` (wall clock, UTC ms, from its program date time).

        Updates `last_segment_end_ms` in any state. Feeds the watchdog and the RECORDING state only when
        the segment surely belongs to the current ffmpeg run: it ends at least one segment length after
        the run started. A program date time runs up to about a second and a half ahead of the wall
        clock (ffmpeg counts it from the burst of packets buffered while it probed the camera), so the
        last segment of the previous run, written as it exited, can end after the new run started.
        """
        newest = self._status.last_segment_end_ms
        if newest is None or end_ms > newest:
            self._set(last_segment_end_ms=end_ms)
        if self._task is not None and end_ms >= self._run_started_ms + self._segment_ms:
            self._note_progress()

    # -- the supervision task -------------------------------------------------------------------

    def _spawn(self) -> None:
        self._wake.clear()
        self._task = asyncio.create_task(self._supervise(), name=self._name)
        self._task.add_done_callback(self._on_task_done)

    async def _halt(self) -> None:
        task = self._task
        if task is None:
            return
        task.cancel()
        await asyncio.wait({task})  # our own cancellation propagates; the task still reaps ffmpeg
        if self._task is task:
            self._task = None

    def _on_task_done(self, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            return
        if self._task is task:
            self._task = None
        error = task.exception()
        if error is not None:
            logger.error("%s crashed", self._name, exc_info=error)
            self._set(
                state=RecorderState.FAILED,
                reason=f"{FailureKind.OTHER.value}: internal error, see the log.",
                retry_in_s=None,
            )

    async def _supervise(self) -> None:
        while True:
            failure = await self._run_once()
            if failure.permanent:
                logger.error("%s failed: %s", self._name, failure.reason)
                self._set(state=RecorderState.FAILED, reason=failure.reason, retry_in_s=None)
                return
            await self._wait_before_retry(failure)
            self._set(restarts=self._status.restarts + 1, retry_in_s=None)

    async def _wait_before_retry(self, failure: Failure) -> None:
        first = self._backoff.attempts == 0 or self._status.state is RecorderState.RECORDING
        delay = self._backoff.next_delay(slow=failure.slow_retry)
        self._attempts_since_recording += 1
        log = logger.warning if first else logger.debug
        log("%s stopped (%s); retrying in %.1f s", self._name, failure.reason, delay)
        state = (
            RecorderState.DISK_FULL
            if failure.kind is FailureKind.DISK_FULL
            else RecorderState.RECONNECTING
        )
        self._set(state=state, reason=failure.reason, retry_in_s=round(delay, 1))
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(delay):
                await self._wake.wait()
        if state is RecorderState.DISK_FULL:
            self._set(state=RecorderState.RECONNECTING)

    async def _run_once(self) -> Failure:
        """Run ffmpeg once until it exits, stalls or this task is cancelled; ffmpeg is always reaped."""
        try:
            self._command.camera_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return folder_unusable(self._command.camera_dir, exc)
        proc = FfmpegProcess(
            self._argv,
            secrets=self._secrets,
            on_line=self._on_line,
            env=recorder_environment(os.environ),
            name=self._name,
        )
        self._run_started_ms = time.time_ns() // 1_000_000
        self._last_progress = asyncio.get_running_loop().time()
        try:
            await proc.start()
        except OSError as exc:
            return cannot_start(self._command.ffmpeg, exc)
        try:
            stalled_for = await self._watch(proc)
        finally:
            await proc.stop()
        if stalled_for is not None:
            return stalled(stalled_for)
        failure = classify_exit(proc.returncode, proc.stderr_tail(), self._secrets)
        logger.debug("%s exited with %s; stderr:\n%s",
                     self._name, proc.returncode, "\n".join(proc.stderr_tail()))  # fmt: skip
        return failure

    async def _watch(self, proc: FfmpegProcess) -> float | None:
        """Wait for ffmpeg to exit (None) or to go `watchdog_s` without progress (that duration)."""
        loop = asyncio.get_running_loop()
        while True:
            remaining = self._last_progress + self._watchdog_s - loop.time()
            if remaining <= 0:
                logger.warning("%s wrote nothing for %.0f s: restarting it",
                               self._name, self._watchdog_s)  # fmt: skip
                return self._watchdog_s
            try:
                async with asyncio.timeout(remaining):
                    await proc.wait()
            except TimeoutError:
                continue
            return None

    # -- progress from ffmpeg and the indexer ---------------------------------------------------

    def _on_line(self, line: str) -> None:
        output_ms = output_time_ms(line)
        if output_ms is not None:
            self._clock.note_output_time(output_ms)
        elif output_started(line):
            self._clock.note_run_started()
            self._enter_recording()
        elif segment_written(line) is not None:
            self._note_progress()

    def _note_progress(self) -> None:
        self._last_progress = asyncio.get_running_loop().time()
        self._backoff.reset()
        self._enter_recording()

    def _enter_recording(self) -> None:
        if self._task is None or self._status.state not in _WAITING:
            return
        if self._attempts_since_recording:
            logger.info("%s records again after %d failed attempts",
                        self._name, self._attempts_since_recording)  # fmt: skip
        else:
            logger.info("%s records", self._name)
        self._attempts_since_recording = 0
        self._set(state=RecorderState.RECORDING, reason="", retry_in_s=None)

    def _set(self, **changes: Any) -> None:
        new = dataclasses.replace(self._status, **changes)
        if new != self._status:
            self._status = new
            self._publish(new)
