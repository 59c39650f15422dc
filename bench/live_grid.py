"""Live grid benchmark: a 4x4 wall of 16 simulated cameras' sub streams while every camera records.

Run from the repository root:  .venv/bin/python bench/live_grid.py [--quick] [--seconds S] [--cameras N]
The recorder side runs in a child process (this script with --serve): 16 camsim loop cameras (pre-encoded
clips, so the simulator costs little), the real BackendHost recording every main stream (stream copy, HLS)
and serving WHEP (LiveService, the recorder's restream for recorded streams, one live-only ingest per
other stream). This process is only the console: a LiveWall in 4x4 (1920x1080, offscreen) whose tiles
play the sub streams through WhepSession on the worker loop, and a StallMonitor on the GUI thread.

After every tile is live and a warm-up, it measures for a fixed time: each tile's painted frames per second
(the lowest is reported), the console process's CPU (cores; threads included: aiortc's decoders too), its
RSS, the GUI stall p99 (late ticks of a 10 ms timer), and the RTSP sessions each camera has at the
simulator (main + sub; the recorder's one main session is shared with the live path). The last line is:
    RESULT name=live_grid min_tile_fps=<n> console_cores=<n> rss_mb=<n> gui_stall_p99_ms=<n> sessions_per_camera=<n>
        sessions_per_stream=<n> all_live_s=<n>
(on one line). `sessions_per_stream` is the most sessions any one stream (a camera's main or sub) has: 1
means no stream is opened twice; recording main while the wall shows sub, a camera has 2. `all_live_s`:
from the restore of the wall until its last tile was live ("none" if not within 60 s).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/live_grid.py`
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["QT_API"] = "pyside6"

import psutil  # noqa: E402

from backend_embed.api import (  # noqa: E402
    CameraSpec,
    LiveCodecPath,
    LiveEndpoint,
    RecorderState,
    RecordingSettings,
    StreamRole,
)
from camsim.config import CameraConfig  # noqa: E402
from camsim.launcher import SimulatedCameras  # noqa: E402

SCRIPT = Path(__file__).resolve()
WALL_SIZE = (1920, 1080)
STREAMS = (StreamRole.SUB, StreamRole.MAIN)
SOURCE_FPS = 25


# -- the recorder side (child process) ---------------------------------------------------------------


async def _start_recording(
    host: Any, cameras: SimulatedCameras, names: list[str], stream: StreamRole
) -> list[int]:
    ids = []
    for name in names:
        spec = CameraSpec(
            name=name,
            main_url=cameras.url(name, "main", credentials=False),
            sub_url=cameras.url(name, "sub", credentials=False),
            recording=RecordingSettings(stream=stream),
        )
        ids.append((await host.add_camera(spec)).id)
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        states = [s.state for s in await host.recorder_statuses()]
        if states.count(RecorderState.RECORDING) >= len(names):
            return ids
        await asyncio.sleep(0.5)
    raise TimeoutError(f"recorders not all recording: {states}")


def _host_config(root: Path, warm_sub: bool) -> Any:
    from backend_embed.config import BackendConfig

    return BackendConfig.local(
        root / "config",
        root / "data",
        prefer_keyring=False,
        recheck_interval_s=0,
        live_warm_sub=warm_sub,
    )


async def _until_streams_warm(
    host: Any, ids: list[int], wanted: StreamRole, timeout_s: float = 25.0
) -> None:
    """Wait until the host holds the newest GOP of every camera's `wanted` stream, as after recording a while
    (decisions 22 and 28: the recorded stream; and the sub stream unless --cold-sub)."""
    deadline = time.monotonic() + timeout_s
    warm: dict[StreamRole, int] = {}
    while time.monotonic() < deadline:
        for stream in STREAMS:
            endpoints = [await host.live_endpoint(i, stream) for i in ids]
            warm[stream] = sum(e.warm for e in endpoints)
        if warm[wanted] == len(ids):
            return
        await asyncio.sleep(0.5)
    print(
        f"warning: {warm[wanted]} of {len(ids)} {wanted.value} streams warm; the others' tiles start cold",
        file=sys.stderr,
    )


async def _endpoints(host: Any, ids: list[int]) -> list[dict[str, Any]]:
    async def one(camera_id: int, stream: StreamRole) -> dict[str, Any]:
        endpoint = await host.live_endpoint(camera_id, stream)
        return {
            "camera_id": camera_id,
            "stream": stream.value,
            "url": endpoint.whep_url,
            "token": endpoint.bearer_token,  # to the parent over its own pipe
            "warm": endpoint.warm,
            "width": endpoint.width,
            "height": endpoint.height,
        }

    return list(await asyncio.gather(*(one(i, s) for i in ids for s in STREAMS)))


def _relay_counts(host: Any) -> dict[str, list[int]]:
    """Per live feed: frames its relay read from the ingest, and frames its viewers were sent and skipped.

    Diagnostic only (private attributes): it tells frames the source never delivered from frames lost on
    the way to the console.
    """
    service = host._media._live
    counts: dict[str, list[int]] = {}
    for feed, channel in service._channels.items():
        tracks = list(channel.relay._tracks)
        counts[f"{feed.camera_id}/{feed.stream.value}"] = [
            channel.relay.frames_received,
            sum(track.frames_sent for track in tracks),
            sum(track.frames_dropped for track in tracks),
        ]
    return counts


async def _answer(host: Any, cameras: SimulatedCameras, names: list[str]) -> None:
    """Answer `sessions` and `relays` lines on stdin with a JSON object; return at `stop` or EOF."""
    while True:
        line = (await asyncio.to_thread(sys.stdin.readline)).strip()
        if line == "relays":
            print(json.dumps({"relays": _relay_counts(host)}), flush=True)
            continue
        if line != "sessions":
            return
        counts = {n: {s: cameras.sessions(n, s) for s in ("main", "sub")} for n in names}
        print(json.dumps({"sessions": counts}), flush=True)


async def serve(count: int, recorded: StreamRole, warm_sub: bool) -> None:
    """The child: cameras, a recording host with WHEP; prints the endpoints; serves until told to stop."""
    from backend_embed.host import BackendHost

    names = [f"cam{i + 1}" for i in range(count)]
    with tempfile.TemporaryDirectory(prefix="live-grid-") as tmp:
        root = Path(tmp)
        cameras = SimulatedCameras(
            [CameraConfig(n, source="loop") for n in names], workdir=root / "camsim"
        )
        await asyncio.to_thread(cameras.start)
        host = BackendHost(_host_config(root, warm_sub))
        try:
            await host.start()
            ids = await _start_recording(host, cameras, names, recorded)
            await _until_streams_warm(host, ids, StreamRole.SUB if warm_sub else recorded)
            endpoints = await _endpoints(host, ids)
            print(json.dumps({"endpoints": endpoints, "pid": os.getpid()}), flush=True)
            await _answer(host, cameras, names)
        finally:
            await host.stop()
            await asyncio.to_thread(cameras.stop)


# -- the console side (this process) ------------------------------------------------------------------


def _cpu_seconds_without_camsim(processes: list[psutil.Process]) -> float:
    """User + system CPU seconds of `processes`, leaving out the camera simulator."""
    total = 0.0
    for proc in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            if "camsim" not in " ".join(proc.cmdline()):
                times = proc.cpu_times()
                total += times.user + times.system
    return total


@dataclass
class RecorderSide:
    """The child process and its pipe."""

    process: subprocess.Popen[str]
    endpoints: list[dict[str, Any]]

    async def ask(self, request: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(request + "\n")
        self.process.stdin.flush()
        line = await asyncio.to_thread(self.process.stdout.readline)
        reply: dict[str, Any] = json.loads(line)
        return reply

    def cpu_seconds(self) -> float:
        """CPU of the recorder process and its ffmpeg children (not the camera simulator)."""
        parent = psutil.Process(self.process.pid)
        return _cpu_seconds_without_camsim([parent, *parent.children(recursive=True)])


@contextlib.asynccontextmanager
async def recorder_side(
    count: int, recorded: StreamRole, warm_sub: bool
) -> AsyncIterator[RecorderSide]:
    argv = [
        sys.executable,
        str(SCRIPT),
        "--serve",
        "--cameras",
        str(count),
        "--record",
        recorded.value,
        *(() if warm_sub else ("--cold-sub",)),
    ]
    process = subprocess.Popen(  # noqa: ASYNC220 - started once, before anything is measured
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        line = await asyncio.to_thread(process.stdout.readline)
        if not line:
            raise RuntimeError("the recorder side exited before serving (see its log above)")
        yield RecorderSide(process, json.loads(line)["endpoints"])
    finally:
        if process.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                process.stdin.write("stop\n")
                process.stdin.close()
        try:
            await asyncio.to_thread(process.wait, 30)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait)


async def _relay_counts_on_loop(host: Any) -> dict[str, list[int]]:
    return _relay_counts(host)


@dataclass
class EmbeddedSide:
    """The recorder side started by the console as the app starts it: its host in a child process
    (`ProcessBackend`), or, `in_process`, the host on the console's own worker loop (before decision 27)."""

    host: Any
    in_process: bool
    worker: Any
    backend: Any
    cameras: SimulatedCameras
    names: list[str]

    async def ask(self, request: str) -> dict[str, Any]:
        if request == "relays":  # only an in-process host's relays can be looked at
            relays = (
                await self.worker.call(_relay_counts_on_loop(self.host)) if self.in_process else {}
            )
            return {"relays": relays}
        counts = {n: {s: self.cameras.sessions(n, s) for s in ("main", "sub")} for n in self.names}
        return {"sessions": counts}

    def cpu_seconds(self) -> float:
        """CPU of the host process (or, in process, of the host's ffmpeg only) and its ffmpeg children."""
        return _cpu_seconds_without_camsim(psutil.Process().children(recursive=True))


