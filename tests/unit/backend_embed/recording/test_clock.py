"""Tests for backend_embed.recording.clock: dating segments by when ffmpeg received their frames."""

from __future__ import annotations

from backend_embed.recording.clock import RecorderClock
from backend_embed.recording.mpegts import PTS_WRAP

T0 = 1_795_000_000_000  # a wall-clock time, UTC ms


def _clock(*reports: tuple[float, int]) -> RecorderClock:
    clock = RecorderClock()
    clock.note_run_started()
    for wall_ms, output_ms in reports:
        clock.note_output_time(output_ms, wall_ms=wall_ms)
    return clock


def test_a_frame_is_dated_by_the_smallest_lag_of_the_output_time_behind_the_wall_clock() -> None:
    # the first report follows the burst ffmpeg buffered while probing; later ones are near arrival
    clock = _clock((T0 + 600, 40), (T0 + 1_010, 1_000), (T0 + 1_530, 1_520))
    assert clock.date(90_000 * 4, program_date_ms=T0 + 4_600) == T0 + 4_010


def test_without_a_report_of_the_current_run_nothing_is_dated() -> None:
    clock = _clock((T0, 0))
    clock.note_run_started()
    assert clock.date(0, program_date_ms=T0 + 600) is None


def test_a_dating_far_from_the_program_date_time_belongs_to_another_run_and_is_refused() -> None:
    clock = _clock((T0 + 60_000, 0))
    assert clock.date(90_000 * 8, program_date_ms=T0 + 8_600) is None


def test_timestamps_that_wrapped_are_dated_near_the_program_date_time() -> None:
    clock = _clock((T0 + 10, 0))
    wrap_ms = PTS_WRAP * 1000 / 90_000  # 26.5 hours
    dated = clock.date(90_000, program_date_ms=round(T0 + wrap_ms) + 1_600)
    assert dated == round(T0 + wrap_ms + 1_010)
