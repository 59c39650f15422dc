"""PlaylistMap (wall time <-> playlist offset, runs) and PlayClock (interpolation, re-anchoring)."""

from __future__ import annotations

import pytest

from backend_embed.api import PlaylistEntry
from vas_console.core.playclock import (
    REPORT_LAG_MS,
    PlayClock,
    PlaylistFormatError,
    PlaylistMap,
    PlaylistRun,
    parse_playlist,
)

T0 = 1_700_000_000_000
# two runs: [T0, T0+8s) in 4 s segments, a 20 s gap, then [T0+28s, T0+32s)
ENTRIES = (
    PlaylistEntry(T0, T0 + 4000, 0, False),
    PlaylistEntry(T0 + 4000, T0 + 8000, 4000, False),
    PlaylistEntry(T0 + 28_000, T0 + 32_000, 8000, True),
)


class FakeMonotonic:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def mapping() -> PlaylistMap:
    return PlaylistMap(ENTRIES)


@pytest.fixture
def monotonic() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
def clock(mapping: PlaylistMap, monotonic: FakeMonotonic) -> PlayClock:
    return PlayClock(mapping, monotonic=monotonic)


@pytest.mark.parametrize(
    ("offset", "wall"),
    [
        pytest.param(0, T0, id="start"),
        pytest.param(3999, T0 + 3999, id="first-segment"),
        pytest.param(4000, T0 + 4000, id="segment-boundary"),
        pytest.param(7999, T0 + 7999, id="before-gap"),
        pytest.param(8000, T0 + 28_000, id="after-gap"),
        pytest.param(10_500, T0 + 30_500, id="second-run"),
        pytest.param(12_000, T0 + 32_000, id="end"),
        pytest.param(50_000, T0 + 32_000, id="past-end-clamped"),
        pytest.param(-5, T0, id="negative-clamped"),
    ],
)
def test_wall_at_maps_offsets_across_the_gap(mapping: PlaylistMap, offset: int, wall: int) -> None:
    assert mapping.wall_at(offset) == wall


@pytest.mark.parametrize(
    ("wall", "offset"),
    [
        pytest.param(T0 - 1000, 0, id="before-first"),
        pytest.param(T0 + 5000, 5000, id="recorded"),
        pytest.param(T0 + 8000, 8000, id="gap-start-snaps-forward"),
        pytest.param(T0 + 15_000, 8000, id="in-gap-snaps-to-next-recording"),
        pytest.param(T0 + 29_250, 9250, id="second-run"),
        pytest.param(T0 + 32_000, None, id="at-end"),
    ],
)
def test_offset_at_snaps_gaps_to_the_next_recording(
    mapping: PlaylistMap, wall: int, offset: int | None
) -> None:
    assert mapping.offset_at(wall) == offset


def test_runs_split_at_discontinuities(mapping: PlaylistMap) -> None:
    assert mapping.runs == (
        PlaylistRun(0, 1, 0, 8000, T0, T0 + 8000),
        PlaylistRun(2, 2, 8000, 12_000, T0 + 28_000, T0 + 32_000),
    )
    assert mapping.run_at(7999).first == 0
    assert mapping.run_at(8000).first == 2
    assert mapping.duration_ms == 12_000
    assert mapping.contains(T0 + 10)
    assert not mapping.contains(T0 + 9000)


def test_empty_playlist_has_no_positions() -> None:
    empty = PlaylistMap(())
    assert empty.duration_ms == 0
    assert empty.offset_at(T0) is None
    assert empty.runs == ()
    with pytest.raises(ValueError, match="empty"):
        empty.wall_at(0)


def test_clock_interpolates_while_playing_at_the_rate(
    clock: PlayClock, monotonic: FakeMonotonic
) -> None:
    clock.seek(1000)
    assert clock.offset_ms() == 1000
    clock.set_playing(True)
    monotonic.advance(0.5)
    assert clock.offset_ms() == 1500
    clock.set_rate(4.0)
    monotonic.advance(0.5)
    assert clock.offset_ms() == 3500
    clock.set_rate(0.125)
    monotonic.advance(0.8)
    assert clock.offset_ms() == 3600
    clock.set_playing(False)
    monotonic.advance(10)
    assert clock.offset_ms() == 3600