@contextlib.asynccontextmanager
async def embedded_side(
    count: int, recorded: StreamRole, root: Path, in_process: bool, warm_sub: bool
) -> AsyncIterator[EmbeddedSide]:
    """Cameras, and a recording host started from the console's worker loop as `vas_console.app` does."""
    from backend_embed.heap_trim import HeapTrimmer
    from backend_embed.host import BackendHost
    from backend_embed.host_client import ProcessBackend
    from vas_console.media.whep_http import prepare_in_background
    from vas_console.runtime.backend_proxy import WorkerBackend
    from vas_console.runtime.loop_thread import LoopThread

    names = [f"cam{i + 1}" for i in range(count)]
    cameras = SimulatedCameras(
        [CameraConfig(n, source="loop") for n in names], workdir=root / "camsim"
    )
    await asyncio.to_thread(cameras.start)
    worker = LoopThread("bench-worker")
    worker.start()
    prepare_in_background()  # as the app's Console does
    trimmer = HeapTrimmer()  # as the app's Console does
    await worker.call(_start_trimmer(trimmer))
    config = _host_config(root, warm_sub)
    host: Any = BackendHost(config) if in_process else ProcessBackend(config)
    api = host if in_process else host.api
    try:
        await worker.call(host.start())
        ids = await worker.call(_start_recording(api, cameras, names, recorded))
        if ids != list(range(1, count + 1)):
            raise RuntimeError(f"expected camera ids 1..{count} in a fresh database, got {ids}")
        await worker.call(_until_streams_warm(api, ids, StreamRole.SUB if warm_sub else recorded))
        backend = WorkerBackend(api, worker)
        yield EmbeddedSide(host, in_process, worker, backend, cameras, names)
    finally:
        await worker.call(host.stop())
        await worker.call(trimmer.aclose())
        worker.stop()
        await asyncio.to_thread(cameras.stop)


