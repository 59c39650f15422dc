"""Snapshot benchmark: live and historical stills through the real backend, against the old design's ffmpeg grab.

Run from the repository root:  .venv/bin/python bench/snapshot.py [--quick]

1. Starts a simulated camera (camsim: main 1280x720, sub 640x360, 25 fps, 2 s GOP, a timestamp code in every
   frame) and a real `BackendHost` recording it (stream copy, 4 s segments, loopback restream).
2. A WHEP viewer watches the SUB stream (a tile showing the sub stream). Live snapshots are taken through
   `BackendHost.take_live_snapshot` (JPEG + thumbnail on disk, database row) if the host has it, else through
   `MediaServices.live_still` plus writing the JPEG here: request to JPEG on disk. Each must be 1280x720 (the
   main stream) and its code is read back (picture age = request time - capture time).
3. Old design: a cold `ffmpeg -rtsp_transport tcp -i rtsp://... -frames:v 1 -q:v 2 out.jpg` against the same
   camera, timed from process start to exit.
4. Historical: random times inside indexed segments, through `take_recorded_snapshot` (or
   `MediaServices.recorded_still`). Positional error = the code of the snapshot minus the code of the frame at
   that position of the segment (the code of the segment's first frame, decoded here with PyAV, plus the time
   from the segment's start): within one frame (0..-39 ms at 25 fps) when the right frame is taken. The
   recorder's clock offset (segment start per the index minus its first frame's capture time) is printed.

Last line:
  RESULT name=snapshot live_p50_ms=<n> old_p50_ms=<n> ratio=<n> historical_p50_ms=<n> historical_error_ms=<n>
historical_error_ms is the largest |error|. Goals: live p50 <= 100 ms and ratio >= 10, historical p50 <= 250
ms, error within one frame (40 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/snapshot.py`
    sys.path.insert(0, str(ROOT))

from backend_embed.api import CameraSpec, RecorderState, RecorderStatusChanged  # noqa: E402
from backend_embed.api.dto import Camera, StreamRole  # noqa: E402
from backend_embed.config import BackendConfig  # noqa: E402
from backend_embed.host import BackendHost  # noqa: E402
from backend_embed.snapshots.still import Still, jpeg_size  # noqa: E402
from camsim.config import CameraConfig  # noqa: E402
from camsim.launcher import SimulatedCameras  # noqa: E402
from camsim.timecode import decode_luma  # noqa: E402
from tests.integration.backend_embed.webrtc.whep_client import WhepViewer  # noqa: E402

GOALS = {"live_p50_ms": 100, "ratio": 10, "historical_p50_ms": 250, "historical_error_ms": 40}


def jpeg_code(data: bytes) -> int | None:
    with av.open(io.BytesIO(data), "r", format="image2pipe") as container:
        frame = next(container.decode(video=0)).reformat(format="gray")
    plane = frame.planes[0]
    return decode_luma(bytes(plane), frame.width, frame.height, stride=plane.line_size)


def first_frame_code(path: Path) -> int | None:
    with av.open(str(path), "r", format="mpegts") as container:
        frame = next(container.decode(video=0)).reformat(format="gray")
    plane = frame.planes[0]
    return decode_luma(bytes(plane), frame.width, frame.height, stride=plane.line_size)


def p50(values: list[float]) -> float:
    return statistics.median(values)


class Taker:
    """Takes snapshots through the host's evidence calls, or through MediaServices if the host lacks them."""

    def __init__(self, host: BackendHost, out: Path) -> None:
        self._host = host
        self._out = out
        self.via_host = hasattr(host, "take_live_snapshot")
        self._count = 0

    async def live(self, camera: Camera) -> bytes:
        if self.via_host:
            snapshot = await self._host.take_live_snapshot(camera.id)
            return await asyncio.to_thread(Path(snapshot.path).read_bytes)
        return await self._write(await self._host.media.live_still(camera))

    async def recorded(self, camera: Camera, time_ms: int) -> bytes:
        if self.via_host:
            snapshot = await self._host.take_recorded_snapshot(camera.id, time_ms)
            return await asyncio.to_thread(Path(snapshot.path).read_bytes)
        return await self._write(await self._host.media.recorded_still(camera.id, time_ms))

    async def _write(self, still: Still) -> bytes:
        self._count += 1
        path = self._out / f"still-{self._count:04d}.jpg"
        await asyncio.to_thread(path.write_bytes, still.jpeg)
        await asyncio.to_thread(
            (self._out / f"thumb-{self._count:04d}.jpg").write_bytes, still.thumbnail
        )
        return still.jpeg


async def measure_live(taker: Taker, camera: Camera, runs: int) -> tuple[list[float], list[float]]:
    """(latencies, picture ages) in ms of `runs` live snapshots, 0.4 s apart."""
    latencies, ages = [], []
    for _ in range(runs):
        started = time.time()
        data = await taker.live(camera)
        latencies.append((time.time() - started) * 1000)
        if jpeg_size(data) != (1280, 720):
            raise SystemExit(
                f"a live snapshot is {jpeg_size(data)}, not the main stream's 1280x720"
            )
        code = jpeg_code(data)
        if code is not None:
            ages.append(started * 1000 - code)
        await asyncio.sleep(0.4)
    return latencies, ages


def measure_old(url: str, work: Path, runs: int) -> list[float]:
    times = []
    for index in range(runs):
        out = work / f"old-{index}.jpg"
        started = time.perf_counter()
        subprocess.run(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
             "-rtsp_transport", "tcp", "-i", url, "-frames:v", "1", "-q:v", "2", str(out)],
            check=True, timeout=30,
        )  # fmt: skip
        times.append((time.perf_counter() - started) * 1000)
        if not out.exists():
            raise SystemExit("the old design's ffmpeg wrote no JPEG")
    return times


