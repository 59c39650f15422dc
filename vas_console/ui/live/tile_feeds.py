"""TileFeeds: which live session feeds which tile; starts, switches and closes sessions on the worker loop."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import itertools
import logging
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Qt, Signal

from backend_embed.api import (
    BackendApi,
    BackendError,
    Camera,
    LiveEndpoint,
    NotFoundError,
    StreamRole,
)
from vas_console.core.layouts import StreamSizes, choose_stream
from vas_console.media.live import LiveSession, LiveState, LiveStatus, SessionFactory
from vas_console.runtime.loop_thread import LoopThread, LoopThreadError
from vas_console.ui.aio import TaskKeeper
from vas_console.ui.live.video_tile import VideoTile

logger = logging.getLogger(__name__)

_STREAM_ORDER = (StreamRole.SUB, StreamRole.MAIN)
#: tiles that may start on a warm stream other than their own at once: each decodes a main stream for up
#: to a GOP, and a whole 4x4 wall doing it together overloaded a 2-core machine (bench/live_grid.py)
MAX_BRIDGES = 4


class _StatusRelay(QObject):
    """Carries session statuses from the worker thread to the GUI thread (queued; a few per session).

    Signals:
        status_posted(int, LiveStatus): a session (its token) reported a status.
    """

    status_posted = Signal(int, object)
    _posted = Signal(int, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._posted.connect(self._on_self_posted, Qt.ConnectionType.QueuedConnection)

    def post(self, token: int, status: LiveStatus) -> None:
        """Safe from any thread."""
        self._posted.emit(token, status)

    def _on_self_posted(self, token: int, status: LiveStatus) -> None:
        self.status_posted.emit(token, status)


@dataclass(eq=False)
class _Run:
    """One session playing (or about to play) one stream for a tile."""

    token: int
    tile: VideoTile
    stream: StreamRole
    session: LiveSession


@dataclass(eq=False)
class _Feed:
    """A tile's camera, its live endpoints, the session shown and the one being switched to."""

    camera: Camera
    endpoints: dict[StreamRole, LiveEndpoint] = field(default_factory=dict)
    active: _Run | None = None
    pending: _Run | None = None
    connecting: asyncio.Task[None] | None = (
        None  # fetching endpoints and starting the first session
    )
    bridging: bool = False  # shown from a warm stream until its own stream is live


def _warm_bridge(
    endpoints: dict[StreamRole, LiveEndpoint], wanted: StreamRole
) -> StreamRole | None:
    """Another stream to show first because the host has its picture ready and not `wanted`'s, or None.

    A recorded camera's main stream is kept warm by the host (decision 22); its sub stream starts cold
    and would show nothing until the camera's next keyframe (up to a GOP, often 2 s). The tile then shows
    the main stream at once and switches to the sub stream as soon as that is live (make before break).
    """
    if endpoints[wanted].warm:
        return None
    return next((role for role, e in endpoints.items() if role is not wanted and e.warm), None)


def _sizes(endpoints: dict[StreamRole, LiveEndpoint]) -> StreamSizes:
    return {
        role: (e.width, e.height) if e.width and e.height else None for role, e in endpoints.items()
    }