async def _start_trimmer(trimmer: Any) -> None:
    trimmer.start()


def seed_backend(endpoints: list[dict[str, Any]]) -> Any:
    """A FakeBackend whose cameras carry the recorder side's WHEP endpoints (ids in the same order)."""
    from tests.helpers.fake_backend import FakeBackend

    backend = FakeBackend()
    remote_ids = sorted({e["camera_id"] for e in endpoints})
    local = {rid: backend.seed_camera(f"Camera {n + 1}").id for n, rid in enumerate(remote_ids)}
    for e in endpoints:
        camera_id, stream = local[e["camera_id"]], StreamRole(e["stream"])
        backend.live_endpoints[(camera_id, stream)] = LiveEndpoint(
            camera_id, stream, e["url"], LiveCodecPath.PASSTHROUGH, e["width"], e["height"],
            bearer_token=e["token"], warm=e["warm"],
        )  # fmt: skip
    return backend


@dataclass
class Figures:
    """What one measured window gave."""

    seconds: float
    tile_fps: list[float]
    session_fps: list[float]
    console_cores: float
    recorder_cores: float
    #: what `recorder_cores` counts
    recorder_side: str
    rss_mb: float
    stall_p99_ms: float
    stall_max_ms: float
    sessions: dict[str, dict[str, int]]
    threads: dict[str, float]
    machine_cores: float
    #: share of the machine's CPU time the hypervisor gave to other guests (Linux "steal")
    steal: float
    packets_lost: int
    packets_received: int
    reconnects: int
    #: of which during the measured window
    reconnects_in_window: int
    #: decoded frames the console did not scale because newer ones were already waiting
    skipped: int
    #: scaled pictures replaced in a tile's slot before a paint tick took them (the GUI was late)
    overwritten: int
    #: per sub feed at the recorder side: frames per second its relay read, sent to viewers, skipped
    relay_fps: dict[str, list[float]]
    #: main-stream feeds open at the recorder side (recorded cameras' warm feeds, bridges); None: not known
    main_feeds: list[str] | None
    #: seconds from the wall's restore until every tile was live at once (None: not within 60 s); by `watch`
    all_live_s: float | None = None


