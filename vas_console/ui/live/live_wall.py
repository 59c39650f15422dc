"""LiveWall: the grid of live video tiles, its layouts (saved by name), wall mode and the sessions behind it."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QDrag, QKeySequence
from PySide6.QtWidgets import QVBoxLayout, QWidget

from backend_embed.api import (
    BackendApi,
    BackendEvent,
    BackendRestarted,
    BackendStopped,
    Camera,
    CameraRemoved,
    CamerasChanged,
    NotFoundError,
    Unsubscribe,
)
from vas_console.core.layouts import LayoutKind, LayoutStore, WallState
from vas_console.media.live import LiveState, LiveStatus, SessionFactory
from vas_console.media.vlc_player import PlayerFactory
from vas_console.media.webrtc_client import whep_session_factory
from vas_console.runtime.loop_thread import LoopThread
from vas_console.ui import prompts
from vas_console.ui.aio import TaskKeeper, async_slot
from vas_console.ui.event_relay import EventRelay
from vas_console.ui.live.dnd import tile_mime_data
from vas_console.ui.live.tile_controls import BACK_S, TimePicker
from vas_console.ui.live.tile_evidence import TileEvidence
from vas_console.ui.live.tile_feeds import TileFeeds
from vas_console.ui.live.tile_grid import TileGrid
from vas_console.ui.live.tile_playback import TilePlayback
from vas_console.ui.live.video_tile import VideoTile
from vas_console.ui.live.wall_toolbar import WallToolbar

logger = logging.getLogger(__name__)

REFIT_DELAY_MS = 250
T = TypeVar("T")


async def _run(fn: Callable[[], T]) -> T:
    """Run a small blocking call (the layout file) on whichever loop awaits this: the worker's."""
    return fn()


