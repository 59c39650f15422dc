"""Parsing the recorder's live HLS playlist: entries, wall-clock starts, partial writes, malformed lines."""

from __future__ import annotations

import pytest

from backend_embed.recording.playlist import parse_live_playlist, parse_program_date_time

FFMPEG_PLAYLIST = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:7
#EXTINF:2.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-11-21T10:51:28.172+0000
main-20261121T105128.ts
#EXT-X-DISCONTINUITY
#EXTINF:1.960000,
#EXT-X-PROGRAM-DATE-TIME:2026-11-21T10:51:30.172+0000
main-20261121T105130.ts
"""
START_MS = 1_795_258_288_172


def test_entries_carry_sequence_wall_clock_start_duration_and_discontinuity() -> None:
    playlist = parse_live_playlist(FFMPEG_PLAYLIST)

    assert playlist.media_sequence == 7
    assert [
        (e.uri, e.sequence, e.start_ms, e.duration_ms, e.discontinuity) for e in playlist.entries
    ] == [
        ("main-20261121T105128.ts", 7, START_MS, 2000, False),
        ("main-20261121T105130.ts", 8, START_MS + 2000, 1960, True),
    ]
    assert not playlist.ended


@pytest.mark.parametrize(
    "cut",
    [
        pytest.param(FFMPEG_PLAYLIST.index("main-20261121T105130.ts") + 8, id="mid-uri"),
        pytest.param(
            FFMPEG_PLAYLIST.index("#EXT-X-PROGRAM-DATE-TIME:2026-11-21T10:51:30") + 30, id="mid-tag"
        ),
    ],
)
def test_a_half_written_playlist_yields_only_complete_entries(cut: int) -> None:
    playlist = parse_live_playlist(FFMPEG_PLAYLIST[:cut])

    assert [e.uri for e in playlist.entries] == ["main-20261121T105128.ts"]


def test_a_malformed_tag_is_logged_and_its_entry_skipped_without_shifting_sequences(
    caplog: pytest.LogCaptureFixture,
) -> None:
    text = FFMPEG_PLAYLIST.replace("#EXTINF:2.000000,", "#EXTINF:abc,")

    playlist = parse_live_playlist(text)

    assert [(e.uri, e.sequence) for e in playlist.entries] == [("main-20261121T105130.ts", 8)]
    assert "malformed playlist line" in caplog.text


def test_endlist_is_reported() -> None:
    assert parse_live_playlist(FFMPEG_PLAYLIST + "#EXT-X-ENDLIST\n").ended


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("2026-11-21T10:51:28.172+0000", START_MS, id="ffmpeg"),
        pytest.param("2026-11-21T11:51:28.172+01:00", START_MS, id="offset"),
        pytest.param("2026-11-21T10:51:28.172Z", START_MS, id="zulu"),
    ],
)
def test_program_date_time_is_utc_milliseconds(value: str, expected: int) -> None:
    assert parse_program_date_time(value) == expected


def test_program_date_time_without_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="without a zone"):
        parse_program_date_time("2026-11-21T10:51:28.172")