async def until(predicate: Any, timeout_s: float, what: str) -> None:
    """Poll on the GUI loop (a benchmark may wait in a coroutine; tests may not)."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def own_cpu_seconds() -> float:
    times = psutil.Process().cpu_times()
    return float(times.user + times.system)


def thread_cpu_seconds() -> dict[str, float]:
    """CPU seconds of this process's threads, summed by role (GUI, worker loop, decoders, other)."""
    names = {t.native_id: t.name for t in threading.enumerate()}
    main_id = threading.main_thread().native_id
    totals: dict[str, float] = {}
    for thread in psutil.Process().threads():
        name = names.get(thread.id, "other (Qt, libav)")
        role = "GUI" if thread.id == main_id else name
        if role.endswith("-decoder") or role.startswith("live-decode"):
            role = "decoders (live-decode pool; aiortc's idle)"
        elif role.startswith("relay "):
            role = "restream readers (embedded host)"
        totals[role] = totals.get(role, 0.0) + thread.user_time + thread.system_time
    return totals


async def measure_window(
    wall: Any, monitor: Any, side: RecorderSide | EmbeddedSide, seconds: float
) -> Figures:
    tiles = [t for t in wall.tiles if t.camera_name is not None]
    painted = [t.painted_frames for t in tiles]
    written = [s.slot.stats().written for s in wall.feeds.sessions()]
    overwritten = sum(s.slot.stats().dropped for s in wall.feeds.sessions())
    attempts = sum(getattr(s, "attempts", 1) for s in wall.feeds.sessions())
    skipped = sum(getattr(s, "frames_skipped", 0) for s in wall.feeds.sessions())
    cpu, recorder_cpu, started = own_cpu_seconds(), side.cpu_seconds(), time.monotonic()
    threads = thread_cpu_seconds()
    relays = (await side.ask("relays"))["relays"]
    psutil.cpu_percent()  # starts the machine-wide measurement
    times = psutil.cpu_times()
    monitor.reset()
    await asyncio.sleep(seconds)
    wall_s = time.monotonic() - started
    stalls = monitor.stats()
    machine = psutil.cpu_percent() / 100 * (psutil.cpu_count() or 1)
    times_after = psutil.cpu_times()
    total = sum(times_after) - sum(times)
    steal = (
        (getattr(times_after, "steal", 0.0) - getattr(times, "steal", 0.0)) / total
        if total
        else 0.0
    )
    after = thread_cpu_seconds()
    relays_after = (await side.ask("relays"))["relays"]
    by_thread = {k: (v - threads.get(k, 0.0)) / wall_s for k, v in after.items()}
    figures = Figures(
        seconds=wall_s,
        tile_fps=[(t.painted_frames - p) / wall_s for t, p in zip(tiles, painted, strict=True)],
        session_fps=[
            (s.slot.stats().written - w) / wall_s
            for s, w in zip(wall.feeds.sessions(), written, strict=True)
        ],
        console_cores=(own_cpu_seconds() - cpu) / wall_s,
        recorder_cores=(side.cpu_seconds() - recorder_cpu) / wall_s,
        recorder_side=(
            "its ffmpeg; the host's Python is in the console figure"
            if isinstance(side, EmbeddedSide) and side.in_process
            else "host process + its ffmpeg"
        ),
        rss_mb=psutil.Process().memory_info().rss / 1e6,
        stall_p99_ms=stalls.p99_ms,
        stall_max_ms=stalls.max_ms,
        sessions=(await side.ask("sessions"))["sessions"],
        threads=by_thread,
        machine_cores=machine,
        steal=steal,
        packets_lost=sum(s.stats().packets_lost for s in wall.feeds.sessions()),
        packets_received=sum(s.stats().packets_received for s in wall.feeds.sessions()),
        reconnects=sum(getattr(s, "attempts", 1) - 1 for s in wall.feeds.sessions()),
        reconnects_in_window=sum(getattr(s, "attempts", 1) for s in wall.feeds.sessions())
        - attempts,
        skipped=sum(getattr(s, "frames_skipped", 0) for s in wall.feeds.sessions()) - skipped,
        overwritten=sum(s.slot.stats().dropped for s in wall.feeds.sessions()) - overwritten,
        relay_fps={
            feed: [(n - before) / wall_s for n, before in zip(counts, relays[feed], strict=True)]
            for feed, counts in relays_after.items()
            if feed in relays and feed.endswith("/sub")
        },
        main_feeds=(
            sorted(feed for feed in relays_after if feed.endswith("/main"))
            if relays_after
            else None
        ),
    )
    return figures


