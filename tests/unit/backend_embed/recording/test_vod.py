"""VOD playlists: entries, playlist text, the cache, and the wall-clock <-> playlist-time mapping."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from backend_embed.api.dto import StreamRole
from backend_embed.api.errors import NotFoundError
from backend_embed.api.recording import Span
from backend_embed.recording.segments import SegmentRecord
from backend_embed.recording.vod import (
    VodPlaylists,
    build_entries,
    next_recording,
    offset_to_wall,
    previous_recording,
    render_playlist,
    wall_to_offset,
)

T0 = 1_700_000_000_000


def record(start_s: float, length_s: float = 4.0, *, flagged: bool = False) -> SegmentRecord:
    """An indexed segment of camera 1 starting `start_s` seconds after T0."""
    start = T0 + round(start_s * 1000)
    end = start + round(length_s * 1000)
    name = f"1/2023-11-14/main-{start}-{start}.ts"
    return SegmentRecord(
        id=start, camera_id=1, stream=StreamRole.MAIN, start_ms=start, end_ms=end,
        duration_ms=end - start, size_bytes=100, path=name, discontinuity=flagged,
    )  # fmt: skip


#: 0-4, 4-8 | gap | 20-24, 24-28 (flagged restart without a gap) | 28.3-32 (within tolerance)
SEGMENTS = [record(0), record(4), record(20), record(24, flagged=True), record(28.3, 3.7)]
ENTRIES = build_entries(SEGMENTS)


def test_entries_sum_durations_and_flag_gaps_and_restarts_but_never_the_first() -> None:
    assert [(e.offset_ms, e.discontinuity) for e in ENTRIES] == [
        (0, False),
        (4000, False),
        (8000, True),  # after a 12 s gap
        (12000, True),  # flagged by the recorder
        (16000, False),  # 300 ms late: within the continuity tolerance
    ]


def test_an_overlapping_segment_starts_a_discontinuity() -> None:
    entries = build_entries([record(0), record(2)])

    assert [e.discontinuity for e in entries] == [False, True]


def test_a_flagged_first_segment_needs_no_discontinuity() -> None:
    assert build_entries([record(0, flagged=True)])[0].discontinuity is False


def test_playlist_is_vod_with_discontinuities_before_segments_after_gaps(tmp_path: Path) -> None:
    text = render_playlist(tmp_path, SEGMENTS, ENTRIES)
    lines = text.splitlines()

    assert lines[:5] == [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXT-X-TARGETDURATION:4",
        "#EXT-X-MEDIA-SEQUENCE:0",
    ]
    assert lines[-1] == "#EXT-X-ENDLIST"
    uris = [line for line in lines if line.startswith("file://")]
    assert uris == [(tmp_path / s.path).as_uri() for s in SEGMENTS]
    for segment in SEGMENTS[2:4]:
        at = lines.index((tmp_path / segment.path).as_uri())
        assert lines[at - 1] == "#EXTINF:4.000,"
        assert "#EXT-X-DISCONTINUITY" in lines[at - 3 : at]
    assert text.count("#EXT-X-DISCONTINUITY") == 2
    assert "#EXTINF:3.700," in lines
    assert lines[5] == "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:20.000Z"


def test_uris_are_percent_encoded_absolute_file_uris(tmp_path: Path) -> None:
    root = tmp_path / "my recordings #1"

    text = render_playlist(root, SEGMENTS[:1], ENTRIES[:1])

    assert f"file://{tmp_path}/my%20recordings%20%231/1/" in text


@pytest.mark.parametrize(
    ("wall_s", "offset_ms"),
    [
        pytest.param(-10, 0, id="before-the-first"),
        pytest.param(0, 0, id="first-start"),
        pytest.param(5.5, 5500, id="inside-second"),
        pytest.param(8, 8000, id="end-of-run-is-next-start"),
        pytest.param(13, 8000, id="in-gap-next-start"),
        pytest.param(20, 8000, id="after-gap-start"),
        pytest.param(21, 9000, id="after-gap-inside"),
        pytest.param(28.1, 16000, id="in-300ms-hole"),
        pytest.param(31.9, 19600, id="last-inside"),
        pytest.param(32, 19700, id="last-end"),
        pytest.param(99, 19700, id="after-the-last"),
    ],
)
def test_wall_to_offset(wall_s: float, offset_ms: int) -> None:
    assert wall_to_offset(ENTRIES, T0 + round(wall_s * 1000)) == offset_ms


@pytest.mark.parametrize(
    ("offset_ms", "wall_s"),
    [
        pytest.param(-500, 0, id="negative-clamps-to-first"),
        pytest.param(0, 0, id="zero"),
        pytest.param(7999, 7.999, id="end-of-run"),
        pytest.param(8000, 20, id="first-after-gap"),
        pytest.param(16000, 28.3, id="after-small-hole"),
        pytest.param(19700, 32, id="playlist-end"),
        pytest.param(50_000, 32, id="past-the-end-clamps"),
    ],
)
def test_offset_to_wall(offset_ms: int, wall_s: float) -> None:
    assert offset_to_wall(ENTRIES, offset_ms) == T0 + round(wall_s * 1000)


def test_offsets_round_trip_through_wall_time() -> None:
    for offset in range(0, 19_700, 137):
        assert wall_to_offset(ENTRIES, offset_to_wall(ENTRIES, offset)) == offset


@pytest.mark.parametrize("mapping", [wall_to_offset, offset_to_wall])
def test_an_empty_playlist_has_no_mapping(mapping: object) -> None:
    assert callable(mapping)
    with pytest.raises(ValueError, match="empty playlist"):
        mapping((), T0)


@pytest.mark.parametrize(
    ("wall_s", "expected_s"),
    [
        pytest.param(-5, 0, id="before-everything"),
        pytest.param(0, 20, id="at-a-start"),
        pytest.param(5, 20, id="inside"),
        pytest.param(13, 20, id="in-a-gap"),
        pytest.param(21, None, id="in-the-last"),
    ],
)
def test_next_recording(wall_s: float, expected_s: float | None) -> None:
    found = next_recording(ENTRIES, T0 + round(wall_s * 1000))

    assert found == (None if expected_s is None else T0 + round(expected_s * 1000))


@pytest.mark.parametrize(
    ("wall_s", "expected_s"),
    [
        pytest.param(-5, None, id="before-everything"),
        pytest.param(0.5, None, id="just-after-the-first-start"),
        pytest.param(5, 0, id="inside-the-first"),
        pytest.param(13, 0, id="in-a-gap"),
        pytest.param(20.5, 0, id="just-jumped-to-a-start"),
        pytest.param(25, 20, id="inside-the-second"),
        pytest.param(99, 20, id="after-everything"),
    ],
)
def test_previous_recording(wall_s: float, expected_s: float | None) -> None:
    found = previous_recording(ENTRIES, T0 + round(wall_s * 1000))

    assert found == (None if expected_s is None else T0 + round(expected_s * 1000))


def test_next_and_previous_work_on_coverage_spans() -> None:
    spans = [Span(T0, T0 + 10_000), Span(T0 + 60_000, T0 + 70_000)]

    assert next_recording(spans, T0 + 5_000) == T0 + 60_000
    assert previous_recording(spans, T0 + 65_000) == T0 + 60_000
    assert previous_recording(spans, T0 + 60_500) == T0


class _Index:
    """A hand-written segment lookup: serves the given records whatever the range."""

    def __init__(self, records: list[SegmentRecord]) -> None:
        self.records = records

    async def segments_between(
        self, camera_id: int, stream: StreamRole, start_ms: int, end_ms: int
    ) -> list[SegmentRecord]:
        return [r for r in self.records if r.start_ms < end_ms and r.end_ms > start_ms]


async def test_playback_source_writes_the_playlist_once_and_maps_it(tmp_path: Path) -> None:
    cache = tmp_path / "cache" / "playlists"
    vod = VodPlaylists(tmp_path / "rec", cache, _Index(SEGMENTS))

    first = await vod.playback_source(1, T0, T0 + 40_000)
    os.utime(first.playlist_path, (1, 1))
    again = await vod.playback_source(1, T0, T0 + 40_000)

    assert first == again
    assert first.entries == ENTRIES
    assert first.duration_ms == 19_700
    assert (first.start_ms, first.end_ms) == (T0, T0 + 40_000)
    assert Path(first.playlist_path).parent == cache
    assert Path(first.playlist_path).read_text() == render_playlist(
        (tmp_path / "rec").resolve(), SEGMENTS, ENTRIES
    )
    assert os.stat(first.playlist_path).st_mtime > 1  # reused, so kept from pruning
    assert [p.name for p in cache.iterdir()] == [Path(first.playlist_path).name]


async def test_other_footage_gets_another_playlist_and_stale_ones_are_pruned(
    tmp_path: Path,
) -> None:
    index = _Index(SEGMENTS[:2])
    vod = VodPlaylists(tmp_path, tmp_path / "cache", index, max_age_s=60)
    old = Path((await vod.playback_source(1, T0, T0 + 8000)).playlist_path)
    kept = Path((await vod.playback_source(1, T0, T0 + 4000)).playlist_path)
    os.utime(old, (time.time() - 120, time.time() - 120))

    index.records = SEGMENTS
    new = Path((await vod.playback_source(1, T0, T0 + 40_000)).playlist_path)

    assert new != kept
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == sorted([kept.name, new.name])


async def test_a_range_without_recordings_is_not_found(tmp_path: Path) -> None:
    vod = VodPlaylists(tmp_path, tmp_path / "cache", _Index(SEGMENTS))

    with pytest.raises(NotFoundError):
        await vod.playback_source(1, T0 + 9000, T0 + 19_000)
    assert not (tmp_path / "cache").exists()