async def measure_historical(
    taker: Taker, host: BackendHost, camera: Camera, runs: int, seed: int
) -> tuple[list[float], list[int], list[int]]:
    """(latencies ms, positional errors ms, recorder clock offsets ms) of `runs` recorded snapshots."""
    now = int(time.time() * 1000)
    segments = await host.media._segments.segments_between(  # the bench reads the index directly
        camera.id, StreamRole.MAIN, now - 3_600_000, now
    )
    # the first one may start before the picture settles; a discontinuous one follows a recorder restart
    segments = [s for s in segments[1:] if not s.discontinuity]
    if not segments:
        raise SystemExit("no continuous segment was indexed")
    root = host.config.recordings_dir
    rng = random.Random(seed)
    latencies, errors, offsets = [], [], []
    for _ in range(runs):
        segment = rng.choice(segments)
        first = first_frame_code(root / segment.path)
        if first is None:
            raise SystemExit(f"the first frame of {segment.path} carries no readable code")
        offsets.append(segment.start_ms - first)
        asked = rng.randrange(segment.start_ms, segment.end_ms - 40)
        started = time.perf_counter()
        data = await taker.recorded(camera, asked)
        latencies.append((time.perf_counter() - started) * 1000)
        code = jpeg_code(data)
        if code is None:
            raise SystemExit("a historical snapshot carries no readable code")
        errors.append(code - (first + asked - segment.start_ms))
    return latencies, errors, offsets


async def wait_recording(host: BackendHost) -> None:
    recording = asyncio.Event()
    host.subscribe(
        lambda e: (
            recording.set()
            if isinstance(e, RecorderStatusChanged) and e.status.state is RecorderState.RECORDING
            else None
        )
    )
    async with asyncio.timeout(30):
        await recording.wait()


async def run(work: Path, args: argparse.Namespace) -> dict[str, float]:
    cameras = SimulatedCameras([CameraConfig("cam1", gop=50)], workdir=work / "camsim")
    await asyncio.to_thread(cameras.start)
    config = BackendConfig.local(work / "config", work / "data", recheck_interval_s=0)
    host = BackendHost(config)
    viewer = WhepViewer()
    try:
        await host.start()
        waiting = asyncio.create_task(wait_recording(host))
        camera = await host.add_camera(
            CameraSpec(
                name="Bench",
                main_url=cameras.url("cam1", "main", credentials=False),
                sub_url=cameras.url("cam1", "sub", credentials=False),
            )
        )
        await waiting
        out = work / "stills"
        out.mkdir()
        taker = Taker(host, out)
        print(
            f"measured through {'BackendHost.take_*_snapshot' if taker.via_host else 'MediaServices'}"
        )
        sub = await host.live_endpoint(camera.id, StreamRole.SUB)
        await viewer.connect(sub.whep_url, sub.bearer_token)  # a tile shows the sub stream
        await viewer.wait_frames(10, within_s=20)
        await asyncio.sleep(
            2.5
        )  # the tile has shown the sub stream for a GOP: the main feed is warm
        first_started = time.perf_counter()
        await taker.live(camera)
        first_ms = (time.perf_counter() - first_started) * 1000
        print(f"first live snapshot (the main feed warmed by the sub viewer): {first_ms:.0f} ms")
        live, ages = await measure_live(taker, camera, args.live_runs)
        print(f"live: {len(live)} snapshots, p50 {p50(live):.0f} ms, max {max(live):.0f} ms; "
              f"picture age p50 {p50(ages):.0f} ms ({len(ages)} codes read)")  # fmt: skip
        await viewer.close()
        await asyncio.sleep(args.record_s)  # let more segments close and be indexed
        hist, errors, offsets = await measure_historical(
            taker, host, camera, args.historical_runs, args.seed
        )
        print(f"historical: {len(hist)} snapshots, p50 {p50(hist):.0f} ms, max {max(hist):.0f} ms; "
              f"errors {min(errors)}..{max(errors)} ms; recorder clock offset p50 "
              f"{p50([float(o) for o in offsets]):.0f} ms")  # fmt: skip
        # last: a cold grab is a second RTSP client of the camera, which may disturb the recording
        old = await asyncio.to_thread(measure_old, cameras.url("cam1", "main", credentials=False),
                                      work, args.old_runs)  # fmt: skip
        print(f"old design (cold ffmpeg grab): {', '.join(f'{v:.0f}' for v in old)} ms")
        return {
            "live_p50_ms": p50(live),
            "old_p50_ms": p50(old),
            "ratio": p50(old) / p50(live),
            "historical_p50_ms": p50(hist),
            "historical_error_ms": float(max(abs(e) for e in errors)),
        }
    finally:
        await viewer.close()
        await host.stop()
        await asyncio.to_thread(cameras.stop)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples (about 40 s in all)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    args.live_runs, args.old_runs, args.historical_runs = (10, 3, 10) if args.quick else (30, 5, 30)
    args.record_s = 6.0 if args.quick else 12.0
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiortc").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="vas-bench-snapshot-") as tmp:
        result = asyncio.run(run(Path(tmp), args))
    missed = [
        name
        for name, goal in GOALS.items()
        if (result[name] < goal if name == "ratio" else result[name] > goal)
    ]
    print("goals met" if not missed else f"goals missed: {', '.join(missed)}")
    print(
        "RESULT name=snapshot "
        + " ".join(
            f"{name}={result[name]:.1f}" if name == "ratio" else f"{name}={result[name]:.0f}"
            for name in (
                "live_p50_ms",
                "old_p50_ms",
                "ratio",
                "historical_p50_ms",
                "historical_error_ms",
            )
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
