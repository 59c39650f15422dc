"""Live latency benchmark: camera to painted tile, the project's path against the old design's, and first frame.

Run from the repository root:  .venv/bin/python bench/live_latency.py [--quick] [--seconds S]
One process plays the whole console-with-embedded-recorder: a live simulated camera (camsim, 720p25, 2 s
GOP, a timestamp code in every frame), the recorder side on the worker loop (StreamRecorder stream copy
with its loopback restream -> LiveSources -> LiveService WHEP with GOP cache), and a LiveWall on the GUI
thread whose tile plays the camera's main stream through WhepSession. Each painted frame's timestamp
code is read back from the frame just painted: latency = paint time - capture time.

Old design, in the same run: a second camera transcoded by ffmpeg libx264 ultrafast/zerolatency/baseline
(2 s GOP) into the same loopback restream -> the same WHEP service -> the same tile.

First frame: from dropping the camera on a tile to its first painted frame, with nobody watching the
camera before (the feed starts cold and waits for the camera's next keyframe), and again while another
tile already watches it (the service's GOP cache answers). The last line is:
    RESULT name=live_latency p50_ms=<n> p95_ms=<n> old_p50_ms=<n> ratio=<n> first_frame_ms=<n>
first_frame_ms is the cold median (the case an operator meets); the warm one is printed above it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/live_latency.py`
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["QT_API"] = "pyside6"

import av  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from backend_embed.api import LiveCodecPath, LiveEndpoint, StreamRole  # noqa: E402
from backend_embed.ffmpeg.command import (  # noqa: E402
    RESTREAM_MUX_OPTIONS,
    RecorderCommand,
    restream_url,
)
from backend_embed.snapshots.live_capture import LiveCapture  # noqa: E402
from backend_embed.streams.supervisor import StreamRecorder  # noqa: E402
from camsim.config import CameraConfig  # noqa: E402
from camsim.launcher import SimulatedCameras  # noqa: E402
from camsim.timecode import decode_luma  # noqa: E402
from tests.helpers.fake_backend import FakeBackend  # noqa: E402
from tests.helpers.live_fakes import frame_capture_ms  # noqa: E402
from tests.helpers.whep_server import WhepServer, start_whep_server  # noqa: E402
from vas_console.core.layouts import LayoutKind, LayoutStore  # noqa: E402
from vas_console.media.live import LiveFrame  # noqa: E402
from vas_console.media.webrtc_client import WhepOptions, whep_session_factory  # noqa: E402
from vas_console.media.whep_http import prepare_in_background  # noqa: E402
from vas_console.runtime.loop_thread import LoopThread  # noqa: E402
from vas_console.ui.aio import run_app  # noqa: E402
from vas_console.ui.live.live_wall import LiveWall  # noqa: E402
from vas_console.ui.live.video_tile import VideoTile  # noqa: E402

GOP = 50  # 2 s at 25 fps
PROJECT, OLD = "cam1", "cam2"
IDLE_GRACE_S = 1.0
ENCODER_WARMUP_S = 4.0
WALL_SIZE = (1300, 760)  # a single tile larger than the sub stream: the main stream (1280x720)


@dataclass
class Samples:
    """Latencies (ms) of painted frames whose timestamp code could be read; how many could not.

    `ready` holds the same frames' capture-to-ready latencies: decoded and scaled, in the tile's slot
    (`LiveFrame.received_ms`); what is left to `latencies` is the wait for the paint tick and the paint.
    """

    latencies: list[float] = field(default_factory=list)
    ready: list[float] = field(default_factory=list)
    unreadable: int = 0

    def observe(self, frame: LiveFrame, painted_s: float) -> None:
        capture_ms = frame_capture_ms(frame)
        if capture_ms is None:
            self.unreadable += 1
        else:
            self.latencies.append(painted_s * 1000.0 - capture_ms)
            self.ready.append(frame.received_ms - capture_ms)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))]


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def old_design_argv(url: str, port: int) -> list[str]:
    """The old design's live encode: libx264 ultrafast/zerolatency/baseline, into the same restream."""
    return [
        "ffmpeg", "-hide_banner", "-nostats", "-loglevel", "error",
        "-rtsp_transport", "tcp", "-analyzeduration", "500000", "-i", url,
        "-map", "0:v:0", "-an",
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-profile:v", "baseline",
        "-pix_fmt", "yuv420p", "-g", str(GOP), "-b:v", "2000k",
        # muxed as the project's restream, so the two paths differ only by the encode
        "-f", "mpegts", *(arg for key, value in RESTREAM_MUX_OPTIONS.items() for arg in (f"-{key}", value)),
        restream_url(port),
    ]  # fmt: skip