class LiveWall(QWidget):
    """The live wall: a toolbar and a grid of `VideoTile`s showing cameras over WHEP.

    Lifecycle: construct, put in a window, `await restore()` (saved layout, cameras, wall mode; subscribes
    to camera events); at quit `await aclose()` where possible, then `close_for_quit()` (closes whatever
    is left without waiting). Every change (layout, camera, maximised tile, wall mode) is saved at once,
    on the worker thread. Sessions are built by `session_factory` (default: `WhepSession`) and run on
    `worker`; only their frame slots and statuses reach the GUI thread.

    Wall mode (F11, Esc leaves it) shows the window full screen and hides the toolbar; the window
    should hide its own chrome on `wall_mode_changed`.

    Failure policy: a `BackendError` of a tile shows on the tile; others (listing cameras) go out through
    `tasks.backend_failed`, bugs through `tasks.failed_unexpectedly`.

    Recorded video on a tile (only with `players`): "Back 30 s" / "Play from…" stop the tile's live
    session and show a `PlaybackView` of its camera in its place; "Live" closes it and resumes live.
    A layout change puts every tile back to live.

    Evidence (`evidence`): a tile's snapshot button, menu entry or S key saves the camera's live picture;
    "Bookmark now" (B) opens the bookmark dialog for now ± the configured window.

    Signals:
        wall_mode_changed(bool): wall mode was entered (True) or left.
        playback_failed(str): recorded video on a tile failed (an operator message).
        notice(str): an operator message that is not a failure (snapshot saved, bookmark added).
    """

    wall_mode_changed = Signal(bool)
    playback_failed = Signal(str)
    notice = Signal(str)

    def __init__(
        self,
        backend: BackendApi,
        worker: LoopThread,
        layouts: LayoutStore,
        parent: QWidget | None = None,
        *,
        session_factory: SessionFactory | None = None,
        players: PlayerFactory | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("liveWall")
        self._backend = backend
        self._worker = worker
        self._store = layouts
        self._state = WallState()
        self._cameras: dict[int, Camera] = {}
        self._unsubscribe: Unsubscribe | None = None
        self._restore_window_maximised = False
        self._tasks = TaskKeeper(self)
        self.feeds = TileFeeds(backend, worker, session_factory or whep_session_factory(), self)
        self.feeds.tasks.backend_failed.connect(self._tasks.backend_failed)
        self.feeds.tasks.failed_unexpectedly.connect(self._tasks.failed_unexpectedly)
        self.playback: TilePlayback | None = None
        if players is not None:
            self.playback = TilePlayback(backend, players, parent=self)
            self.playback.failed.connect(self.playback_failed)
            self.playback.notice.connect(self.notice)
            self.playback.time_chosen.connect(self.play_recorded)
        self.evidence = TileEvidence(backend, self._camera_at, self)
        self.evidence.notice.connect(self.notice)
        self.evidence.backend_failed.connect(self._tasks.backend_failed)
        self.evidence.failed_unexpectedly.connect(self._tasks.failed_unexpectedly)
        self._events = EventRelay(self)
        self._events.event_received.connect(self._on_events_event_received)
        self.toolbar = WallToolbar(self)
        self._connect_toolbar()
        self.grid = TileGrid(self)
        # the next refit follows an operator's change of the wall, not a resize (TileFeeds.refit)
        self._choose_afresh = False
        self._refit_timer = QTimer(self)
        self._refit_timer.setSingleShot(True)
        self._refit_timer.setInterval(REFIT_DELAY_MS)
        self._refit_timer.timeout.connect(self._on_refit_timer_timeout)
        self.grid.tiles_resized.connect(self._refit_timer.start)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.grid, 1)
        self._leave_action = QAction("Leave wall mode", self)
        self._leave_action.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self._leave_action.setEnabled(False)
        self._leave_action.triggered.connect(self._on_leave_action_triggered)
        self.addActions([self.toolbar.wall_mode_action, self._leave_action])
        self._build_tiles(self._state)

    @property
    def tasks(self) -> TaskKeeper:
        return self._tasks

    @property
    def state(self) -> WallState:
        return self._state

    @property
    def tiles(self) -> list[VideoTile]:
        return self.grid.tiles

    def _connect_toolbar(self) -> None:
        bar = self.toolbar
        bar.layout_chosen.connect(self.set_layout)
        bar.save_requested.connect(self._on_toolbar_save_requested)
        bar.load_requested.connect(self._on_toolbar_load_requested)
        bar.delete_requested.connect(self._on_toolbar_delete_requested)
        bar.wall_mode_toggled.connect(self.set_wall_mode)

    # -- lifecycle ---------------------------------------------------------------------------------

    async def restore(self) -> None:
        """Subscribe to camera events, load the cameras and the saved wall (wall mode included)."""
        if self._unsubscribe is None:
            self._unsubscribe = self._backend.subscribe(self._events.post)
        state = await self._worker.call(_run(self._store.current))
        names = await self._worker.call(_run(self._store.names))
        self.toolbar.set_saved_names(names)
        cameras = await self._backend.list_cameras()
        self._cameras = {c.id: c for c in cameras}
        state = state.keeping(self._cameras.keys())
        if not any(state.cameras):
            # an empty wall (first start, or every camera gone): show the enabled cameras in order
            enabled = [c.id for c in cameras if c.enabled]
            count = len(state.cameras)
            first = tuple(enabled[i] if i < len(enabled) else None for i in range(count))
            state = replace(state, cameras=first)
        self._apply(replace(state, wall_mode=False), save=False)
        if state.wall_mode:
            self.set_wall_mode(True)

    def close_for_quit(self) -> None:
        """Stop everything without waiting: sessions are closed by the worker loop."""
        self._unsubscribe_events()
        self._refit_timer.stop()
        self.grid.stop_clock()
        self._tasks.cancel_all()
        self._close_recorded()
        self.feeds.close_for_quit()
        for tile in self.grid.tiles:
            tile.set_feed(None)

    async def aclose(self) -> None:
        """Cancel the wall's tasks and close every session, waiting until they are closed."""
        self._unsubscribe_events()
        self._refit_timer.stop()
        self._close_recorded()
        await self._tasks.aclose()
        await self.feeds.aclose()

    def _close_recorded(self) -> None:
        if self.playback is not None:
            self.playback.close_picker()
            self.playback.close_all()

    def _unsubscribe_events(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    # -- operator actions --------------------------------------------------------------------------

    def set_layout(self, kind: LayoutKind) -> None:
        """Switch the layout; cameras keep their order and tiles that keep their camera keep playing."""
        if kind is not self._state.layout:
            self._apply(self._state.with_layout(kind))

    def show_camera(self, index: int, camera_id: int) -> None:
        """Show a camera on tile `index` (as a drop does)."""
        self._on_tile_camera_dropped(index, camera_id)

    def clear_tile(self, index: int) -> None:
        """Empty tile `index` and close its session."""
        self._on_tile_clear_requested(index)

    def swap_tiles(self, source: int, target: int) -> None:
        """Exchange two tiles' cameras (a tile dragged onto another); live video goes with its camera,
        without reconnecting. A tile playing recorded video goes back to live."""
        tiles = self.grid.tiles
        if source == target or not (0 <= source < len(tiles) and 0 <= target < len(tiles)):
            return
        cameras = self._state.cameras
        moved = {source: cameras[target], target: cameras[source]}
        if self.playback is not None:
            for index in moved:
                self.playback.close(tiles[index])
        self.feeds.swap(tiles[source], tiles[target])
        for index, camera_id in moved.items():
            if camera_id is not None and self.feeds.camera_of(tiles[index]) is None:
                self._start_tile(tiles[index], camera_id)  # it showed recorded video: live again
        self._choose_afresh = True  # a spotlight's large and small tiles swapped sizes
        self._refit_timer.start()
        state = self._state
        for index, camera_id in moved.items():
            state = state.with_camera(index, camera_id)
        self._set_state(state)

    def toggle_maximised(self, index: int) -> None:
        """Show tile `index` over the whole wall, or go back to the grid if it already is."""
        maximised = None if self._state.maximised == index else index
        self._choose_afresh = True
        self.grid.set_maximised(maximised)
        self._set_state(replace(self._state, maximised=maximised))

    def play_recorded(self, index: int, wall_ms: int) -> None:
        """Stop tile `index`'s live session and play its camera's recordings from `wall_ms` there."""
        tiles = self.grid.tiles
        if self.playback is None or index >= len(tiles):
            return
        camera_id = self._state.cameras[index]
        if camera_id is None:
            return
        self.feeds.release(tiles[index])
        self.playback.open(tiles[index], camera_id, wall_ms)

    def back(self, index: int, seconds: int = BACK_S) -> None:
        """Play tile `index`'s recordings from `seconds` ago."""
        self.play_recorded(index, int(time.time() * 1000) - seconds * 1000)

    def go_live(self, index: int) -> None:
        """Close tile `index`'s recorded video and resume its live session."""
        tiles = self.grid.tiles
        if self.playback is None or index >= len(tiles):
            return
        if self.playback.close(tiles[index]):
            self._start_tile(tiles[index], self._state.cameras[index])

    @property
    def time_picker(self) -> TimePicker | None:
        return self.playback.time_picker if self.playback is not None else None

    def pick_time(self, index: int) -> TimePicker | None:
        """Open the (non-modal) time picker for tile `index`; accepting it plays from that time."""
        tiles = self.grid.tiles
        if self.playback is None or index >= len(tiles) or tiles[index].camera_name is None:
            return None
        return self.playback.pick(tiles[index], self)

    def set_wall_mode(self, on: bool) -> None:
        """Full-screen wall without the toolbar (on), or back to the window as it was."""
        if on == self._state.wall_mode:
            return
        window = self.window()
        if on:
            self._restore_window_maximised = window.isMaximized()
            window.showFullScreen()
        elif self._restore_window_maximised:
            window.showMaximized()
        else:
            window.showNormal()
        self.toolbar.setVisible(not on)
        self.toolbar.wall_mode_action.setChecked(on)
        self._leave_action.setEnabled(on)
        self._set_state(replace(self._state, wall_mode=on))
        self.wall_mode_changed.emit(on)

    # -- state -------------------------------------------------------------------------------------

    def _apply(self, state: WallState, *, save: bool = True) -> None:
        old_tiles, old_cameras = self.grid.tiles, self._state.cameras
        self._choose_afresh = True
        recorded: list[VideoTile] = []
        if state.layout is not self.grid.layout_kind or len(old_tiles) != len(state.cameras):
            if self.playback is not None:
                recorded = self.playback.close_all()  # the tiles go: back to live
            new_tiles = self._build_tiles(state)
        else:
            new_tiles = old_tiles
        for index, tile in enumerate(new_tiles):
            camera_id = state.cameras[index]
            previous = old_tiles[index] if index < len(old_tiles) else None
            if previous is not None and old_cameras[index] == camera_id and camera_id is not None:
                if previous is tile:
                    continue
                if previous not in recorded:
                    self.feeds.move(previous, tile)
                    continue
            if previous is not None and previous is not tile:
                self.feeds.release(previous)
            self._start_tile(tile, camera_id)
        for previous in old_tiles[len(new_tiles) :]:
            self.feeds.release(previous)
        self.grid.set_maximised(state.maximised)
        self.toolbar.show_layout(state.layout)
        self._set_state(state, save=save)

    def _build_tiles(self, state: WallState) -> list[VideoTile]:
        tiles = self.grid.set_layout(state.layout)
        for tile in tiles:
            tile.double_clicked.connect(self.toggle_maximised)
            tile.camera_dropped.connect(self._on_tile_camera_dropped)
            tile.tile_dropped.connect(self.swap_tiles)
            tile.cameras_dropped.connect(self._on_tile_cameras_dropped)
            tile.drag_started.connect(self._on_tile_drag_started)
            tile.clear_requested.connect(self._on_tile_clear_requested)
            tile.back_requested.connect(self.back)
            tile.pick_requested.connect(self.pick_time)
            tile.live_requested.connect(self.go_live)
            tile.set_playback_available(self.playback is not None)
            self.evidence.attach(tile)
        return tiles

    def _camera_at(self, index: int) -> int | None:
        cameras = self._state.cameras
        return cameras[index] if 0 <= index < len(cameras) else None

    def _start_tile(self, tile: VideoTile, camera_id: int | None) -> None:
        if self.playback is not None:
            self.playback.close(tile)
        self.feeds.release(tile)
        camera = None if camera_id is None else self._cameras.get(camera_id)
        if camera is None:
            tile.set_camera(None)
            return
        self.feeds.start(tile, camera)

    def _set_state(self, state: WallState, *, save: bool = True) -> None:
        self._state = state
        if save:
            self._tasks.start(self._save(state), name="save wall")

    async def _save(self, state: WallState) -> None:
        await self._worker.call(_run(lambda: self._store.save_current(state)))

    # -- slots -------------------------------------------------------------------------------------

    @async_slot
    async def _on_tile_camera_dropped(self, index: int, camera_id: int) -> None:
        camera = self._cameras.get(camera_id) or await self._backend.get_camera(camera_id)
        self._cameras[camera.id] = camera
        tiles = self.grid.tiles
        if index >= len(tiles):
            return
        self._start_tile(tiles[index], camera.id)
        self._set_state(self._state.with_camera(index, camera.id))

    @async_slot
    async def _on_tile_cameras_dropped(self, index: int, camera_ids: list[int]) -> None:
        """A group dropped: its cameras fill the tiles from `index` on, in tile order, replacing what
        they showed; cameras that find no tile are left out (the log says how many)."""
        wanted = camera_ids[: max(0, len(self.grid.tiles) - index)]
        missing = [i for i in wanted if i not in self._cameras]
        found = await asyncio.gather(
            *(self._backend.get_camera(i) for i in missing), return_exceptions=True
        )
        for camera_id, camera in zip(missing, found, strict=True):
            if isinstance(camera, NotFoundError):
                logger.info("Camera %d is gone; its tile stays as it was", camera_id)
            elif isinstance(camera, BaseException):
                raise camera
            else:
                self._cameras[camera.id] = camera
        tiles, state, placed = self.grid.tiles, self._state, 0
        for offset, camera_id in enumerate(wanted):
            if camera_id not in self._cameras or index + offset >= len(tiles):
                continue
            self._start_tile(tiles[index + offset], camera_id)
            state = state.with_camera(index + offset, camera_id)
            placed += 1
        if len(camera_ids) > placed:
            logger.info("%d of %d dropped cameras not placed (no tile left, or gone)",
                        len(camera_ids) - placed, len(camera_ids))  # fmt: skip
        self._set_state(state)

    def _on_tile_drag_started(self, index: int) -> None:
        tiles, camera_id = self.grid.tiles, self._camera_at(index)
        if camera_id is None or index >= len(tiles):
            return
        drag = QDrag(tiles[index])
        drag.setMimeData(tile_mime_data(camera_id, index))
        picture = tiles[index].grab()
        drag.setPixmap(picture.scaledToWidth(min(240, picture.width())))
        drag.exec(Qt.DropAction.MoveAction)  # a nested event loop until the drop (Qt's way)

    def _on_tile_clear_requested(self, index: int) -> None:
        self._start_tile(self.grid.tiles[index], None)
        self._set_state(self._state.with_camera(index, None))

    def _on_leave_action_triggered(self) -> None:
        self.set_wall_mode(False)

    def _on_refit_timer_timeout(self) -> None:
        shown = [tile for tile in self.grid.tiles if tile.isVisible()]
        if not shown:
            return  # the wall is hidden (another tab): the choice waits for its tiles' real sizes
        afresh, self._choose_afresh = self._choose_afresh, False
        for tile in shown:
            self.feeds.refit(tile, afresh=afresh)

    def _on_toolbar_save_requested(self) -> None:
        prompts.ask_text(self, "Save layout", "Name of this layout:", self._on_save_name_accepted)

    @async_slot
    async def _on_save_name_accepted(self, name: str) -> None:
        state = self._state
        await self._worker.call(_run(lambda: self._store.save_named(name, state)))
        self.toolbar.set_saved_names(await self._worker.call(_run(self._store.names)))

    @async_slot
    async def _on_toolbar_load_requested(self, name: str) -> None:
        state = await self._worker.call(_run(lambda: self._store.named(name)))
        if state is None:
            return
        known = state.keeping(self._cameras.keys())
        self._apply(replace(known, wall_mode=self._state.wall_mode))

    @async_slot
    async def _on_toolbar_delete_requested(self, name: str) -> None:
        await self._worker.call(_run(lambda: self._store.delete_named(name)))
        self.toolbar.set_saved_names(await self._worker.call(_run(self._store.names)))

    def _on_events_event_received(self, event: BackendEvent) -> None:
        if isinstance(event, CamerasChanged):
            for camera in event.cameras:
                self._cameras[camera.id] = camera
            for tile, camera_id in zip(self.grid.tiles, self._state.cameras, strict=True):
                if camera_id in self._cameras and tile.camera_name is not None:
                    tile.set_camera(self._cameras[camera_id].name)
        elif isinstance(event, CameraRemoved):
            self._cameras.pop(event.camera_id, None)
            for index, camera_id in enumerate(self._state.cameras):
                if camera_id == event.camera_id:
                    self._on_tile_clear_requested(index)
            if event.camera_id in self._state.offstage:
                self._set_state(self._state.without_offstage(event.camera_id))
        elif isinstance(event, BackendStopped):
            # nothing serves live video until the recorder is back: end the sessions now (a frozen
            # picture marked live until the stall timeout helps nobody, nor do retries at a dead port)
            for tile, _camera_id in self._live_tiles():
                self.feeds.release(tile)
                tile.set_status(LiveStatus(LiveState.OFFLINE, event.user_message))
        elif isinstance(event, BackendRestarted):
            # the new recording host serves live video at a new address: every live tile connects again
            for tile, camera_id in self._live_tiles():
                if camera_id in self._cameras:
                    self.feeds.start(tile, self._cameras[camera_id])

    def _live_tiles(self) -> list[tuple[VideoTile, int]]:
        """The tiles that show a camera live (not empty, not playing recorded video), with the camera."""
        return [
            (tile, camera_id)
            for tile, camera_id in zip(self.grid.tiles, self._state.cameras, strict=True)
            if camera_id is not None
            and (self.playback is None or self.playback.view_of(tile) is None)
        ]
