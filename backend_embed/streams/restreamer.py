"""Restreamer: one supervised live-only ffmpeg that feeds a loopback UDP source for viewers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from backend_embed.ffmpeg.command import RestreamCommand, restream_argv
from backend_embed.ffmpeg.process import FfmpegProcess
from backend_embed.streams.backoff import Backoff
from backend_embed.streams.failure import Failure, cannot_start, classify_exit
from backend_embed.streams.progress import output_started

logger = logging.getLogger(__name__)


class Restreamer:
    """Keeps one live-only ffmpeg (`restream_argv`) running until stopped: restarts it with backoff.

    ffmpeg ends by itself when its source goes silent (RTSP `-timeout`, or the UDP read timeout of a
    recorder's restream), so exits are the only signal needed; the connection backoff (0.25 s to 3 s)
    brings the feed back about a second after the camera returns. Failures no retry fixes (ffmpeg
    missing or rejecting the command line) end the task with an error log.
    """

    def __init__(self, command: RestreamCommand, *, secrets: Sequence[str], name: str) -> None:
        self._argv = restream_argv(command)
        self._ffmpeg = command.ffmpeg
        self._secrets = list(secrets)
        self._name = name
        self._backoff = Backoff()
        self._proc: FfmpegProcess | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None and proc.returncode is None else None

    def start(self) -> None:
        """Start supervising; returns at once. Must be called on the backend's loop, once."""
        if self._task is None:
            self._task = asyncio.create_task(self._supervise(), name=self._name)

    async def stop(self) -> None:
        """Stop ffmpeg (q, TERM, KILL) and reap it; a crash of the supervision is logged here."""
        task = self._task
        if task is None:
            return
        task.cancel()
        await asyncio.wait(
            {task}
        )  # a cancelled caller leaves _task set: a later stop() waits again
        self._task = None
        if not task.cancelled() and (error := task.exception()) is not None:
            logger.error("%s crashed", self._name, exc_info=error)

    async def _supervise(self) -> None:
        while True:
            failure = await self._run_once()
            if failure.permanent:
                logger.error("%s cannot run: %s", self._name, failure.reason)
                return
            delay = self._backoff.next_delay(slow=failure.slow_retry)
            log = logger.warning if self._backoff.attempts == 1 else logger.debug
            log("%s stopped (%s); retrying in %.1f s", self._name, failure.reason, delay)
            await asyncio.sleep(delay)

    async def _run_once(self) -> Failure:
        proc = self._proc = FfmpegProcess(
            self._argv, secrets=self._secrets, on_line=self._on_line, name=self._name
        )
        try:
            await proc.start()
        except OSError as exc:
            return cannot_start(self._ffmpeg, exc)
        try:
            await proc.wait()
        finally:
            await proc.stop()
        return classify_exit(proc.returncode, proc.stderr_tail(), self._secrets)

    def _on_line(self, line: str) -> None:
        if output_started(line):
            self._backoff.reset()