@contextlib.asynccontextmanager
async def wall_on(
    side: RecorderSide | EmbeddedSide, root: Path, cameras: int
) -> AsyncIterator[Any]:
    """A shown 4x4 LiveWall (`WALL_SIZE`) saved with cameras 1..`cameras`, not restored yet; closed after.

    With an embedded side it shares the host's worker loop, as in the app.
    """
    from vas_console.core.layouts import LayoutKind, LayoutStore, WallState
    from vas_console.media.webrtc_client import WhepOptions, whep_session_factory
    from vas_console.runtime.loop_thread import LoopThread
    from vas_console.ui.live.live_wall import LiveWall

    store = LayoutStore(root / "layouts.json")
    shown = tuple(range(1, cameras + 1)) + (None,) * (16 - cameras)
    store.save_current(WallState(LayoutKind.GRID_4X4, shown))
    if isinstance(side, EmbeddedSide):
        backend, worker = side.backend, side.worker
    else:
        backend, worker = seed_backend(side.endpoints), LoopThread("bench-worker")
        worker.start()
    factory = whep_session_factory(WhepOptions(ice_addresses=("127.0.0.1",)))
    wall = LiveWall(backend, worker, store, session_factory=factory)
    try:
        wall.resize(*WALL_SIZE)
        wall.show()
        yield wall
    finally:
        await wall.aclose()
        wall.close()
        if worker is not getattr(side, "worker", None):
            worker.stop()


