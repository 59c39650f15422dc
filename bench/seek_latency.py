"""Seek latency benchmark: random seeks in a 24-hour recording with the console's real libVLC player.

Run from the repository root:  .venv/bin/python bench/seek_latency.py [--quick] [--seeks N] [--seed S]

1. Records a 60 s clip (640x360, 25 fps, 2 s GOP, 4 s MPEG-TS HLS segments, as the recorder writes) whose
   every frame carries camsim's timestamp code: the clip position in ms (frames drawn with camsim's code
   and caption, encoded by ffmpeg/libx264).
2. Lays the clip out 1,440 times over 24 hours with four gaps (2, 7, 13, 30 min; EXT-X-DISCONTINUITY
   after each), as one VOD playlist of 21,000+ entries with program date times. The frame shown at wall
   time t must carry the code (t - start of its minute). libVLC needs MPEG-TS timestamps that continue
   along the playlist, so the segments the player reads (around each seek target and at the start of
   each run) are copies whose PTS/DTS/PCR are shifted to their place; every other entry points at the
   clip's own segment (never read: libVLC reads from the seek target on).
3. Plays it in the console's playback view (`bench/seek_view.py`: a real `PlaybackView`, memory
   rendering, offscreen), makes N random seeks to recorded times (each followed by one near it) and
   measures, per seek, the time from the seek to the first picture the view shows at the new position
   (its code within 1.5 s of the expected one) and that picture's error (its code minus the code of the
   frame at the target). The view shows the target's still (decoded by the console) until libVLC is
   there: these are the RESULT's p50, p95 and max_error figures.
   The same seeks with `VlcPlayer` alone (libVLC's own first picture) give the `player_*` figures.
4. Times the hover thumbnail: look up a preview by time bucket and decode its JPEG (320x180) into a
   QImage scaled for the popup, then a QPixmap.
5. Paused seeks: the still the console decodes while paused (`StillFrames`, what the view shows instead
   of libVLC's paused picture) for the same targets: the time from the request to the decoded picture
   and its error against the frame whose interval holds the target (`paused_*` figures).

Last line:  RESULT name=seek_latency p50_ms=<n> p95_ms=<n> max_error_ms=<n> preview_ms=<n>
Goals: p50 <= 150 ms, p95 <= 300 ms, |error| <= 40 ms (one frame at 25 fps), preview (p95) <= 16 ms.
"""

from __future__ import annotations

