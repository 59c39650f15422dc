"""The composition root: builds every object, starts them in order and stops them in reverse.

Threads: the GUI thread runs Qt with a qasync loop; one worker thread runs the backend's asyncio loop
(`LoopThread`). The UI reaches the backend through `WorkerBackend`, which forwards each call to that loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vas_console.cli import CliOptions
from vas_console.crash import CrashHandler
from vas_console.logsetup import LogBuffer, configure_logging, shutdown_logging
from vas_console.paths import AppPaths

if TYPE_CHECKING:
    from backend_embed.heap_trim import HeapTrimmer

logger = logging.getLogger(__name__)

WINDOW_SHOWN_MARKER = "VAS_WINDOW_SHOWN"
CAMERAS_LOADED_MARKER = "VAS_CAMERAS_LOADED"
QUIT_TIMEOUT_S = 3.0
#: how long the recording host may take to stop (every recorder finishes its segment) before it is killed;
#: the worker thread, whose exit signals the host (PR_SET_PDEATHSIG), must outlive that
HOST_STOP_TIMEOUT_S = 15.0


@dataclass(frozen=True, slots=True)
class Session:
    """What one run of the console works with."""

    options: CliOptions
    paths: AppPaths
    log_buffer: LogBuffer
    crash: CrashHandler


@contextlib.contextmanager
def _base_paths(options: CliOptions) -> Iterator[AppPaths]:
    if options.temp_basedir:
        with tempfile.TemporaryDirectory(prefix="vas-console-") as tmp:
            yield AppPaths.under(Path(tmp))
    elif options.basedir is not None:
        yield AppPaths.under(options.basedir.resolve())
    else:
        yield AppPaths.standard()


def run(options: CliOptions) -> int:
    """Run the console until its window is closed (or the smoke test ends). Returns the exit code."""
    os.environ.setdefault("QT_API", "pyside6")
    with _base_paths(options) as paths:
        paths.ensure()
        log_buffer = configure_logging(
            paths.log_file, level=logging.DEBUG if options.debug else logging.INFO
        )
        crash = CrashHandler()
        crash.install()
        logger.info("VAS Console starting (data in %s)", paths.data_dir)
        session = Session(options, paths, log_buffer, crash)
        try:
            code = _run_qt(session)
        finally:
            # before --temp-basedir removes the log directory; later records go to stderr only
            shutdown_logging()
            logging.basicConfig(level=logging.WARNING)
        return code


def _run_qt(session: Session) -> int:
    # Qt is imported only once the options are parsed, so --help and --version stay fast.
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from vas_console.ui.aio import run_app
    from vas_console.ui.resources import app_icon_path
    from vas_console.ui.theme import apply_theme

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("VAS Console")
    app.setOrganizationName("VAS")
    app.setDesktopFileName("vas-console")
    app.setWindowIcon(QIcon(str(app_icon_path())))
    apply_theme(app)
    console = Console(session)
    try:
        return run_app(_main(session, console))
    finally:
        # the GUI loop can stop under the console (its X display went away): the recorder and the
        # worker thread would then outlive the window, and the process hang on the worker at exit
        console.stop_after_gui_loop()


def _on_loop_exception(crash: CrashHandler, context: dict[str, Any]) -> None:
    exc = context.get("exception")
    if isinstance(exc, BaseException):
        crash.report(type(exc), exc, exc.__traceback__)
    else:
        logger.error("Event loop error: %s", context.get("message"))


class Console:
    """Owns the worker thread, the backend host, the demo cameras and the main window of one run."""

    def __init__(self, session: Session) -> None:
        from backend_embed.config import BackendConfig
        from backend_embed.heap_trim import HeapTrimmer
        from backend_embed.host_client import ProcessBackend
        from vas_console.runtime.backend_proxy import WorkerBackend
        from vas_console.runtime.loop_thread import LoopThread

        self._session = session
        paths, options = session.paths, session.options
        if options.database_url:
            config = BackendConfig(
                database_url=options.database_url,
                config_dir=paths.config_dir,
                data_dir=paths.data_dir,
            )
        else:
            config = BackendConfig.local(paths.config_dir, paths.data_dir)
        self._worker = LoopThread()
        # the recording host runs in a child process: in this one, its readers and senders shared the GIL
        # with the wall's receivers, decoders and GUI, and a 16-camera wall collapsed (decision 27)
        self._host = ProcessBackend(config, log_level=logging.getLogger().getEffectiveLevel())
        self._backend = WorkerBackend(self._host.api, self._worker)
        # decoders and scalers on several threads fragment the C heap: give free pages back each minute
        self._trimmer = HeapTrimmer()
        self._host_started = False
        self._demo: Any = None
        self._window: Any = None
        self._vlc: Any = None
        self._quit = asyncio.Event()
        self.failed = False

    async def start(self) -> None:
        """Start the worker thread and show the main window (empty until `load`)."""
        from vas_console.core.layouts import LayoutStore
        from vas_console.media.vlc_player import VlcInstance
        from vas_console.media.webrtc_client import WhepOptions, whep_session_factory
        from vas_console.media.whep_http import prepare_in_background
        from vas_console.ui.live.live_wall import LiveWall
        from vas_console.ui.main_window import MainWindow
        from vas_console.ui.playback_area import PlaybackArea

        # the live tiles' HTTP client, readied while the recorder starts (not on the worker loop later)
        prepare_in_background()
        self._worker.start()
        await self._worker.call(_start(self._trimmer))
        database = "SQLite" if self._host.config.is_sqlite else "PostgreSQL"
        layouts = LayoutStore(self._session.paths.settings_file.parent / "live_layouts.json")
        # the embedded recorder offers only loopback ICE candidates; aioice skips loopback unless told
        sessions = whep_session_factory(WhepOptions(ice_addresses=self._host.config.ice_addresses))
        self._vlc = VlcInstance()  # one libVLC for the console: loading its plugins costs ~100 ms
        wall = LiveWall(
            self._backend, self._worker, layouts, session_factory=sessions, players=self._vlc
        )
        playback = PlaybackArea(self._backend, self._vlc)
        self._window = MainWindow(
            self._backend,
            self._session.log_buffer,
            database_kind=database,
            live_wall=wall,
            playback=playback,
        )
        self._window.quit_requested.connect(self._quit.set)
        self._window.show()

    async def load(self) -> None:
        """Start the backend (migrations first), the demo cameras if asked, then fill the window."""
        from backend_embed.api import BackendError

        try:
            await self._worker.call(self._host.start())
            self._host_started = True
            if self._session.options.demo:
                await self._start_demo()
        except BackendError as exc:
            self.failed = True
            logger.error("Start-up failed: %s", exc.user_message)  # noqa: TRY400 - expected, redacted
            self._window.show_fatal(exc.user_message)
            return
        await self._window.load()

    async def _start_demo(self) -> None:
        from vas_console.core.demo import DemoCameras

        self._demo = DemoCameras(self._session.options.demo_cameras, self._session.paths.cache_dir)
        await self._worker.call(self._demo.start())
        await self._demo.register(self._backend)

    async def run_until_quit(self, smoke_seconds: float | None) -> None:
        if smoke_seconds is None:
            await self._quit.wait()
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._quit.wait(), timeout=smoke_seconds)
        logger.info("Smoke test finished after %.1f s", smoke_seconds)

    def stop_after_gui_loop(self) -> None:
        """What `stop` left undone because the GUI loop had stopped: the backend, the worker, the demo.

        Blocks; touches nothing of Qt (its display may be gone). A no-op after a normal `stop`.
        """
        if not self._worker.running:
            return
        logger.error("The window's event loop stopped under the console; stopping the recorder")
        try:
            if self._host_started:
                self._host_started = False
                self._worker.run_sync(
                    self._host.stop(timeout_s=HOST_STOP_TIMEOUT_S), HOST_STOP_TIMEOUT_S + 10
                )
        finally:
            self._stop_worker_and_demo()

    def _stop_worker_and_demo(self) -> None:
        try:
            self._worker.stop(timeout=QUIT_TIMEOUT_S)
        finally:
            if self._demo is not None:
                self._demo.stop()
                self._demo = None

    async def stop(self) -> None:
        """Close the window, stop the backend (within HOST_STOP_TIMEOUT_S), the worker and the demo cameras."""
        try:
            if self._window is not None:
                with contextlib.suppress(TimeoutError):
                    # each viewer's DELETE must reach the recorder before the host stops
                    await asyncio.wait_for(self._window.live_wall.aclose(), 2.0)
                self._window.close_for_quit()
            if self._vlc is not None:
                self._vlc.close()  # after every player closed with the window
            if self._host_started:
                self._host_started = False
                await asyncio.wait_for(
                    self._worker.call(self._host.stop(timeout_s=HOST_STOP_TIMEOUT_S)),
                    HOST_STOP_TIMEOUT_S
                    + 10,  # stop() kills the host after its timeout and reaps it
                )
            if self._worker.running:
                await self._worker.call(self._trimmer.aclose())
        finally:
            self._stop_worker_and_demo()


async def _start(trimmer: HeapTrimmer) -> None:
    """Start `trimmer` on the loop this runs on (the worker's)."""
    trimmer.start()


async def _main(session: Session, console: Console) -> int:
    asyncio.get_running_loop().set_exception_handler(
        lambda _loop, ctx: _on_loop_exception(session.crash, ctx)
    )
    try:
        await console.start()
        _announce(WINDOW_SHOWN_MARKER)
        await console.load()
        _announce(CAMERAS_LOADED_MARKER)
        await console.run_until_quit(session.options.smoke_test)
    finally:
        started = time.monotonic()
        await console.stop()
        logger.info("Stopped in %.2f s", time.monotonic() - started)
    return 1 if session.crash.reports or console.failed else 0


def _announce(marker: str) -> None:
    """Print a machine-readable milestone (benchmarks and e2e tests read these) and log it."""
    now_ms = int(time.time() * 1000)
    print(f"{marker} {now_ms}", flush=True)  # noqa: T201 - a documented machine-readable output line
    logger.info("%s at %d", marker, now_ms)
