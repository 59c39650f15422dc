"""Recording CPU benchmark: the project's stream-copy recorder against the old design's dual libx264 pipeline.

Run from the repository root:  .venv/bin/python bench/recording_cpu.py [--quick] [--cameras N]
Records N simulated cameras (camsim loop sources: the simulator costs little) with one StreamRecorder per
camera main stream (HLS segments + loopback restream), then a few of them with the old design's pipeline,
and measures only the recorders' own ffmpeg processes (user + system CPU). The last line is:
    RESULT name=recording_cpu project_cpu_s_per_cam_min=<n> old_cpu_s_per_cam_min=<n> ratio=<n> cameras=<n>
           lost_segments=<n>
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import socket
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/recording_cpu.py`
    sys.path.insert(0, str(ROOT))

from backend_embed.api.dto import StreamRole  # noqa: E402
from backend_embed.api.recording import RecorderState, RecorderStatus  # noqa: E402
from backend_embed.ffmpeg.command import DEFAULT_SEGMENT_S, RecorderCommand  # noqa: E402
from backend_embed.ffmpeg.process import FfmpegProcess  # noqa: E402
from backend_embed.streams.supervisor import StreamRecorder  # noqa: E402
from camsim.config import CameraConfig  # noqa: E402
from camsim.launcher import SimulatedCameras  # noqa: E402

GOAL_RATIO = 40.0
GOAL_PROJECT_CPU = 0.5
#: a playlist gap longer than this many segment lengths counts as lost segments
GAP_FACTOR = 1.5


@dataclass(frozen=True, slots=True)
class Phase:
    """One measured phase: CPU of the recorder processes over `seconds` of wall time."""

    name: str
    cameras: int
    seconds: float
    cpu_s: float
    note: str = ""

    @property
    def per_camera_minute(self) -> float:
        return self.cpu_s / (self.cameras * self.seconds / 60.0)


@dataclass(frozen=True, slots=True)
class Entry:
    """A segment listed by a live playlist: start (program date time, ms) and duration (s)."""

    uri: str
    start_ms: int
    duration_s: float


def read_playlist(path: Path) -> list[Entry]:
    """The entries of a live playlist written by ffmpeg (EXTINF, then PROGRAM-DATE-TIME, then the URI)."""
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return []
    entries, duration, start = [], 0.0, 0
    for line in lines:
        if line.startswith("#EXTINF:"):
            duration = float(line[8:].split(",")[0])
        elif line.startswith("#EXT-X-PROGRAM-DATE-TIME:"):
            moment = datetime.strptime(line[25:], "%Y-%m-%dT%H:%M:%S.%f%z")
            start = round(moment.timestamp() * 1000)
        elif line and not line.startswith("#"):
            entries.append(Entry(line, start, duration))
    return entries


def lost_segments(entries: Sequence[Entry], segment_s: float) -> int:
    """Segments missing between consecutive entries: gaps in program date time over GAP_FACTOR x length."""
    ordered = sorted(entries, key=lambda e: e.start_ms)
    lost = 0
    for before, after in itertools.pairwise(ordered):
        gap_s = (after.start_ms - before.start_ms) / 1000 - before.duration_s
        if gap_s > (GAP_FACTOR - 1) * segment_s:
            lost += max(1, round(gap_s / segment_s))
    return lost


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU seconds of the processes (threads included); 0 for one that is gone."""
    total = 0.0
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = psutil.Process(pid).cpu_times()
            total += times.user + times.system
    return total


def ffmpeg_children(marker: str) -> list[int]:
    """Running ffmpeg children of this process whose command line contains `marker`."""
    pids = []
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            if child.status() != psutil.STATUS_ZOMBIE and marker in " ".join(child.cmdline()):
                pids.append(child.pid)
    return pids


@contextlib.contextmanager
def udp_sinks(count: int) -> Iterator[list[int]]:
    """`count` bound, never-read UDP sockets on 127.0.0.1 (the kernel drops what overflows); their ports."""
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
            sock.bind(("127.0.0.1", 0))
            ports.append(sock.getsockname()[1])
        yield ports