async def watch(side: RecorderSide | EmbeddedSide, args: argparse.Namespace, root: Path) -> Figures:
    from vas_console.media.live import LiveState
    from vas_console.ui.stall_monitor import StallMonitor

    monitor = StallMonitor(window_s=args.seconds + 5)
    async with wall_on(side, root, args.cameras) as wall:
        try:
            monitor.start()
            started = time.monotonic()
            await wall.restore()

            live_after: dict[int, float] = {}
            # a tile paints a new session's first picture (the GOP's keyframe) before it is live
            painted_after: dict[int, float] = {}

            def all_live() -> bool:
                tiles = wall.tiles[: args.cameras]
                states = [t.status.state if t.status else None for t in tiles]
                for index, (tile, state) in enumerate(zip(tiles, states, strict=True)):
                    if state is LiveState.LIVE and index not in live_after:
                        live_after[index] = time.monotonic() - started
                    if tile.painted_frames and index not in painted_after:
                        painted_after[index] = time.monotonic() - started
                return all(s is LiveState.LIVE for s in states)

            # a tile may start on the warm main stream (LiveEndpoint.warm)
            def all_on_sub() -> bool:
                return all(
                    wall.feeds.stream_of(t) is StreamRole.SUB for t in wall.tiles[: args.cameras]
                )

            # a wall that never gets there is measured anyway: its figures say how far off it is
            all_live_s: float | None = None
            for predicate, what in ((all_live, "live"), (all_on_sub, "on their sub streams")):
                try:
                    await until(predicate, 60, f"every tile {what}")
                    if predicate is all_live:
                        all_live_s = time.monotonic() - started
                    print(
                        f"all {args.cameras} tiles {what} after {time.monotonic() - started:.1f} s"
                    )
                    if predicate is all_live:
                        for verb, times in (("painted", painted_after), ("live", live_after)):
                            firsts = sorted(times.values())
                            if not firsts:  # (no tile painted before the last one went live)
                                continue
                            print(
                                f"tiles {verb} after: first {firsts[0]:.2f} s, median "
                                f"{firsts[len(firsts) // 2]:.2f} s, last {firsts[-1]:.2f} s"
                            )
                except TimeoutError:
                    print(f"NOT all {args.cameras} tiles {what} after 60 s; measuring anyway")
            print(f"tiles {wall.tiles[0].width()}x{wall.tiles[0].height()} px")
            await asyncio.sleep(args.warmup)
            figures = await measure_window(wall, monitor, side, args.seconds)
            return replace(figures, all_live_s=all_live_s)
        finally:
            monitor.stop()


async def run(args: argparse.Namespace) -> Figures:
    from vas_console.media.whep_http import prepare_in_background

    prepare_in_background()  # as the console does when it starts
    with tempfile.TemporaryDirectory(prefix="live-grid-console-") as tmp:
        if args.embedded or args.in_process:
            recorded = StreamRole(args.record)
            async with embedded_side(
                args.cameras, recorded, Path(tmp), args.in_process, not args.cold_sub
            ) as side:
                return await watch(side, args, Path(tmp))
        async with recorder_side(args.cameras, StreamRole(args.record), not args.cold_sub) as side:
            return await watch(side, args, Path(tmp))