def test_clock_wall_time_jumps_the_gap(clock: PlayClock, monotonic: FakeMonotonic) -> None:
    clock.seek(7000)
    clock.set_playing(True)
    monotonic.advance(1.5)
    assert clock.wall_ms() == T0 + 28_500


def test_clock_stops_at_the_end_of_the_playlist(clock: PlayClock, monotonic: FakeMonotonic) -> None:
    clock.seek(11_000)
    clock.set_playing(True)
    monotonic.advance(5)
    assert clock.offset_ms() == 12_000


def test_reports_are_ignored_while_a_seek_settles(
    clock: PlayClock, monotonic: FakeMonotonic
) -> None:
    clock.set_playing(True)
    clock.seek(6000)
    monotonic.advance(0.3)
    assert not clock.report(2000)  # libVLC still reports the old position
    assert not clock.report(9000)
    assert clock.offset_ms() == 6300


def test_report_ahead_of_the_estimate_pulls_it_up(
    clock: PlayClock, monotonic: FakeMonotonic
) -> None:
    clock.seek(1000)
    clock.set_playing(True)
    monotonic.advance(1.0)
    assert clock.report(2500)
    assert clock.offset_ms() == 2500
    monotonic.advance(0.1)
    assert clock.offset_ms() == 2600


def test_lagging_reports_within_a_step_do_not_move_the_estimate(
    clock: PlayClock, monotonic: FakeMonotonic
) -> None:
    clock.seek(1000)
    clock.set_playing(True)
    monotonic.advance(2.0)
    assert not clock.report(2000)  # 1 s behind: libVLC's step and event lag
    assert clock.offset_ms() == 3000


def test_estimate_far_ahead_of_reports_is_pulled_back_after_a_stall(
    clock: PlayClock, monotonic: FakeMonotonic
) -> None:
    clock.seek(1000)
    clock.set_playing(True)
    monotonic.advance(4.0)  # the player stalled at 1000 while the clock ran on
    assert clock.report(1000)
    assert clock.offset_ms() == 1000 + REPORT_LAG_MS // 2


def test_step_advances_a_paused_clock_by_one_frame(clock: PlayClock) -> None:
    clock.seek(2000)
    clock.step(40)
    clock.step(40)
    assert clock.offset_ms() == 2080
    assert not clock.playing


PLAYLIST = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-TARGETDURATION:4
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:20.000Z
#EXTINF:4.000,
a0.ts
#EXTINF:4.000,
/abs/a1.ts
#EXT-X-DISCONTINUITY
#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:48.000Z
#EXTINF:4.000,
b0.ts
#EXT-X-ENDLIST
"""


def test_parsed_playlist_renders_any_stretch_without_discontinuities() -> None:
    parsed = parse_playlist(PLAYLIST, lambda uri: f"R({uri})", expected=3)
    assert parsed.render(0, 1).splitlines() == [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        "#EXT-X-TARGETDURATION:4",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:20.000Z",
        "#EXTINF:4.000,",
        "R(a0.ts)",
        "#EXTINF:4.000,",
        "R(/abs/a1.ts)",
        "#EXT-X-ENDLIST",
    ]
    assert parsed.render(1, 2).splitlines()[4:] == [
        "#EXTINF:4.000,",
        "R(/abs/a1.ts)",
        "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:48.000Z",  # no EXT-X-DISCONTINUITY before it
        "#EXTINF:4.000,",
        "R(b0.ts)",
        "#EXT-X-ENDLIST",
    ]


def test_parse_playlist_rejects_entries_that_do_not_match() -> None:
    with pytest.raises(PlaylistFormatError, match="2 segments, entries say 3"):
        parse_playlist(PLAYLIST.replace("b0.ts\n", ""), str, expected=3)


def test_entry_at_finds_the_playing_entry(mapping: PlaylistMap) -> None:
    assert [mapping.entry_at(o) for o in (-1, 0, 3999, 4000, 8000, 99_999)] == [0, 0, 0, 1, 2, 2]
