"""The run rule and coverage merging (pure functions)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from backend_embed.api.dto import StreamRole
from backend_embed.api.recording import Span
from backend_embed.recording.runs import RUN_MAX_MS, RunState, clusters, plan_append
from backend_embed.recording.segments import SegmentInfo, merge_coverage


@dataclass(frozen=True)
class _Seg:
    start_ms: int
    end_ms: int
    size_bytes: int = 10
    discontinuity: bool = False


def test_segments_that_follow_extend_the_latest_run() -> None:
    latest = RunState(0, 2000, 1, 10, id=5, changed=False)

    flags, runs = plan_append(latest, [_Seg(2000, 4000), _Seg(4500, 6000)])

    assert flags == [False, False]
    assert runs == [RunState(0, 6000, 3, 30, id=5, changed=True)]


def test_a_gap_or_a_flag_starts_a_new_run_and_is_stored_as_a_discontinuity() -> None:
    flags, runs = plan_append(
        RunState(0, 2000, 1, 10, id=5, changed=False),
        [_Seg(5000, 7000), _Seg(7000, 9000, discontinuity=True), _Seg(9000, 11000)],
    )

    assert flags == [True, True, False]
    assert [(r.id, r.start_ms, r.end_ms, r.segment_count) for r in runs] == [
        (None, 5000, 7000, 1),
        (None, 7000, 11000, 2),
    ], "the untouched latest run is not rewritten"


def test_the_length_cap_starts_a_run_without_a_discontinuity() -> None:
    latest = RunState(0, RUN_MAX_MS - 1000, 10, 100, id=1, changed=False)

    flags, runs = plan_append(latest, [_Seg(RUN_MAX_MS - 1000, RUN_MAX_MS + 1000)])

    assert flags == [False]
    assert [(r.id, r.start_ms) for r in runs] == [(None, RUN_MAX_MS - 1000)]


def test_first_segment_of_a_stream_starts_a_run() -> None:
    flags, runs = plan_append(None, [_Seg(0, 2000)])

    assert flags == [True]
    assert runs == [RunState(0, 2000, 1, 10)]


def test_clusters_keep_spans_more_than_a_run_apart_separate() -> None:
    spans = [(10, 20), (0, 5), (20 + RUN_MAX_MS + 1, 30 + RUN_MAX_MS)]

    assert clusters(spans) == [(0, 20), (20 + RUN_MAX_MS + 1, 30 + RUN_MAX_MS)]


@pytest.mark.parametrize(
    ("spans", "expected_spans", "expected_gaps"),
    [
        pytest.param([], [], [(0, 100_000)], id="nothing"),
        pytest.param([(-5000, 200_000)], [(0, 100_000)], [], id="clipped"),
        pytest.param(
            [(10_000, 20_000), (20_500, 30_000)],
            [(10_000, 30_000)],
            [(0, 10_000), (30_000, 100_000)],
            id="jitter-merged",
        ),
        pytest.param(
            [(10_000, 20_000), (25_000, 30_000)],
            [(10_000, 20_000), (25_000, 30_000)],
            [(0, 10_000), (20_000, 25_000), (30_000, 100_000)],
            id="gap",
        ),
    ],
)
def test_merge_coverage_clips_merges_and_lists_gaps(
    spans: list[tuple[int, int]],
    expected_spans: list[tuple[int, int]],
    expected_gaps: list[tuple[int, int]],
) -> None:
    coverage = merge_coverage(1, StreamRole.MAIN, 0, 100_000, spans)

    assert coverage.spans == tuple(Span(*s) for s in expected_spans)
    assert coverage.gaps == tuple(Span(*g) for g in expected_gaps)


@pytest.mark.parametrize(
    ("start_ms", "end_ms", "size"),
    [
        pytest.param(10, 5, 1, id="reversed"),
        pytest.param(0, RUN_MAX_MS + 1, 1, id="longer-than-a-run"),
        pytest.param(0, 10, -1, id="negative-size"),
    ],
)
def test_impossible_segments_are_refused(start_ms: int, end_ms: int, size: int) -> None:
    with pytest.raises(ValueError, match="segment"):
        SegmentInfo(1, StreamRole.MAIN, start_ms, end_ms, end_ms - start_ms, size, "x.ts")
