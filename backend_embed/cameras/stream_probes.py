"""StreamProbes: what each camera stream is (codec, picture size), probed once and shared.

Live viewing needs a stream's codec (passthrough or the shared encoder) and size (the tile's stream choice)
before it starts a feed. The main stream's probe comes from the camera monitor; other streams (the sub
stream) are probed here. A probe takes about a second (ffprobe connects and reads), and a restored 4x4 wall
asks for 16 at once: so a host probes a camera's sub stream in the background as soon as its main stream
answered (`prefetch`), and a viewer that asks meanwhile joins that probe instead of starting another
(`probe`). Runs on the host's loop.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence

from backend_embed.api.dto import ProbeResult, StreamRole
from backend_embed.api.errors import BackendError

logger = logging.getLogger(__name__)

Key = tuple[int, StreamRole]
StreamUrl = Callable[[int, StreamRole], Awaitable[tuple[str, Sequence[str]]]]
Probe = Callable[[str, Sequence[str], StreamRole], Awaitable[ProbeResult]]

BACKGROUND_CONCURRENCY = 2
"""Background probes at once: ffprobe costs a connection and some CPU, and main-stream probes and recorders
start at the same time. A viewer's own probe does not wait for this limit."""


class StreamProbes:
    """The last successful probe of each (camera, stream), and the probes under way."""

    def __init__(
        self,
        stream_url: StreamUrl,
        probe: Probe,
        *,
        background_concurrency: int = BACKGROUND_CONCURRENCY,
    ) -> None:
        """Args:
        stream_url: the stream's URL and the secrets to redact from it (raises BackendError if the camera
            is gone).
        probe: probes a URL; never raises for a camera problem (a failed ProbeResult).
        background_concurrency: how many `prefetch` probes run at once.
        """
        self._stream_url = stream_url
        self._probe = probe
        self._background = asyncio.Semaphore(background_concurrency)
        self._results: dict[Key, ProbeResult] = {}
        self._pending: dict[Key, asyncio.Task[ProbeResult]] = {}
        self._queued: set[Key] = set()  # background probes still waiting for their turn
        self._closed = False

    def get(self, camera_id: int, stream: StreamRole) -> ProbeResult | None:
        """The last successful probe of the stream, or None."""
        return self._results.get((camera_id, stream))

    def record(self, camera_id: int, result: ProbeResult) -> None:
        """A successful probe made elsewhere (the monitor's, of the main stream)."""
        self._results[(camera_id, result.stream)] = result

    async def probe(self, camera_id: int, stream: StreamRole) -> ProbeResult:
        """The stream's probe: the cached one, the one under way, or a new one (not cached if it failed).

        A probe under way that is dropped meanwhile (`forget`: the camera changed) is followed by a new one
        of the camera as it is now; the caller never sees the cancellation that was not its own.

        Raises:
            BackendError: the camera has no such stream (from `stream_url`), or the probes were closed.
        """
        key = (camera_id, stream)
        while True:
            if self._closed:
                raise BackendError("The recorder is stopping.")
            cached = self._results.get(key)
            if cached is not None:
                return cached
            task = self._pending.get(key)
            if (
                task is not None and key in self._queued
            ):  # a viewer waits: it goes ahead of the queue
                self._queued.discard(key)
                task.cancel()
                task = None
            if task is None:
                task = self._start(key, background=False)
            try:
                # shielded: a viewer that gives up does not cancel the probe others wait for
                return await asyncio.shield(task)
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if not task.cancelled() or (current is not None and current.cancelling()):
                    raise  # this caller was cancelled
                # the probe was dropped under this caller: ask again

    def prefetch(self, camera_id: int, stream: StreamRole) -> None:
        """Probe the stream in the background unless it is known or being probed."""
        key = (camera_id, stream)
        if not self._closed and key not in self._results and key not in self._pending:
            self._queued.add(key)
            self._start(key, background=True)

    def forget(self, camera_id: int, *streams: StreamRole) -> None:
        """The camera changed or went: drop these streams' results and cancel their probes under way."""
        for stream in streams:
            key = (camera_id, stream)
            self._results.pop(key, None)
            self._queued.discard(key)
            task = self._pending.pop(key, None)
            if task is not None:
                task.cancel()

    async def aclose(self) -> None:
        """Cancel every probe under way and wait for them (ffprobe is killed and reaped); probe no more."""
        self._closed = True
        tasks = list(self._pending.values())
        self._pending.clear()
        self._queued.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _start(self, key: Key, *, background: bool) -> asyncio.Task[ProbeResult]:
        task = asyncio.create_task(
            self._run(key, background), name=f"probe camera {key[0]} {key[1].value}"
        )
        self._pending[key] = task
        # a background probe's failure is logged here; a viewer's is the viewer's to report, but is read
        # here too, in case every viewer gave up on it first
        task.add_done_callback(functools.partial(_finished, key, background))
        return task

    async def _run(self, key: Key, background: bool) -> ProbeResult:
        try:
            if background:
                async with self._background:
                    self._queued.discard(key)
                    return await self._probe_once(key)
            return await self._probe_once(key)
        finally:
            if self._pending.get(key) is asyncio.current_task():
                del self._pending[key]
                self._queued.discard(key)

    async def _probe_once(self, key: Key) -> ProbeResult:
        camera_id, stream = key
        url, secrets = await self._stream_url(camera_id, stream)
        result = await self._probe(url, secrets, stream)
        # still wanted: `forget` cancels this task, so a result that arrives is for the current URL
        if result.ok:
            self._results[key] = result
        return result


def _finished(key: Key, background: bool, task: asyncio.Task[ProbeResult]) -> None:
    if task.cancelled():
        return
    exc = task.exception()
    if not background:
        return
    camera_id, stream = key
    if exc is not None:
        if isinstance(exc, BackendError):  # no such stream (any more): nothing to probe
            logger.debug("Camera %d: %s stream not probed: %s", camera_id, stream.value, exc)
        else:
            logger.error(
                "Camera %d: probing its %s stream failed", camera_id, stream.value, exc_info=exc
            )
        return
    result = task.result()
    if not result.ok:  # a viewer's request probes it again and says why
        logger.info(
            "Camera %d: its %s stream could not be probed: %s",
            camera_id,
            stream.value,
            result.message,
        )
