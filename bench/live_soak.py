"""Live wall soak: a 4x4 wall for many minutes while cameras drop out and operators change the wall.

Run from the repository root:  .venv/bin/python bench/live_soak.py [--quick] [--minutes M]
The app's own wiring, as `bench/live_grid.py --embedded`: 16 camsim loop cameras, the recording host in a
child process (ProcessBackend) recording every main stream, and a 4x4 LiveWall of the sub streams on the
console's worker loop, offscreen. An operator's shift is hours; what a one-minute benchmark cannot see is
what grows: memory, file descriptors, threads, ffmpeg processes, RTSP sessions at the cameras.

Every `--churn` seconds one event, in turn:
  outage     one camera stops answering for 6 s (its tile shows why, then recovers by itself);
  layout     the wall goes to 2x2 and back to 4x4 (12 sessions end, 12 new ones start);
  maximise   one tile fills the wall (its main stream) and goes back (its sub stream).
Every `--sample` seconds it records the console's and the host's RSS, open files and threads, the host's
ffmpeg processes, the sessions at the simulator, and the lowest painted fps of a tile since the last sample.

After the warm-up (the first fifth of the run) the growth per hour of each process's RSS is the slope of
a least-squares line through the samples; descriptors, threads, ffmpeg processes and sessions are compared
between the first sample after the warm-up and the last, taken once every tile is live again after the
last event. The last line is:
    RESULT name=live_soak minutes=<n> console_rss_mb_per_h=<n> host_rss_mb_per_h=<n> console_settled_growth_mb=<n> host_settled_growth_mb=<n> fd_growth=<n> thread_growth=<n> ffmpeg_growth=<n> session_growth=<n> events=<n> recovered=<n>
The settled growth compares two samples taken after 65 s without events (before the first, after the
last), when each process's heap trimmer has run: what the churn left held. The slopes run through
every sample, peaks after events included, so a short run overstates them.
Goals: no growth in descriptors, threads, ffmpeg processes or sessions (0), every event recovered from,
and a settled growth that does not rise with the length of the run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/live_soak.py`
    sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

from backend_embed.api import StreamRole  # noqa: E402

# the recorder side and the wall are built as the grid benchmark builds them
from bench import live_grid  # noqa: E402

OUTAGE_S = 6.0
#: quiet time before the settled samples: longer than the heap trimmers' minute
SETTLE_S = 65.0
#: how long a tile may take to be live again after an event before the event counts as not recovered
RECOVER_TIMEOUT_S = 45.0
EVENTS = ("outage", "layout", "maximise")


@dataclass(frozen=True)
class Sample:
    at_s: float
    console_rss_mb: float
    host_rss_mb: float
    console_fds: int
    host_fds: int
    console_threads: int
    host_threads: int
    ffmpeg: int
    sessions: int
    #: the lowest painted fps of a tile since the previous sample, of the tiles that were there then
    #: (None: none was, the layout changed in between)
    min_tile_fps: float | None


@dataclass
class Soak:
    samples: list[Sample] = field(default_factory=list)
    #: taken after `SETTLE_S` without events before the first event and after the last: both processes'
    #: heap trimmers (one a minute) have run, so these compare what is held, not a burst's leftovers
    settled: list[Sample] = field(default_factory=list)
    events: list[tuple[str, float | None]] = field(default_factory=list)
    """Each event and how long the wall took to be all live again (None: not within the timeout)."""


def _process_figures(proc: psutil.Process) -> tuple[float, int, int]:
    with proc.oneshot():
        return proc.memory_info().rss / 1e6, proc.num_fds(), proc.num_threads()


def _ffmpeg_count(host: psutil.Process) -> int:
    return sum(
        1
        for child in host.children(recursive=True)
        if child.is_running() and child.name().startswith("ffmpeg")
    )


#: a tile counts as live again once it is LIVE and has painted this many pictures since the event ended
FRESH_PICTURES = 10


async def _until_live(wall: Any, count: int, since: float) -> float | None:
    """Wait until the first `count` tiles are LIVE and each painted `FRESH_PICTURES` new pictures.

    Returns the seconds from `since`, or None if not within `RECOVER_TIMEOUT_S`.
    """
    from vas_console.media.live import LiveState

    tiles = wall.tiles[:count]
    before = {id(t): t.painted_frames for t in tiles}

    def live() -> bool:
        return all(
            t.status is not None
            and t.status.state is LiveState.LIVE
            and t.painted_frames - before.get(id(t), 0) >= FRESH_PICTURES
            for t in tiles
        )

    try:
        await live_grid.until(live, RECOVER_TIMEOUT_S, "every tile live")
    except TimeoutError:
        return None
    return time.monotonic() - since


async def _event(kind: str, number: int, wall: Any, side: Any, count: int) -> float | None:
    """Run one event; how long until every tile was live again after it ended (None: not in time)."""
    from vas_console.core.layouts import LayoutKind

    index = number % count
    if kind == "outage":
        await asyncio.to_thread(side.cameras.fault, side.names[index], OUTAGE_S)
        shown: set[str] = set()
        ends = time.monotonic() + OUTAGE_S
        while time.monotonic() < ends:
            status = wall.tiles[index].status
            if status is not None:
                shown.add(status.state.name.lower())
            await asyncio.sleep(0.1)
        print(f"  tile {index + 1} during the outage: {', '.join(sorted(shown))}", flush=True)
    elif kind == "layout":
        wall.set_layout(LayoutKind.GRID_2X2)
        await asyncio.sleep(3.0)
        wall.set_layout(LayoutKind.GRID_4X4)
    else:
        wall.toggle_maximised(index)
        await asyncio.sleep(5.0)
        wall.toggle_maximised(index)
    return await _until_live(wall, count, time.monotonic())


async def _sample(
    started: float,
    wall: Any,
    side: Any,
    host: psutil.Process,
    painted: dict[Any, tuple[int, float]],
) -> Sample:
    """A sample; `painted` (tile -> frames painted, when) is replaced for the next one."""
    console = psutil.Process()
    c_rss, c_fds, c_threads = _process_figures(console)
    h_rss, h_fds, h_threads = _process_figures(host)
    sessions = await side.ask("sessions")
    now = time.monotonic()
    fps = []
    shown: dict[Any, tuple[int, float]] = {}
    for tile in wall.tiles:
        if tile.camera_name is None:
            continue
        before = painted.get(tile)
        if before is not None and now > before[1]:
            fps.append((tile.painted_frames - before[0]) / (now - before[1]))
        shown[tile] = (tile.painted_frames, now)
    painted.clear()  # tiles a layout change deleted are not kept
    painted.update(shown)
    return Sample(
        at_s=now - started,
        console_rss_mb=c_rss,
        host_rss_mb=h_rss,
        console_fds=c_fds,
        host_fds=h_fds,
        console_threads=c_threads,
        host_threads=h_threads,
        ffmpeg=_ffmpeg_count(host),
        sessions=sum(c["main"] + c["sub"] for c in sessions["sessions"].values()),
        min_tile_fps=min(fps) if fps else None,
    )


async def soak(args: argparse.Namespace) -> Soak:
    result = Soak()
    count = args.cameras
    with tempfile.TemporaryDirectory(prefix="live-soak-") as tmp:
        root = Path(tmp)
        async with (
            live_grid.embedded_side(count, StreamRole.MAIN, root, False, True) as side,
            live_grid.wall_on(side, root, count) as wall,
        ):
            host = psutil.Process(side.host.pid)
            await wall.restore()
            if await _until_live(wall, count, time.monotonic()) is None:
                raise RuntimeError(
                    f"the {count} tiles were not all live within {RECOVER_TIMEOUT_S} s"
                )
            started = time.monotonic()
            painted: dict[Any, tuple[int, float]] = {}
            await asyncio.sleep(SETTLE_S)
            result.settled.append(await _sample(started, wall, side, host, painted))
            print(_sample_line(result.settled[0]) + " (settled)", flush=True)
            end = time.monotonic() + args.minutes * 60
            now = time.monotonic()
            next_sample, next_event, number = now + args.sample, now + args.churn, 0
            while time.monotonic() < end:
                now = time.monotonic()
                if now >= next_sample:
                    sample = await _sample(started, wall, side, host, painted)
                    result.samples.append(sample)
                    print(_sample_line(sample), flush=True)
                    next_sample += args.sample
                if now >= next_event and end - now > RECOVER_TIMEOUT_S:
                    kind = EVENTS[number % len(EVENTS)]
                    took = await _event(kind, number, wall, side, count)
                    result.events.append((kind, took))
                    print(f"event {number + 1} {kind}: " + _took(took), flush=True)
                    number += 1
                    next_event = time.monotonic() + args.churn
                await asyncio.sleep(0.5)
            await _until_live(wall, count, time.monotonic())
            await asyncio.sleep(SETTLE_S)
            final = await _sample(started, wall, side, host, painted)
            result.samples.append(final)
            result.settled.append(final)
            print(_sample_line(final) + " (final, settled)", flush=True)
    return result


def _took(took: float | None) -> str:
    return f"all live again {took:.1f} s after" if took is not None else "NOT all live again"


def _sample_line(s: Sample) -> str:
    return (
        f"{s.at_s / 60:6.1f} min  console {s.console_rss_mb:5.0f} MB {s.console_fds:4d} fds "
        f"{s.console_threads:3d} threads | host {s.host_rss_mb:5.0f} MB {s.host_fds:4d} fds "
        f"{s.host_threads:3d} threads, {s.ffmpeg} ffmpeg | {s.sessions} sessions | "
        + (f"min tile {s.min_tile_fps:4.1f} fps" if s.min_tile_fps is not None else "min tile n/a")
    )


def slope_per_hour(points: list[tuple[float, float]]) -> float:
    """The least-squares slope of (seconds, value) points, per hour (0 for fewer than two)."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var = sum((x - mean_x) ** 2 for x, _ in points)
    if var == 0:
        return 0.0
    cov = sum((x - mean_x) * (y - mean_y) for x, y in points)
    return cov / var * 3600