@contextlib.contextmanager
def old_design_encoder(url: str, port: int) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(old_design_argv(url, port), stdin=subprocess.DEVNULL)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.asynccontextmanager
async def recorder_side(
    cameras: SimulatedCameras, root: Path, *, warm: bool
) -> AsyncIterator[tuple[WhepServer, dict[int, int]]]:
    """On the worker loop: cam1 recorded (stream copy + restream), cam2's old-design encode port, WHEP.

    `warm`: as the host does for a recorded camera (`live_warm_recorded`), cam1's main feed is held and
    read all the time (`LiveCapture.pin`), so its GOP cache is filled before anybody watches."""
    ports = {1: free_udp_port(), 2: free_udp_port()}
    recorder = StreamRecorder(
        1,
        StreamRole.MAIN,
        RecorderCommand(cameras.url(PROJECT), root, 1, restream_port=ports[1]),
        lambda _status: None,
        secrets=[],
    )
    await recorder.start()
    try:
        async with start_whep_server(
            cameras,
            idle_grace_s=IDLE_GRACE_S,
            recorder_port=lambda camera_id, stream: (
                ports.get(camera_id) if stream is StreamRole.MAIN else None
            ),
        ) as server:
            capture = LiveCapture(
                server.sources,
                server.service.relay_for,
                pinned=lambda camera_id: warm and camera_id == 1,
            )
            capture.pin(1)
            if (
                warm
            ):  # a camera recorded for a while: its GOP cache is filled (a still waits for it)
                await capture.still(1)
            try:
                yield server, ports
            finally:
                await capture.stop()
    finally:
        await recorder.stop()


async def until(predicate: object, timeout_s: float, what: str) -> None:
    """Poll `predicate()` on the GUI loop (a benchmark may wait in a coroutine; tests may not)."""
    deadline = time.monotonic() + timeout_s
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)


async def first_paint_ms(wall: LiveWall, camera_id: int) -> float:
    """Show `camera_id` on the (empty) tile 0 and return ms until its first frame was painted."""
    tile: VideoTile = wall.tiles[0]
    painted: list[float] = []
    tile.paint_observer = lambda _frame, at: painted.append(at)
    started = time.time()
    wall.show_camera(0, camera_id)
    await until(lambda: painted, 20.0, "the first painted frame")
    return (painted[0] - started) * 1000.0


async def empty_tile(wall: LiveWall, settle_s: float) -> None:
    wall.clear_tile(0)
    await until(lambda: not wall.feeds.sessions(), 10.0, "the session to close")
    await asyncio.sleep(settle_s)


async def latency_window(wall: LiveWall, camera_id: int, seconds: float) -> tuple[Samples, float]:
    """First paint (cold), then `seconds` of latency samples from every painted frame."""
    cold = await first_paint_ms(wall, camera_id)
    await asyncio.sleep(1.0)  # let the burst of the cached GOP and the jitter buffer settle
    samples = Samples()
    wall.tiles[0].paint_observer = samples.observe
    await asyncio.sleep(seconds)
    wall.tiles[0].paint_observer = None
    return samples, cold


def report(label: str, samples: Samples, seconds: float) -> None:
    values = samples.latencies
    if not values:
        print(f"{label}: no readable frame ({samples.unreadable} unreadable)")
        return
    print(
        f"{label}: {len(values)} frames in {seconds:.0f} s ({samples.unreadable} unreadable), "
        f"latency p50 {percentile(values, 0.5):.0f} ms, p95 {percentile(values, 0.95):.0f} ms, "
        f"min {min(values):.0f} ms, max {max(values):.0f} ms; ready in the tile's slot (decoded, "
        f"scaled) p50 {percentile(samples.ready, 0.5):.0f} ms"
    )


#: a low-delay RTSP client: no input buffering, no reordering queue, TCP as the recorder uses
DIRECT_OPTIONS = {
    "rtsp_transport": "tcp",
    "fflags": "nobuffer",
    "flags": "low_delay",
    "max_delay": "0",
    "reorder_queue_size": "0",
}


def direct_reader(url: str, seconds: float) -> Samples:
    """The floor any client pays: read the camera's RTSP directly with PyAV, decode, read each code.

    Camera encode + RTSP + demux + decode, nothing of the project's: the project path's latency minus
    this is what the recorder, WebRTC and the paint add."""
    samples = Samples()
    with av.open(url, options=dict(DIRECT_OPTIONS), timeout=(10.0, 5.0)) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_count = 1  # frame threads would hold frames back
        stream.codec_context.flags |= av.codec.context.Flags.low_delay
        started = time.monotonic()
        for packet in container.demux(stream):
            for frame in packet.decode():
                now_ms = time.time() * 1000.0
                if time.monotonic() - started < 1.0:
                    continue  # past the start-up burst
                luma = frame.planes[0]
                capture_ms = decode_luma(
                    memoryview(luma), frame.width, frame.height, luma.line_size
                )
                if capture_ms is None:
                    samples.unreadable += 1
                else:
                    samples.latencies.append(now_ms - capture_ms)
                    samples.ready.append(now_ms - capture_ms)
            if time.monotonic() - started > seconds + 1.0:
                break
    return samples