async def measure_window(pids_now: Sequence[int], seconds: float) -> tuple[float, float]:
    """CPU seconds the given processes use over `seconds` of wall time, and the exact wall time."""
    before = cpu_seconds(pids_now)
    started = time.monotonic()
    await asyncio.sleep(seconds)
    return cpu_seconds(pids_now) - before, time.monotonic() - started


async def run_project(
    cameras: SimulatedCameras, names: Sequence[str], seconds: float, warmup: float, root: Path
) -> tuple[Phase, int, int, int]:
    """Record every camera with a StreamRecorder; return the phase, segments, lost segments, restarts."""
    statuses: list[RecorderStatus] = []
    with udp_sinks(len(names)) as ports:
        recorders = [
            StreamRecorder(
                index, StreamRole.MAIN,
                RecorderCommand(cameras.url(name), root, index, restream_port=port),
                statuses.append, secrets=[],
            )
            for index, (name, port) in enumerate(zip(names, ports, strict=True), start=1)
        ]  # fmt: skip
        logs: dict[int, dict[str, Entry]] = {i: {} for i in range(1, len(names) + 1)}
        poller = asyncio.create_task(_poll_playlists(recorders, logs))
        try:
            for recorder in recorders:
                await recorder.start()
            await asyncio.sleep(warmup)
            pids = ffmpeg_children(str(root))
            cpu, wall = await measure_window(pids, seconds)
            not_recording = [
                r for r in recorders if r.status().state is not RecorderState.RECORDING
            ]
        finally:
            for recorder in recorders:
                await recorder.stop()
            poller.cancel()
            await asyncio.wait({poller})
    _collect(recorders, logs)
    entries = [list(log.values()) for log in logs.values()]
    lost = sum(lost_segments(e, DEFAULT_SEGMENT_S) for e in entries)
    restarts = sum(r.status().restarts for r in recorders)
    note = f"{len(not_recording)} not recording at the end" if not_recording else ""
    phase = Phase("project (stream copy + restream)", len(names), wall, cpu, note)
    return phase, sum(map(len, entries)), lost, restarts


def _collect(recorders: Sequence[StreamRecorder], logs: dict[int, dict[str, Entry]]) -> None:
    for index, recorder in enumerate(recorders, start=1):
        for entry in read_playlist(recorder.command.playlist_path):
            logs[index].setdefault(entry.uri, entry)


async def _poll_playlists(
    recorders: Sequence[StreamRecorder], logs: dict[int, dict[str, Entry]]
) -> None:
    """Accumulate every entry the rolling playlists list (6 x 4 s: a 1 s poll misses none)."""
    while True:
        _collect(recorders, logs)
        await asyncio.sleep(1.0)


def old_design_argv(ffmpeg: str, url: str, rtp_port: int, hls_dir: Path) -> list[str]:
    """The old design's per-camera pipeline: libx264 to RTP for live plus a second libx264 to HLS."""
    return [
        ffmpeg, "-rtsp_transport", "tcp", "-i", url,
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-profile:v", "baseline",
        "-b:v", "2000k", "-bufsize", "1000k", "-g", "30", "-keyint_min", "1",
        "-f", "rtp", f"rtp://127.0.0.1:{rtp_port}",
        "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "main", "-b:v", "3000k", "-g", "60",
        "-hls_time", "6", "-f", "hls", str(hls_dir / "index.m3u8"),
    ]  # fmt: skip


async def run_old(
    cameras: SimulatedCameras, names: Sequence[str], seconds: float, warmup: float, root: Path
) -> Phase:
    """Run the old pipeline on `names`; CPU of its ffmpeg processes over the window."""
    procs: list[FfmpegProcess] = []
    with udp_sinks(len(names)) as ports:
        try:
            for name, port in zip(names, ports, strict=True):
                out = root / name
                out.mkdir(parents=True)
                proc = FfmpegProcess(old_design_argv("ffmpeg", cameras.url(name), port, out))
                procs.append(proc)
                await proc.start()
            await asyncio.sleep(warmup)
            pids = [p.pid for p in procs if p.pid is not None]
            cpu, wall = await measure_window(pids, seconds)
        finally:
            for proc in procs:
                await proc.stop(grace_q=5.0)
    speeds = [_last_speed(p.stderr_tail()) for p in procs]
    shown = ", ".join(f"{s:.2f}x" if s is not None else "?" for s in speeds)
    slow = any(s is not None and s < 0.97 for s in speeds)
    note = f"speed {shown}" + (" (fell behind real time: CPU is a lower bound)" if slow else "")
    return Phase("old design (libx264 RTP + libx264 HLS)", len(names), wall, cpu, note)


