"""Preview names, the per-day listing and its cache, removal with segments, and which segments get one.

Real: files in a temporary folder (empty JPEG stand-ins: only names matter here). Fake: the renderer of
`PreviewMaker`, which records what it was asked to make instead of decoding.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from backend_embed.api.dto import StreamRole
from backend_embed.recording.previews import (
    PreviewIndex,
    PreviewMaker,
    first_access_unit,
    parse_preview_name,
    preview_name,
    remove_previews,
)
from backend_embed.recording.segments import SegmentInfo, SegmentRecord

DAY_START = 1_700_006_400_000  # 2023-11-15T00:00:00Z
DAY = "2023-11-15"
MAIN, SUB = StreamRole.MAIN, StreamRole.SUB


def put(root: Path, camera_id: int, day: str, stream: StreamRole, time_ms: int) -> Path:
    """An (empty) preview file where the maker would write it."""
    folder = root / str(camera_id) / day / "previews"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / preview_name(stream, time_ms, 160, 90)
    path.touch()
    return path


def age(path: Path, seconds: float = 10.0) -> None:
    """Make a folder look modified `seconds` ago (the index re-lists folders touched in the last 2 s)."""
    stamp = os.stat(path).st_mtime - seconds
    os.utime(path, (stamp, stamp))


def test_names_round_trip_with_milliseconds_and_size() -> None:
    name = preview_name(SUB, DAY_START + 3_723_045, 160, 120)

    assert name == "sub-20231115T010203.045Z-160x120.jpg"
    parsed = parse_preview_name(name)
    assert parsed is not None
    assert (parsed.stream, parsed.time_ms, parsed.width, parsed.height) == (
        SUB,
        DAY_START + 3_723_045,
        160,
        120,
    )


@pytest.mark.parametrize(
    "name",
    [
        "main-20231115T010203Z-160x90.jpg",
        "main-20231115T010203.045Z-160x90.png",
        "zoom-20231115T010203.045Z-160x90.jpg",
        "main-20231399T010203.045Z-160x90.jpg",
        ".main-20231115T010203.045Z-160x90.jpg.tmp",
    ],
    ids=["no-ms", "png", "unknown-stream", "bad-date", "temporary"],
)
def test_other_names_are_not_previews(name: str) -> None:
    assert parse_preview_name(name) is None


def test_listing_spans_days_filters_streams_and_ignores_other_files(tmp_path: Path) -> None:
    late = put(tmp_path, 7, "2023-11-14", MAIN, DAY_START - 4000)
    put(tmp_path, 7, DAY, MAIN, DAY_START + 4000)
    put(tmp_path, 7, DAY, SUB, DAY_START + 6000)
    put(tmp_path, 7, DAY, MAIN, DAY_START + 12_000)
    put(tmp_path, 8, DAY, MAIN, DAY_START + 5000)
    (tmp_path / "7" / DAY / "previews" / "notes.txt").touch()
    index = PreviewIndex(tmp_path)

    every = index.list_previews(7, DAY_START - 10_000, DAY_START + 12_000)
    main = index.list_previews(7, DAY_START - 10_000, DAY_START + 60_000, MAIN)

    assert [p.time_ms - DAY_START for p in every] == [-4000, 4000, 6000]
    assert [p.time_ms - DAY_START for p in main] == [-4000, 4000, 12_000]
    assert every[0].path == str(late)
    assert (every[0].camera_id, every[0].width, every[0].height) == (7, 160, 90)
    assert index.list_previews(9, DAY_START, DAY_START + 60_000) == []


def test_a_cached_day_is_listed_again_only_when_its_folder_changes(tmp_path: Path) -> None:
    put(tmp_path, 1, DAY, MAIN, DAY_START + 1000)
    folder = tmp_path / "1" / DAY / "previews"
    age(folder)
    index = PreviewIndex(tmp_path)
    assert len(index.list_previews(1, DAY_START, DAY_START + 60_000)) == 1

    # a file the cache cannot know of (the folder's mtime put back): the cached listing is served
    stamp = os.stat(folder).st_mtime_ns
    put(tmp_path, 1, DAY, MAIN, DAY_START + 2000)
    os.utime(folder, ns=(stamp, stamp))
    assert len(index.list_previews(1, DAY_START, DAY_START + 60_000)) == 1

    put(tmp_path, 1, DAY, MAIN, DAY_START + 3000)  # moves the mtime: listed again
    assert len(index.list_previews(1, DAY_START, DAY_START + 60_000)) == 3


def test_a_folder_changed_in_the_last_seconds_is_always_listed_again(tmp_path: Path) -> None:
    put(tmp_path, 1, DAY, MAIN, DAY_START + 1000)
    folder = tmp_path / "1" / DAY / "previews"
    index = PreviewIndex(tmp_path)
    assert len(index.list_previews(1, DAY_START, DAY_START + 60_000)) == 1
    stamp = os.stat(folder).st_mtime_ns

    put(tmp_path, 1, DAY, MAIN, DAY_START + 2000)
    os.utime(folder, ns=(stamp, stamp))  # same coarse mtime, but recent

    assert len(index.list_previews(1, DAY_START, DAY_START + 60_000)) == 2


def record(
    camera_id: int, stream: StreamRole, start_ms: int, length_ms: int = 4000
) -> SegmentRecord:
    path = f"{camera_id}/{DAY}/{stream.value}-{start_ms}.ts"
    return SegmentRecord(
        start_ms, camera_id, stream, start_ms, start_ms + length_ms, length_ms, 10, path, False
    )


def test_removal_takes_the_previews_within_deleted_segments_only(tmp_path: Path) -> None:
    doomed = [put(tmp_path, 1, DAY, MAIN, DAY_START + t) for t in (0, 4100)]
    kept = [
        put(tmp_path, 1, DAY, MAIN, DAY_START + 8000),  # its segment is kept (protected)
        put(tmp_path, 1, DAY, SUB, DAY_START + 1000),  # another stream
        put(tmp_path, 2, DAY, MAIN, DAY_START + 1000),  # another camera
    ]

    removed = remove_previews(
        tmp_path, [record(1, MAIN, DAY_START), record(1, MAIN, DAY_START + 4000)]
    )

    assert removed == 2
    assert not any(p.exists() for p in doomed)
    assert all(p.exists() for p in kept)


def test_removal_drops_an_emptied_previews_folder(tmp_path: Path) -> None:
    put(tmp_path, 1, DAY, MAIN, DAY_START)

    assert remove_previews(tmp_path, [record(1, MAIN, DAY_START)]) == 1
    assert not (tmp_path / "1" / DAY / "previews").exists()
    assert remove_previews(tmp_path, [record(1, MAIN, DAY_START)]) == 0


def info(start_s: float, *, camera_id: int = 1, flagged: bool = False) -> SegmentInfo:
    start = DAY_START + round(start_s * 1000)
    return SegmentInfo(
        camera_id,
        MAIN,
        start,
        start + 4000,
        4000,
        10,
        f"{camera_id}/{DAY}/main-{start}.ts",
        flagged,
    )


class _Renders:
    """Stands in for `render_preview` (called in a worker thread): records the calls, fails for segments named
    in `missing`, and sets `settled` once `expected` calls were made."""

    def __init__(self, expected: int, missing: tuple[str, ...] = ()) -> None:
        self.calls: list[tuple[Path, int]] = []
        self.missing = missing
        self.expected = expected
        self.settled = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._count = 0

    def __call__(
        self, segment: Path, target_dir: Path, stream: StreamRole, time_ms: int, width: int
    ) -> Path | None:
        try:
            if segment.name in self.missing:
                raise FileNotFoundError(segment)
            self.calls.append((segment, time_ms))
            return target_dir / preview_name(stream, time_ms, width, 90)
        finally:
            # signalled only once this call is recorded: the test reads `calls` as soon as it is set
            self._count += 1
            if self._count == self.expected:
                self._loop.call_soon_threadsafe(self.settled.set)


async def _drain(maker: PreviewMaker, renders: _Renders) -> None:
    task = asyncio.create_task(maker.run())
    try:
        async with asyncio.timeout(5):
            await renders.settled.wait()
            # the maker counts a preview when its worker thread's result reaches the loop
            while maker.made < len(renders.calls):  # noqa: ASYNC110 - a counter, no event to wait on
                await asyncio.sleep(0.005)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_maker_previews_every_interval_and_every_recording_start(tmp_path: Path) -> None:
    renders = _Renders(expected=5)
    maker = PreviewMaker(tmp_path, interval_ms=8000, render=renders)
    segments = [info(0), info(4), info(8), info(12), info(16), info(30, flagged=True), info(34)]
    segments += [info(0, camera_id=2)]

    for segment in segments:
        maker.submit(segment)
    await _drain(maker, renders)

    assert [(p.parent.parent.name, t - DAY_START) for p, t in renders.calls] == [
        ("1", 0),
        ("1", 8000),
        ("1", 16_000),
        ("1", 30_000),  # a new recording: at once
        ("2", 0),
    ]
    assert renders.calls[0][0] == tmp_path / "1" / DAY / f"main-{DAY_START}.ts"


async def test_maker_survives_a_segment_deleted_before_its_preview(tmp_path: Path) -> None:
    first = info(0)
    renders = _Renders(expected=2, missing=(Path(first.path).name,))
    maker = PreviewMaker(tmp_path, interval_ms=4000, render=renders)

    maker.submit(first)
    maker.submit(info(4))
    await _drain(maker, renders)

    assert [t - DAY_START for _p, t in renders.calls] == [4000]
    assert maker.made == 1


async def test_maker_keeps_only_the_newest_when_the_queue_is_full(tmp_path: Path) -> None:
    renders = _Renders(expected=2)
    maker = PreviewMaker(tmp_path, interval_ms=4000, max_pending=2, render=renders)

    for start_s in (0, 4, 8, 12):
        maker.submit(info(start_s))
    await _drain(maker, renders)

    assert maker.dropped == 2
    assert [t - DAY_START for _p, t in renders.calls] == [8000, 12_000]


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00" * 188, b"G" + b"\x00" * 187 * 2],
    ids=["empty", "no-sync-byte", "no-tables"],
)
def test_data_that_is_not_mpeg_ts_has_no_access_unit(data: bytes) -> None:
    assert first_access_unit(data) is None