def summarise(result: Soak, minutes: float) -> str:
    warm = [s for s in result.samples if s.at_s >= minutes * 60 / 5] or result.samples
    first, last = warm[0], result.samples[-1]
    console = slope_per_hour([(s.at_s, s.console_rss_mb) for s in warm])
    host = slope_per_hour([(s.at_s, s.host_rss_mb) for s in warm])
    fds = (last.console_fds - first.console_fds) + (last.host_fds - first.host_fds)
    threads = (last.console_threads - first.console_threads) + (
        last.host_threads - first.host_threads
    )
    recovered = [took for _, took in result.events if took is not None]
    calm_before, calm_after = result.settled[0], result.settled[-1]
    console_held = calm_after.console_rss_mb - calm_before.console_rss_mb
    host_held = calm_after.host_rss_mb - calm_before.host_rss_mb
    print(
        f"settled (a quiet {SETTLE_S:.0f} s before the first event and after the last): console "
        f"{calm_before.console_rss_mb:.0f} -> {calm_after.console_rss_mb:.0f} MB, host "
        f"{calm_before.host_rss_mb:.0f} -> {calm_after.host_rss_mb:.0f} MB"
    )
    print(f"samples after the warm-up: {len(warm)}, from {first.at_s / 60:.1f} min")
    print(
        f"console RSS {first.console_rss_mb:.0f} -> {last.console_rss_mb:.0f} MB, "
        f"{console:+.1f} MB/h ({console / max(first.console_rss_mb, 1) * 100:+.2f} %/h)"
    )
    print(
        f"host RSS {first.host_rss_mb:.0f} -> {last.host_rss_mb:.0f} MB, "
        f"{host:+.1f} MB/h ({host / max(first.host_rss_mb, 1) * 100:+.2f} %/h)"
    )
    print(
        f"open files: console {first.console_fds} -> {last.console_fds}, "
        f"host {first.host_fds} -> {last.host_fds}"
    )
    print(
        f"threads: console {first.console_threads} -> {last.console_threads}, "
        f"host {first.host_threads} -> {last.host_threads}"
    )
    print(
        f"ffmpeg processes {first.ffmpeg} -> {last.ffmpeg}, sessions {first.sessions} -> {last.sessions}"
    )
    for kind in EVENTS:
        times = [took for k, took in result.events if k == kind]
        ok = [t for t in times if t is not None]
        spread = f", all live again after {min(ok):.1f}-{max(ok):.1f} s" if ok else ""
        print(f"{kind}: {len(ok)} of {len(times)} recovered{spread}")
    steady = [s.min_tile_fps for s in result.samples[1:-1] if s.min_tile_fps is not None]
    if steady:
        print(f"lowest tile fps per sample: {min(steady):.1f}-{max(steady):.1f} (events included)")
    return (
        f"RESULT name=live_soak minutes={minutes:g} console_rss_mb_per_h={console:.1f} "
        f"host_rss_mb_per_h={host:.1f} console_settled_growth_mb={console_held:.0f} "
        f"host_settled_growth_mb={host_held:.0f} fd_growth={fds} thread_growth={threads} "
        f"ffmpeg_growth={last.ffmpeg - first.ffmpeg} session_growth={last.sessions - first.sessions} "
        f"events={len(result.events)} recovered={len(recovered)}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="3 minutes of events, one every 20 s (about 5.5 in all with the settle phases)",
    )
    parser.add_argument("--minutes", type=float, help="soak length (default 30, quick 3)")
    parser.add_argument("--churn", type=float, help="seconds between events (default 60, quick 20)")
    parser.add_argument(
        "--sample", type=float, help="seconds between samples (default 30, quick 10)"
    )
    parser.add_argument("--cameras", type=int, default=16, help="cameras and tiles (4..16)")
    args = parser.parse_args()
    args.minutes = args.minutes or (3.0 if args.quick else 30.0)
    args.churn = args.churn or (20.0 if args.quick else 60.0)
    args.sample = args.sample or (10.0 if args.quick else 30.0)
    if not 4 <= args.cameras <= 16:
        parser.error("--cameras must be 4..16 (the layout event goes to 2x2 and back)")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiortc").setLevel(logging.ERROR)
    from PySide6.QtWidgets import QApplication

    from vas_console.ui.aio import run_app

    app = QApplication(sys.argv[:1])
    started = time.monotonic()
    result = run_app(soak(args))
    del app
    line = summarise(result, args.minutes)
    print(f"total {time.monotonic() - started:.0f} s")
    print(line)
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