def build_wall(server: WhepServer, worker: LoopThread, root: Path) -> tuple[LiveWall, FakeBackend]:
    backend = FakeBackend()
    for name, label in ((PROJECT, "Project path"), (OLD, "Old design")):
        camera = backend.seed_camera(label)
        assert camera.id == server.camera_id(name)
        for stream, size in ((StreamRole.MAIN, (1280, 720)), (StreamRole.SUB, (640, 360))):
            backend.live_endpoints[(camera.id, stream)] = LiveEndpoint(
                camera.id, stream, server.url(name, stream.value), LiveCodecPath.PASSTHROUGH, *size,
                bearer_token=server.token,
            )  # fmt: skip
    factory = whep_session_factory(WhepOptions(ice_addresses=("127.0.0.1",)))
    wall = LiveWall(backend, worker, LayoutStore(root / "layouts.json"), session_factory=factory)
    return wall, backend


@dataclass
class Result:
    project: Samples
    old: Samples
    cold_ms: list[float]
    warm_ms: list[float]
    old_cold_ms: float
    direct: Samples = field(default_factory=Samples)


async def measure_project(wall: LiveWall, seconds: float, colds: int, warms: int) -> Result:
    samples, cold = await latency_window(wall, 1, seconds)
    report("project path (stream copy, WHEP passthrough)", samples, seconds)
    cold_ms, warm_ms = [cold], []
    for _ in range(warms):
        await empty_tile(wall, 0.3)  # back within the feed's idle grace: the GOP cache answers
        warm_ms.append(await first_paint_ms(wall, 1))
    for _ in range(colds - 1):
        await empty_tile(wall, IDLE_GRACE_S + 2.0)  # the feed closed: a cold start
        cold_ms.append(await first_paint_ms(wall, 1))
    await empty_tile(wall, 0.0)
    return Result(samples, Samples(), cold_ms, warm_ms, 0.0)


async def small_tile_first_paint(
    wall: LiveWall, backend: FakeBackend, server: WhepServer, worker: LoopThread
) -> None:
    """A 4x4 tile (smaller than the sub stream) dropped on camera 1, whose sub stream nobody watches:
    first paint without the warm bridge, then with it (the endpoints as the service gives them)."""

    async def refresh(bridge: bool) -> bool:
        for stream, (width, height) in (
            (StreamRole.MAIN, (1280, 720)),
            (StreamRole.SUB, (640, 360)),
        ):
            endpoint = await worker.call(
                server.service.endpoint(1, stream, width=width, height=height)
            )
            backend.live_endpoints[(1, stream)] = dataclasses.replace(
                endpoint, warm=endpoint.warm and bridge
            )
        return backend.live_endpoints[(1, StreamRole.MAIN)].warm

    wall.set_layout(LayoutKind.GRID_4X4)
    await refresh(bridge=False)
    plain = await first_paint_ms(wall, 1)
    await empty_tile(wall, IDLE_GRACE_S + 2.0)  # the sub feed closes: cold again
    main_warm = await refresh(bridge=True)
    started = time.time()
    bridged = await first_paint_ms(wall, 1)
    await until(
        lambda: wall.feeds.stream_of(wall.tiles[0]) is StreamRole.SUB, 20.0, "the sub stream"
    )
    own = (time.time() - started) * 1000.0
    await empty_tile(wall, 0.0)
    size = "x".join(map(str, wall.tiles[0].device_size()))
    print(
        f"first frame, small tile ({size}) on a cold sub stream: {plain:.0f} ms without the warm "
        f"bridge; {bridged:.0f} ms with it (main stream warm: {main_warm}), on its own sub stream "
        f"after {own:.0f} ms"
    )