def summarise(figures: Figures) -> str:
    tiles = figures.tile_fps
    print(f"measured {figures.seconds:.1f} s")
    print(f"painted fps per tile: min {min(tiles):.1f}, max {max(tiles):.1f}")
    received = figures.session_fps
    print(f"received fps per session: min {min(received):.1f}, max {max(received):.1f}")
    if figures.main_feeds is not None:
        print(f"main-stream live feeds open at the recorder side: {len(figures.main_feeds)}")
    if figures.relay_fps:
        read, sent, skipped = ([fps[i] for fps in figures.relay_fps.values()] for i in range(3))
        # the sent and skipped counts are summed over a feed's current viewers: a viewer that reconnected
        # during the window took its counts with it, so they only compare when nobody did
        viewers = (
            f"sent {min(sent):.1f}-{max(sent):.1f}, skipped by slow viewers {max(skipped):.1f} fps at most"
            if figures.reconnects_in_window == 0
            else "sent and skipped: not comparable (viewers reconnected during the window)"
        )
        print(
            f"recorder side, sub feeds: the ingest delivered {min(read):.1f}-{max(read):.1f} fps "
            f"(the simulator's rate under this load), {viewers}"
        )
    total = figures.packets_lost + figures.packets_received
    print(f"RTP packets lost: {figures.packets_lost} of {total} (sessions' current connections)")
    print(
        f"reconnects since the tiles started: {figures.reconnects} "
        f"({figures.reconnects_in_window} during the window)"
    )
    print(f"decoded frames skipped because newer ones waited (console behind): {figures.skipped}")
    print(
        f"scaled pictures replaced before a paint tick took them (GUI late): {figures.overwritten}"
    )
    print(f"console CPU {figures.console_cores:.2f} cores, RSS {figures.rss_mb:.0f} MB")
    threads = sorted(figures.threads.items(), key=lambda item: -item[1])
    print("console threads: " + ", ".join(f"{name} {cores:.2f}" for name, cores in threads))
    print(f"recorder side ({figures.recorder_side}) CPU {figures.recorder_cores:.2f} cores")
    print(
        f"whole machine {figures.machine_cores:.2f} of {psutil.cpu_count()} cores busy; "
        f"hypervisor steal {figures.steal:.0%} of its time"
    )
    print(f"GUI stalls: p99 {figures.stall_p99_ms:.1f} ms, max {figures.stall_max_ms:.1f} ms")
    per_camera = [c["main"] + c["sub"] for c in figures.sessions.values()]
    per_stream = [n for c in figures.sessions.values() for n in c.values()]
    live = "none" if figures.all_live_s is None else f"{figures.all_live_s:.2f}"
    print(
        "RTSP sessions per camera (main + sub): "
        + ", ".join(f"{n} {c['main']}+{c['sub']}" for n, c in figures.sessions.items())
    )
    return (
        f"RESULT name=live_grid min_tile_fps={min(tiles):.1f} "
        f"console_cores={figures.console_cores:.2f} rss_mb={figures.rss_mb:.0f} "
        f"gui_stall_p99_ms={figures.stall_p99_ms:.1f} sessions_per_camera={max(per_camera)} "
        f"sessions_per_stream={max(per_stream)} all_live_s={live}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short window (under 45 s in all)")
    parser.add_argument("--seconds", type=float, help="measured window (default 60, quick 12)")
    parser.add_argument("--cameras", type=int, default=16, help="cameras and tiles (1..16)")
    parser.add_argument(
        "--record",
        choices=("main", "sub"),
        default="main",
        help="the stream each camera records (default main: the wall's sub streams need ingests of their "
        "own; sub: the recorder's one session per camera feeds the wall too)",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--embedded",
        action="store_true",
        help="start the recording host as the app does: a child process (ProcessBackend) reached from "
        "the console's worker loop",
    )
    where.add_argument(
        "--in-process",
        action="store_true",
        help="run the recording host in this process on the console's worker loop, as the app did before "
        "decision 27 (console CPU then includes the host's Python work)",
    )
    parser.add_argument(
        "--cold-sub",
        action="store_true",
        help="the host does not keep the sub streams read (live_warm_sub off, as before decision 28): "
        "tiles on a stream nobody recorded wait for its ingest and the camera's next keyframe",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiortc").setLevel(logging.ERROR)
    if args.serve:
        asyncio.run(serve(args.cameras, StreamRole(args.record), not args.cold_sub))
        return 0
    args.seconds = args.seconds or (12.0 if args.quick else 60.0)
    args.warmup = 3.0 if args.quick else 5.0
    from PySide6.QtWidgets import QApplication

    from vas_console.ui.aio import run_app

    app = QApplication(sys.argv[:1])
    started = time.monotonic()
    figures = run_app(run(args))
    del app
    result = summarise(figures)
    print(f"total {time.monotonic() - started:.0f} s")
    print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