class TileFeeds(QObject):
    """Plays cameras on tiles. Sessions are built by `session_factory` and started and closed on the
    worker loop; their statuses come back through a queued relay and go to their tile.

    Switching streams: when a tile's size crosses the sub stream's size, a session for the other stream
    starts beside the shown one and replaces it once it is live (no black tile meanwhile); if it goes
    offline first it is dropped and the tile keeps its picture. A tile whose stream is cold while the
    camera's other stream is warm (`LiveEndpoint.warm`) starts on the warm one and switches the same way
    (at most `MAX_BRIDGES` tiles at a time).

    Failure policy: a `BackendError` while fetching endpoints shows the tile offline with its
    `user_message`; everything else goes to `tasks` (logged with its traceback).
    """

    def __init__(
        self,
        backend: BackendApi,
        worker: LoopThread,
        session_factory: SessionFactory,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._backend = backend
        self._worker = worker
        self._factory = session_factory
        self._feeds: dict[VideoTile, _Feed] = {}
        self._runs: dict[int, _Run] = {}
        self._tokens = itertools.count(1)
        self._relay = _StatusRelay(self)
        self._relay.status_posted.connect(self._on_relay_status_posted)
        self.tasks = TaskKeeper(self)
        self.closing: list[concurrent.futures.Future[None]] = []

    def camera_of(self, tile: VideoTile) -> Camera | None:
        feed = self._feeds.get(tile)
        return None if feed is None else feed.camera

    def stream_of(self, tile: VideoTile) -> StreamRole | None:
        feed = self._feeds.get(tile)
        return None if feed is None or feed.active is None else feed.active.stream

    def sessions(self) -> list[LiveSession]:
        """Every session started and not yet closed (shown or being switched to)."""
        return [run.session for run in self._runs.values()]

    def start(self, tile: VideoTile, camera: Camera) -> None:
        """Show `camera` on `tile` (replacing what it showed), on the stream that suits its size.

        The tile is the camera's at once; the connection is made by a task of `tasks` that follows the
        feed when a layout change moves it to another tile, and that `release`/`stop` cancel, even before
        it ran (a tile switched to recorded video the same instant starts no session)."""
        self.release(tile)
        feed = _Feed(camera)
        self._feeds[tile] = feed
        tile.set_camera(camera.name)
        tile.set_status(LiveStatus(LiveState.CONNECTING))
        feed.connecting = self.tasks.start(self._connect(feed), name=f"play {camera.name}")

    async def _connect(self, feed: _Feed) -> None:
        try:
            feed.endpoints = await self._endpoints(feed.camera.id)
        except BackendError as exc:
            shown = self._tile_of(feed)
            if shown is not None:
                shown.set_status(LiveStatus(LiveState.OFFLINE, exc.user_message))
            return
        tile = self._tile_of(feed)
        if tile is None:
            return  # the tile was released or given another camera meanwhile
        stream = choose_stream(tile.device_size(), _sizes(feed.endpoints))
        bridging = sum(1 for shown in self._feeds.values() if shown.bridging)
        bridge = _warm_bridge(feed.endpoints, stream) if bridging < MAX_BRIDGES else None
        feed.bridging = bridge is not None
        run = self._new_run(tile, feed, bridge or stream)
        feed.active = run
        tile.set_feed(run.session.slot, run.session.stats)
        tile.set_stream(run.stream.value)
        await self._worker.call(run.session.start())
        shown = self._tile_of(feed)
        if bridge is not None and shown is not None:
            # shown at once from the warm stream; the stream that suits the tile takes over when live
            logger.debug("Tile %d: %s starts on the warm %s stream", shown.index, feed.camera.name,
                         bridge)  # fmt: skip
            self.refit(shown)

    async def stop(self, tile: VideoTile) -> None:
        """Close the tile's sessions; the tile keeps its widgets (the caller empties or reuses it)."""
        await self._close_all(self._detach(tile))

    def release(self, tile: VideoTile) -> None:
        """Like `stop`, without waiting: the sessions close in tasks of `tasks`."""
        runs = self._detach(tile)
        if runs:
            self.tasks.start(self._close_all(runs), name="close live sessions")

    def move(self, old: VideoTile, new: VideoTile) -> None:
        """Hand `old`'s camera and sessions to `new` (a layout change keeps the video playing)."""
        feed = self._feeds.pop(old, None)
        if feed is None:
            return
        self._hand(feed, new, old.status)
        old.set_feed(None)

    def swap(self, a: VideoTile, b: VideoTile) -> None:
        """Exchange two tiles' cameras and sessions (a tile dragged onto another); either may be empty."""
        feed_a, feed_b = self._feeds.pop(a, None), self._feeds.pop(b, None)
        status_a, status_b = a.status, b.status
        for feed, tile, status in ((feed_a, b, status_a), (feed_b, a, status_b)):
            if feed is None:
                tile.set_feed(None)
                tile.set_camera(None)
            else:
                self._hand(feed, tile, status)

    def _hand(self, feed: _Feed, tile: VideoTile, status: LiveStatus | None) -> None:
        self._feeds[tile] = feed
        for run in (feed.active, feed.pending):
            if run is not None:
                run.tile = tile
        tile.set_camera(feed.camera.name)
        if status is not None:
            tile.set_status(status)
        if feed.active is not None:
            tile.set_feed(feed.active.session.slot, feed.active.session.stats)
            tile.set_stream(feed.active.stream.value)
        else:  # still connecting: nothing of what the tile showed before may stay
            tile.set_feed(None)

    def refit(self, tile: VideoTile, *, afresh: bool = False) -> None:
        """The tile changed size: rescale its frames and switch streams if the size crossed the threshold.

        `afresh`: the operator changed the wall (a layout, a maximised tile), so the stream is chosen as
        for a new tile, without the hysteresis that keeps a tile being resized from flipping between its
        streams. Otherwise a 3x3 tile that kept its camera from a 2x2 layout stayed on the main stream
        while its neighbours of the same size opened the sub stream.
        """
        feed = self._feeds.get(tile)
        if feed is None or feed.active is None:
            return
        size = tile.device_size()
        for run in (feed.active, feed.pending):
            if run is not None:
                run.session.set_output_size(*size)
        # a bridge is a stand-in, not a choice: no hysteresis keeps the tile on it
        current = None if feed.bridging or afresh else feed.active.stream
        wanted = choose_stream(size, _sizes(feed.endpoints), current=current)
        if wanted == feed.active.stream:
            feed.bridging = False  # e.g. maximised meanwhile: the warm stream is now the tile's own
        pending = feed.pending
        if pending is not None and pending.stream != wanted:
            feed.pending = None
            self.tasks.start(self._close(pending), name="close live session")
        if wanted != feed.active.stream and feed.pending is None:
            run = self._new_run(tile, feed, wanted)
            feed.pending = run
            logger.debug("Tile %d: switching %s to %s", tile.index, feed.camera.name, wanted)
            self.tasks.start(self._start_session(run), name="start live session")

    def close_for_quit(self) -> None:
        """Cancel running tasks and hand every session's `close()` to the worker loop (kept in
        `closing`); the loop runs them before it stops. Use `aclose()` where the caller can await."""
        self.tasks.cancel_all()
        runs = list(self._runs.values())
        self._runs.clear()
        self._feeds.clear()
        for run in runs:
            try:
                self.closing.append(self._worker.submit(run.session.close()))
            except LoopThreadError:
                logger.debug(
                    "Worker already stopped; session of tile %d not closed", run.tile.index
                )

    async def aclose(self) -> None:
        """Cancel running tasks and close every session; returns when all are closed."""
        await self.tasks.aclose()
        self._feeds.clear()
        await self._close_all(list(self._runs.values()))

    def _new_run(self, tile: VideoTile, feed: _Feed, stream: StreamRole) -> _Run:
        token = next(self._tokens)
        endpoint = feed.endpoints[stream]
        callback = functools.partial(self._relay.post, token)
        session = self._factory(endpoint, tile.device_size(), callback)
        run = _Run(token, tile, stream, session)
        self._runs[token] = run
        return run

    def _tile_of(self, feed: _Feed) -> VideoTile | None:
        return next((tile for tile, shown in self._feeds.items() if shown is feed), None)

    def _detach(self, tile: VideoTile) -> list[_Run]:
        feed = self._feeds.pop(tile, None)
        if feed is None:
            return []
        if feed.connecting is not None and feed.connecting is not asyncio.current_task():
            feed.connecting.cancel()  # its session, if made, is `active` and closed by the caller
        tile.set_feed(None)
        return [r for r in (feed.active, feed.pending) if r is not None]

    async def _start_session(self, run: _Run) -> None:
        # the session's start() coroutine is made here, inside the task: a task cancelled before its
        # first step (a tile released at once) then leaves no coroutine that was never awaited
        await self._worker.call(run.session.start())

    async def _close_all(self, runs: list[_Run]) -> None:
        await asyncio.gather(*(self._close(run) for run in runs))

    async def _close(self, run: _Run) -> None:
        if run.token not in self._runs:
            return  # closed already
        # The run stays listed until closed: if this is cancelled (quit), close_for_quit closes it.
        await self._worker.call(run.session.close())
        self._runs.pop(run.token, None)

    async def _endpoints(self, camera_id: int) -> dict[StreamRole, LiveEndpoint]:
        # both streams asked at once: one round trip to the recorder instead of two
        answers = await asyncio.gather(
            *(self._backend.live_endpoint(camera_id, role) for role in _STREAM_ORDER),
            return_exceptions=True,
        )
        found: dict[StreamRole, LiveEndpoint] = {}
        missing: NotFoundError | None = None
        for role, answer in zip(_STREAM_ORDER, answers, strict=True):
            if isinstance(answer, NotFoundError):
                missing = answer
            elif isinstance(answer, BaseException):
                raise answer
            else:
                found[role] = answer
        if not found and missing is not None:
            raise missing
        return found

    def _on_relay_status_posted(self, token: int, status: LiveStatus) -> None:
        run = self._runs.get(token)
        if run is None:
            return  # a closed session's last words
        feed = self._feeds.get(run.tile)
        if feed is None:
            return
        if run is feed.active:
            run.tile.set_status(status)
        elif run is feed.pending:
            self._on_pending_status(feed, run, status)

    def _on_pending_status(self, feed: _Feed, run: _Run, status: LiveStatus) -> None:
        # a reconnecting session retries by itself (a busy recorder may time out one offer); the tile
        # keeps its picture meanwhile
        if status.state in (LiveState.CONNECTING, LiveState.RECONNECTING, LiveState.CLOSED):
            return
        if status.state is LiveState.OFFLINE and feed.bridging and status.retry_in_s is not None:
            # the tile's own stream is unavailable for now: it keeps retrying in the background and
            # takes over when it comes back; the tile stays on the warm stream meanwhile (a session
            # offline for good, with no retry scheduled, is closed below and the bridge stays)
            logger.info("Tile %d: %s stream offline (%s); staying on the %s stream", run.tile.index,
                        run.stream, status.reason, feed.active.stream if feed.active else "?")  # fmt: skip
            return
        feed.pending = None
        feed.bridging = False
        if status.state is not LiveState.LIVE:
            logger.info("Tile %d: %s stream failed (%s)", run.tile.index, run.stream, status.reason)
            self.tasks.start(self._close(run), name="close live session")
            return
        old, feed.active = feed.active, run
        run.tile.set_feed(run.session.slot, run.session.stats)
        run.tile.set_stream(run.stream.value)
        run.tile.set_status(status)
        if old is not None:
            self.tasks.start(self._close(old), name="close live session")