async def measure(
    wall: LiveWall,
    backend: FakeBackend,
    server: WhepServer,
    worker: LoopThread,
    cameras: SimulatedCameras,
    ports: dict[int, int],
    args: argparse.Namespace,
) -> Result:
    wall.show()
    await wall.restore()
    # a first start shows every camera: empty the wall, or the layouts below would bring the cameras
    # that a smaller one left out back on their tiles (WallState.offstage), each with its own session
    for index in range(len(wall.tiles)):
        wall.clear_tile(index)
    await until(lambda: not wall.feeds.sessions(), 10.0, "the restored sessions to close")
    wall.set_layout(LayoutKind.SINGLE)
    wall.resize(WALL_SIZE[0], WALL_SIZE[1] + wall.toolbar.sizeHint().height())
    result = await measure_project(wall, args.seconds, args.colds, args.warms)
    # cam2: configured as cam1 and nobody reads it yet (a second session on cam1 had the simulator's
    # shared media stall the recorder's)
    result.direct = await asyncio.to_thread(direct_reader, cameras.url(OLD), args.seconds)
    report("camera read directly (PyAV RTSP, low delay: the floor)", result.direct, args.seconds)
    await small_tile_first_paint(wall, backend, server, worker)
    wall.set_layout(LayoutKind.SINGLE)
    with old_design_encoder(cameras.url(OLD), ports[2]):
        await asyncio.sleep(ENCODER_WARMUP_S)  # past the encoder's start-up backlog, as in service
        result.old, result.old_cold_ms = await latency_window(wall, 2, args.seconds)
    report("old design (libx264 ultrafast/zerolatency/baseline)", result.old, args.seconds)
    await wall.aclose()
    return result


async def run(args: argparse.Namespace) -> Result:
    prepare_in_background()  # as the console does when it starts
    worker = LoopThread("bench-worker")
    worker.start()
    try:
        with tempfile.TemporaryDirectory(prefix="live-latency-") as tmp:
            root = Path(tmp)
            configs = [CameraConfig(PROJECT, gop=GOP), CameraConfig(OLD, gop=GOP)]
            cameras = SimulatedCameras(configs, workdir=root / "camsim")
            await asyncio.to_thread(cameras.start)
            stack = contextlib.AsyncExitStack()
            try:
                server, ports = await worker.call(
                    stack.enter_async_context(
                        recorder_side(cameras, root / "recordings", warm=not args.no_warm)
                    )
                )
                wall, backend = build_wall(server, worker, root)
                try:
                    return await measure(wall, backend, server, worker, cameras, ports, args)
                finally:
                    wall.close_for_quit()
                    wall.close()
            finally:
                await worker.call(stack.aclose())
                await asyncio.to_thread(cameras.stop)
    finally:
        worker.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short windows (under 45 s in all)")
    parser.add_argument(
        "--seconds", type=float, help="latency window per path (default 30, quick 7)"
    )
    parser.add_argument(
        "--no-warm",
        action="store_true",
        help="the recorded camera's feed is not kept warm (live_warm_recorded off): a truly cold start",
    )
    args = parser.parse_args()
    args.seconds = args.seconds or (7.0 if args.quick else 30.0)
    args.colds, args.warms = (2, 2) if args.quick else (4, 3)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiortc").setLevel(logging.ERROR)
    if os.environ.get("LIVE_BENCH_DEBUG"):
        logging.getLogger("vas_console").setLevel(logging.DEBUG)
        logging.getLogger("backend_embed.webrtc").setLevel(logging.DEBUG)
    app = QApplication(sys.argv[:1])
    started = time.monotonic()
    result = run_app(run(args))
    del app
    project, old = result.project.latencies, result.old.latencies
    if not project or not old:
        print("no latency samples: see the log above")
        return 1
    p50, p95, old_p50 = percentile(project, 0.5), percentile(project, 0.95), percentile(old, 0.5)
    cold = statistics.median(result.cold_ms)
    how = "feed starts, waits for a keyframe" if args.no_warm else "the recorded camera kept warm"
    print(f"first frame, cold (nobody watching; {how}): {_ms_list(result.cold_ms)}")
    print(f"first frame, warm (feed running, GOP cache): {_ms_list(result.warm_ms)}")
    print(f"first frame, old design (cold): {result.old_cold_ms:.0f} ms")
    if result.direct.latencies and result.project.ready:
        floor = percentile(result.direct.latencies, 0.5)
        ready = percentile(result.project.ready, 0.5)
        print(
            f"where the project path's p50 goes: {floor:.0f} ms camera + RTSP + decode (the floor), "
            f"+{ready - floor:.0f} ms recorder restream + WebRTC + scale (to the tile's slot), "
            f"+{p50 - ready:.0f} ms waiting for the paint tick and painting"
        )
    print(f"total {time.monotonic() - started:.0f} s")
    print(
        f"RESULT name=live_latency p50_ms={p50:.0f} p95_ms={p95:.0f} old_p50_ms={old_p50:.0f} "
        f"ratio={old_p50 / p50:.2f} first_frame_ms={cold:.0f}"
    )
    return 0


def _ms_list(values: list[float]) -> str:
    return ", ".join(f"{v:.0f}" for v in values) + " ms" if values else "none"


if __name__ == "__main__":
    sys.exit(main())