def _last_speed(tail: Sequence[str]) -> float | None:
    for line in reversed(tail):
        _, found, rest = line.rpartition("speed=")
        if found:
            with contextlib.suppress(ValueError):
                return float(rest.strip().rstrip("x"))
    return None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="4 cameras, about 20 s of measurement")
    parser.add_argument("--cameras", type=int, help="cameras for the project's recorder (16)")
    parser.add_argument("--old-cameras", type=int,
                        help="cameras for the old design (4; 2 cores cannot run it for 16)")  # fmt: skip
    parser.add_argument("--seconds", type=float, help="measured seconds per phase (60, quick 12)")
    parser.add_argument(
        "--workdir", type=Path, help="keep recordings and the camsim clip cache here"
    )
    return parser


def _print_phase(phase: Phase) -> None:
    print(f"{phase.name}: {phase.cameras} cameras x {phase.seconds:.1f} s, ffmpeg CPU "
          f"{phase.cpu_s:.2f} s = {phase.per_camera_minute:.3f} CPU-s per camera-minute"
          + (f"; {phase.note}" if phase.note else ""), flush=True)  # fmt: skip


async def _benchmark(args: argparse.Namespace, cameras: SimulatedCameras, work: Path) -> str:
    """Run both phases, print their figures; return the RESULT line."""
    names = list(cameras.cameras)
    seconds = args.seconds or (12.0 if args.quick else 60.0)
    warmup = 3.0 if args.quick else 5.0
    project, segments, lost, restarts = await run_project(
        cameras, names, seconds, warmup, work / "project"
    )
    _print_phase(project)
    print(f"project: {segments} segments listed, {lost} lost (gaps > {GAP_FACTOR} x "
          f"{DEFAULT_SEGMENT_S} s), {restarts} restarts", flush=True)  # fmt: skip
    old_count = min(len(names), args.old_cameras or (2 if args.quick else 4))
    if old_count < len(names):
        print(f"old design: run on {old_count} of {len(names)} cameras (2 cores cannot run it for all); "
              "figures are per camera-minute", flush=True)  # fmt: skip
    old = await run_old(cameras, names[:old_count], seconds * (0.6 if args.quick else 0.5),
                        warmup, work / "old")  # fmt: skip
    _print_phase(old)
    ratio = old.per_camera_minute / project.per_camera_minute if project.cpu_s > 0 else float("inf")
    met = ratio >= GOAL_RATIO and project.per_camera_minute <= GOAL_PROJECT_CPU and lost == 0
    print(f"goals (ratio >= {GOAL_RATIO:g}, project <= {GOAL_PROJECT_CPU} CPU-s per camera-minute, "
          f"no lost segment): {'met' if met else 'NOT met'}", flush=True)  # fmt: skip
    return (f"RESULT name=recording_cpu project_cpu_s_per_cam_min={project.per_camera_minute:.3f} "
            f"old_cpu_s_per_cam_min={old.per_camera_minute:.2f} ratio={ratio:.1f} "
            f"cameras={len(names)} lost_segments={lost}")  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    count = args.cameras or (4 if args.quick else 16)
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        work = args.workdir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        configs = [CameraConfig(f"cam{i}", source="loop") for i in range(1, count + 1)]
        cameras = stack.enter_context(SimulatedCameras(configs, workdir=work / "camsim"))
        print(f"camsim: {count} loop cameras 1280x720 at 25 fps, GOP 2 s, ready in "
              f"{time.monotonic() - started:.1f} s", flush=True)  # fmt: skip
        result = asyncio.run(_benchmark(args, cameras, work))
    print(f"total {time.monotonic() - started:.1f} s", flush=True)
    print(result, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