import argparse
import bisect
import functools
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/seek_latency.py`
    sys.path.insert(0, str(ROOT))

from PySide6.QtGui import QImage, QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from backend_embed.api import PlaylistEntry  # noqa: E402
from bench.seek_view import ViewSeek, measure_view_seeks  # noqa: E402
from camsim.timecode import decode_luma  # noqa: E402
from tests.helpers.playback_fakes import CallQueue, FramePlayerLog  # noqa: E402
from tests.helpers.recordings import (  # noqa: E402
    EncodeSettings,
    PlacedSegment,
    SegmentFile,
    encode_span,
    write_playlist,
)
from vas_console.core.playclock import PlaylistMap  # noqa: E402
from vas_console.media.still_frames import Still, StillFrames  # noqa: E402
from vas_console.media.vlc_player import LOAD_BACK_MS, PlayerState, VlcInstance  # noqa: E402
from vas_console.ui.playback.preview_cache import bucket_size, decode_thumbnail  # noqa: E402

DAY_START = 1_700_000_000_000 - 1_700_000_000_000 % 3_600_000
MINUTE = 60_000
CLIP_MS = MINUTE
SEGMENT_MS = 4000
GAPS = ((3 * 60, 2), (9 * 60, 7), (15 * 60, 13), (20 * 60, 30))
"""(start minute, length in minutes) of the day's gaps."""
SETTINGS = EncodeSettings(width=640, height=360, fps=25, gop=50, segment_s=4, caption="CAM1 MAIN")
READ_AHEAD = 12
"""Segments after a seek target given true timestamps (libVLC reads a few ahead)."""
MATCH_MS = 1500
LOCAL_MS = 10 * MINUTE
"""Every random seek is followed by one within this distance (scrubbing, jumps, nearby clicks)."""
GOALS = {"p50_ms": 150, "p95_ms": 300, "max_error_ms": 40, "preview_ms": 16}


@dataclass(frozen=True, slots=True)
class Day:
    playlist: Path
    entries: tuple[PlaylistEntry, ...]
    recorded_minutes: list[int]


def expected_code(wall_ms: int) -> int:
    """The code the frame at `wall_ms` carries: its position in the clip laid at the minute's start."""
    return (wall_ms - DAY_START) % CLIP_MS


def build_day(workdir: Path, targets_per_day: int, seed: int) -> tuple[Day, list[int]]:
    """The 24-hour playlist and `targets_per_day` random recorded wall times to seek to."""
    started = time.perf_counter()
    clip = encode_span(workdir / "clip", "clip", 0, CLIP_MS * SETTINGS.fps // 1000, SETTINGS)
    print(f"clip: {len(clip)} segments in {time.perf_counter() - started:.1f} s")
    gap_minutes = {m for start, length in GAPS for m in range(start, start + length)}
    minutes = [m for m in range(24 * 60) if m not in gap_minutes]
    rng = random.Random(seed)
    recorded = set(minutes)
    targets = [DAY_START + rng.choice(minutes) * MINUTE + rng.randrange(CLIP_MS)]
    for _ in range(targets_per_day):
        far = DAY_START + rng.choice(minutes) * MINUTE + rng.randrange(CLIP_MS)
        near = far + rng.choice((-1, 1)) * rng.randrange(20_000, LOCAL_MS)
        if (near - DAY_START) // MINUTE not in recorded:
            near = far - (near - far)
        targets += [far, near]  # a seek anywhere in the day, then one near it (an operator's next)
    layout: list[tuple[int, SegmentFile, bool]] = []  # (start, clip segment, discontinuity)
    previous = -2
    for minute in minutes:
        for index, segment in enumerate(clip):
            first = index == 0 and minute != previous + 1
            layout.append((DAY_START + minute * MINUTE + segment.first_code_ms, segment, first))
        previous = minute
    starts = [start for start, _, _ in layout]
    needed = _needed_entries(layout, starts, targets)
    placed = _place(workdir, layout, needed, clip)
    path = workdir / "day.m3u8"
    entries = write_playlist(path, placed)
    print(f"day: {len(entries)} entries, {len(needed)} segments retimed, "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    return Day(path, entries, minutes), targets


def _needed_entries(
    layout: list[tuple[int, SegmentFile, bool]], starts: list[int], targets: list[int]
) -> set[int]:
    """Entries the player reads for these targets: the start of the stretch of the run it loads for
    each (`LOAD_BACK_MS` before), the run starts, and the segments around each target."""
    run_of: list[int] = []  # index of each entry's run start
    for index, (_, _, first) in enumerate(layout):
        run_of.append(index if index == 0 or first else run_of[-1])
    needed: set[int] = set()
    for index, (_, _, first) in enumerate(layout):
        if index == 0 or first:
            needed.update(range(index, index + READ_AHEAD))
    for target in targets:
        index = bisect.bisect_right(starts, target) - 1
        back = max(run_of[index], bisect.bisect_right(starts, target - LOAD_BACK_MS) - 1)
        needed.update(range(back, back + READ_AHEAD))
        needed.update(range(max(0, index - 2), index + READ_AHEAD))
    return {i for i in needed if i < len(layout)}


def _place(
    workdir: Path,
    layout: list[tuple[int, SegmentFile, bool]],
    needed: set[int],
    clip: list[SegmentFile],
) -> list[PlacedSegment]:
    retimed = workdir / "retimed"
    retimed.mkdir()
    placed = []
    offset = 0
    for index, (start, segment, first) in enumerate(layout):
        if index in needed:
            shift_ms = offset - segment.first_code_ms
            data = shift_timestamps(segment.path.read_bytes(), shift_ms * 90)
            path = retimed / f"seg{index:05d}.ts"
            path.write_bytes(data)
            segment = SegmentFile(path, segment.duration_ms, segment.first_code_ms)
        placed.append(PlacedSegment(segment, start, first))
        offset += segment.duration_ms
    return placed


def _read_ts(b: bytes | bytearray, at: int) -> int:
    return (
        (((b[at] >> 1) & 0x07) << 30)
        | (b[at + 1] << 22)
        | (((b[at + 2] >> 1) & 0x7F) << 15)
        | (b[at + 3] << 7)
        | ((b[at + 4] >> 1) & 0x7F)
    )


def _write_ts(b: bytearray, at: int, value: int) -> None:
    value &= (1 << 33) - 1
    prefix = b[at] & 0xF0
    b[at] = prefix | (((value >> 30) & 0x07) << 1) | 1
    b[at + 1] = (value >> 22) & 0xFF
    b[at + 2] = (((value >> 15) & 0x7F) << 1) | 1
    b[at + 3] = (value >> 7) & 0xFF
    b[at + 4] = ((value & 0x7F) << 1) | 1


def shift_timestamps(data: bytes, ticks: int) -> bytes:
    """Shift every PCR, PTS and DTS of an MPEG-TS byte string by `ticks` (90 kHz)."""
    out = bytearray(data)
    for pos in range(0, len(out) - 187, 188):
        if out[pos] != 0x47:
            raise ValueError(f"lost MPEG-TS sync at byte {pos}")
        afc = (out[pos + 3] >> 4) & 3
        payload = pos + 4
        if afc & 2:
            af_len = out[pos + 4]
            if af_len and out[pos + 5] & 0x10:  # PCR: 33-bit base, 6 reserved bits, 9-bit extension
                at = pos + 6
                base = int.from_bytes(out[at : at + 4], "big") << 1 | out[at + 4] >> 7
                base = (base + ticks) & ((1 << 33) - 1)
                out[at : at + 4] = (base >> 1).to_bytes(4, "big")
                out[at + 4] = (out[at + 4] & 0x7F) | ((base & 1) << 7)
            payload += 1 + af_len
        start = out[pos + 1] & 0x40
        if afc & 1 and start and out[payload : payload + 3] == b"\x00\x00\x01":
            flags = out[payload + 7] >> 6
            if flags & 2:
                _write_ts(out, payload + 9, _read_ts(out, payload + 9) + ticks)
            if flags == 3:
                _write_ts(out, payload + 14, _read_ts(out, payload + 14) + ticks)
    return bytes(out)


@dataclass(frozen=True, slots=True)
class Seek:
    local: bool
    target_ms: int
    latency_ms: float | None
    error_ms: int | None
    cross_run: bool


def ring_distance(a: int, b: int) -> int:
    d = abs(a - b) % CLIP_MS
    return min(d, CLIP_MS - d)


def measure_seeks(day: Day, targets: list[int], settle_s: float) -> list[Seek]:
    """Open the day at the first target, then seek to each of the others in turn."""
    instance = VlcInstance()
    calls = CallQueue()
    frames = FramePlayerLog()
    player = instance.new_player(calls.post, lambda _event: None)
    player.render_to_memory(SETTINGS.width, SETTINGS.height, frames)
    mapping = PlaylistMap(day.entries)
    results: list[Seek] = []
    try:
        opened = time.perf_counter()
        first = mapping.offset_at(targets[0])
        player.open(str(day.playlist), day.entries, first or 0)
        if not calls.pump(lambda: player.state is PlayerState.PLAYING and frames.count() > 0, 10):
            raise RuntimeError("libVLC did not start playing the day's playlist")
        print(f"open: first picture after {1000 * (time.perf_counter() - opened):.0f} ms")
        calls.pump(lambda: False, settle_s)
        for number, target in enumerate(targets[1:]):
            results.append(_seek_once(player, calls, frames, mapping, target, number % 2 == 1))
            calls.pump(lambda: False, settle_s)
    finally:
        player.close()
        instance.close()
    return results


def _seek_once(  # type: ignore[no-untyped-def]
    player, calls: CallQueue, frames: FramePlayerLog, mapping: PlaylistMap, target: int, local: bool
) -> Seek:
    offset = mapping.offset_at(target)
    assert offset is not None
    shown = frames.frames[-1].code_ms if frames.count() else None
    expected = expected_code(target)
    if shown is not None and ring_distance(shown, expected) < 5 * MATCH_MS:
        target = (
            target + CLIP_MS // 2
            if mapping.contains(target + CLIP_MS // 2)
            else target - CLIP_MS // 2
        )
        offset = mapping.offset_at(target)
        assert offset is not None
        expected = expected_code(target)
    generation = player._generation
    start = frames.count()
    requested = time.monotonic()
    player.seek(offset)
    cross_run = player._generation != generation  # a new media was loaded

    def arrived():  # type: ignore[no-untyped-def]
        return next(
            (
                f
                for f in frames.since(start)
                if f.code_ms is not None and ring_distance(f.code_ms, expected) <= MATCH_MS
            ),
            None,
        )

    if not calls.pump(lambda: arrived() is not None, 5.0):
        print(f"missed: offset {offset} run {mapping.run_at(offset)} shown "
              f"{[f.code_ms for f in frames.since(start)][:5]} expected {expected}")  # fmt: skip
        return Seek(local, target, None, None, cross_run)
    frame = arrived()
    assert frame is not None
    assert frame.code_ms is not None
    error = (frame.code_ms - expected + CLIP_MS // 2) % CLIP_MS - CLIP_MS // 2
    if abs(error) > 40:
        calls.pump(lambda: False, 0.3)
        seen = [
            (round(1000 * (f.at - requested)), None if f.code_ms is None else f.code_ms - expected)
            for f in frames.since(start)
        ][:8]
        print(f"  error {error}: local {offset - player._base_ms} frames {seen}")
    return Seek(local, target, 1000 * (frame.at - requested), error, cross_run)


def measure_stills(day: Day, targets: list[int]) -> list[tuple[float, int]]:
    """Per target: ms from the request to the still, and its code minus the frame at the target."""
    calls = CallQueue()
    stills = StillFrames(calls.post, 1280, 720)
    stills.open(str(day.playlist), day.entries)
    frame_ms = 1000 // SETTINGS.fps
    results: list[tuple[float, int]] = []
    try:
        for target in targets:
            got: list[Still | None] = []
            started = time.monotonic()
            stills.request(target, functools.partial(_keep, got))
            if not calls.pump(functools.partial(bool, got), 5.0) or got[0] is None:
                raise RuntimeError(f"no still at {target}")
            latency = 1000 * (time.monotonic() - started)
            frame = got[0].frame
            code = decode_luma(frame.data[1::4], frame.width, frame.height)
            expected = expected_code(target) // frame_ms * frame_ms
            error = -CLIP_MS if code is None else ring_signed(code - expected)
            results.append((latency, error))
    finally:
        stills.close()
    return results


def _keep(box: list[Still | None], still: Still | None, _message: str | None) -> None:
    box.append(still)


def ring_signed(delta: int) -> int:
    return (delta + CLIP_MS // 2) % CLIP_MS - CLIP_MS // 2


def measure_preview(workdir: Path, rounds: int) -> list[float]:
    """Lookup by time bucket + decode of a 320x180 preview JPEG into a popup QImage and a QPixmap."""
    app = QApplication.instance() or QApplication([])
    image = QImage(SETTINGS.width, SETTINGS.height, QImage.Format.Format_RGB32)
    image.fill(0x3060C0)
    previews: dict[int, str] = {}
    for n in range(64):
        path = workdir / f"preview{n}.jpg"
        image.scaled(320, 180).save(str(path), "JPEG", 85)
        previews[n] = str(path)
    size = bucket_size(3_600_000)
    times: list[float] = []
    for n in range(rounds):
        started = time.perf_counter()
        path = previews[(DAY_START + n * size) // size % 64]
        thumb = decode_thumbnail(path, 320, 180)
        pixmap = QPixmap.fromImage(thumb)
        times.append(1000 * (time.perf_counter() - started))
        assert not pixmap.isNull()
    del app
    return times


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def summarize_view(view: list[ViewSeek]) -> tuple[dict[str, float], int]:
    """The view's figures (what the operator sees) and the number of its seeks that never landed."""
    landed = [s for s in view if s.latency_ms is not None and s.error_ms is not None]
    far = [s.latency_ms for s in landed if not s.local and s.latency_ms is not None]
    near = [s.latency_ms for s in landed if s.local and s.latency_ms is not None]
    exact = [s for s in landed if s.error_ms is not None and -40 < s.error_ms <= 0]
    for name, values in (("anywhere", far), ("near", near)):
        if values:
            print(f"view {name:>8}: n={len(values)} p50 {statistics.median(values):.0f} ms "
                  f"p95 {percentile(values, 0.95):.0f} ms max {max(values):.0f} ms")  # fmt: skip
    errors = sorted({s.error_ms for s in landed if s.error_ms is not None})
    print(
        f"view: first picture is the target frame in {len(exact)}/{len(landed)} seeks; errors {errors}"
    )
    figures: dict[str, float] = {
        "p50_ms": round(statistics.median(far)) if far else -1,
        "p95_ms": round(percentile(far, 0.95)) if far else -1,
        "max_error_ms": max((abs(e) for e in errors), default=-1),
        "near_p50_ms": round(statistics.median(near)) if near else -1,
        "near_p95_ms": round(percentile(near, 0.95)) if near else -1,
        "exact_pct": round(100 * len(exact) / len(landed)) if landed else -1,
    }
    return figures, len(view) - len(landed)


def summarize(
    results: list[Seek], previews: list[float], stills: list[tuple[float, int]]
) -> tuple[dict[str, float], int]:
    """libVLC alone (`player_*`), the hover preview and paused stills; the number of libVLC's seeks that
    never landed."""
    print("libVLC alone (VlcPlayer, its own first picture):")
    for n, seek in enumerate(results, 1):
        latency = "missed" if seek.latency_ms is None else f"{seek.latency_ms:6.1f} ms"
        kind = ("near the last" if seek.local else "anywhere") + (
            ", new media" if seek.cross_run else ""
        )
        print(f"seek {n:3d}: {latency}  error {seek.error_ms} ms  ({kind})")
    landed = [s for s in results if s.latency_ms is not None and s.error_ms is not None]
    far = [s.latency_ms for s in landed if not s.local and s.latency_ms is not None]
    near = [s.latency_ms for s in landed if s.local and s.latency_ms is not None]
    loads = [s.latency_ms for s in landed if s.cross_run and s.latency_ms is not None]
    kept = [s.latency_ms for s in landed if not s.cross_run and s.latency_ms is not None]
    for name, values in (
        ("anywhere", far),
        ("near", near),
        ("new media", loads),
        ("same media", kept),
    ):
        if values:
            print(f"{name:>10}: n={len(values)} p50 {statistics.median(values):.0f} ms "
                  f"p95 {percentile(values, 0.95):.0f} ms max {max(values):.0f} ms")  # fmt: skip
    exact = [s for s in landed if s.error_ms is not None and 0 <= s.error_ms < 40]
    early = [s for s in landed if s.error_ms is not None and s.error_ms < 0]
    print(f"first picture at the target frame: {len(exact)}/{len(landed)}; before it (libVLC showed the "
          f"GOP's keyframe first, then the target): {len(early)}")  # fmt: skip
    print(
        f"preview: median {statistics.median(previews):.2f} ms, p95 {percentile(previews, 0.95):.2f} ms"
    )
    still_ms = [latency for latency, _ in stills]
    still_exact = sum(1 for _, error in stills if error == 0)
    print(f"paused (stills): n={len(stills)} p50 {statistics.median(still_ms):.0f} ms "
          f"p95 {percentile(still_ms, 0.95):.0f} ms; exact frame {still_exact}/{len(stills)}, "
          f"errors {sorted({error for _, error in stills})}")  # fmt: skip
    figures: dict[str, float] = {
        "preview_ms": round(percentile(previews, 0.95), 1),
        "player_p50_ms": round(statistics.median(far)) if far else -1,
        "player_p95_ms": round(percentile(far, 0.95)) if far else -1,
        "player_max_error_ms": max(
            (abs(s.error_ms) for s in landed if s.error_ms is not None), default=-1
        ),
        "player_exact_pct": round(100 * len(exact) / len(landed)) if landed else -1,
        "paused_p50_ms": round(statistics.median(still_ms)),
        "paused_p95_ms": round(percentile(still_ms, 0.95)),
        "paused_max_error_ms": max(abs(error) for _, error in stills),
    }
    return figures, len(results) - len(landed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="20 + 20 seeks, shorter pauses (< 45 s)"
    )
    parser.add_argument(
        "--seeks", type=int, default=None, help="random seeks (each followed by a near one)"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    seeks = args.seeks or (20 if args.quick else 50)
    settle = 0.25 if args.quick else 0.5
    with tempfile.TemporaryDirectory(prefix="seek-bench-") as tmp:
        workdir = Path(tmp)
        day, targets = build_day(workdir, seeks, args.seed)
        results = measure_seeks(day, targets, settle)
        view = measure_view_seeks(
            day.playlist,
            day.entries,
            targets,
            expected_code,
            lambda a, b: ring_signed(a - b),
            PlaylistMap(day.entries).contains,
            settle,
        )
        stills = measure_stills(day, targets[1:])
        previews = measure_preview(workdir, 100)
    player, missed = summarize(results, previews, stills)
    figures, view_missed = summarize_view(view)
    figures = {**figures, "preview_ms": player.pop("preview_ms"), **player}
    missed += view_missed
    for name, goal in GOALS.items():
        verdict = "ok" if 0 <= figures[name] <= goal else "MISSED"
        print(f"{name}: {figures[name]} (goal <= {goal}) {verdict}")
    fields = " ".join(f"{k}={v}" for k, v in figures.items())
    print(f"RESULT name=seek_latency {fields} missed={missed}")
    return 0 if missed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
