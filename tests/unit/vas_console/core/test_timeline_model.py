"""TimelineModel: time <-> x at every zoom, zoom limits and anchoring, pan, ticks, chunks, span pixels."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest

from backend_embed.api import Span
from vas_console.core.timeline_model import (
    DAY_MS,
    HOUR_MS,
    MAX_SPAN_MS,
    MIN_LABEL_PX,
    MIN_SPAN_MS,
    MINUTE_MS,
    ZOOM_STEPS_MS,
    ChunkKey,
    TimelineModel,
)

T0 = 1_700_000_000_000
WIDTH = 1200


@pytest.mark.parametrize("span", ZOOM_STEPS_MS, ids=lambda s: f"{s // 1000}s")
def test_time_and_x_are_inverse_at_every_zoom(span: int) -> None:
    model = TimelineModel(WIDTH, T0, span)
    assert model.x_at(T0) == 0
    assert model.x_at(T0 + span) == pytest.approx(WIDTH)
    assert model.x_at(T0 + span / 2) == pytest.approx(WIDTH / 2)
    for x in (0, 1, 333, 600, WIDTH - 1):
        assert model.x_at(model.time_at(x)) == pytest.approx(x, abs=0.5 / model.ms_per_px + 1e-9)


def test_zoom_keeps_the_time_under_the_anchor() -> None:
    model = TimelineModel(WIDTH, T0, HOUR_MS)
    anchor = 300
    before = model.time_at(anchor)
    assert model.zoom(2.0, anchor)
    assert model.span_ms == HOUR_MS / 2
    assert model.time_at(anchor) == pytest.approx(before, abs=1)


@pytest.mark.parametrize(
    ("span", "factor", "expected"),
    [
        pytest.param(2 * MINUTE_MS, 10.0, MIN_SPAN_MS, id="zoom-in-stops-at-1-minute"),
        pytest.param(5 * DAY_MS, 0.1, MAX_SPAN_MS, id="zoom-out-stops-at-7-days"),
    ],
)
def test_zoom_is_clamped(span: int, factor: float, expected: int) -> None:
    model = TimelineModel(WIDTH, T0, span)
    assert model.zoom(factor)
    assert model.span_ms == expected
    assert not model.zoom(factor)  # already at the limit


def test_constructor_clamps_the_span() -> None:
    assert TimelineModel(WIDTH, T0, 1000).span_ms == MIN_SPAN_MS
    assert TimelineModel(WIDTH, T0, 30 * DAY_MS).span_ms == MAX_SPAN_MS


def test_zoom_steps_walk_the_ladder_both_ways() -> None:
    model = TimelineModel(WIDTH, T0, HOUR_MS)
    assert model.zoom_step(+1)
    assert model.span_ms == 15 * MINUTE_MS
    assert model.zoom_step(-1)
    assert model.zoom_step(-1)
    assert model.span_ms == 3 * HOUR_MS
    for _ in range(20):
        model.zoom_step(-1)
    assert model.span_ms == MAX_SPAN_MS
    for _ in range(20):
        model.zoom_step(+1)
    assert model.span_ms == MIN_SPAN_MS


def test_pan_moves_by_the_dragged_pixels() -> None:
    model = TimelineModel(WIDTH, T0, 2 * MINUTE_MS)  # 100 ms per pixel
    model.pan_px(50)
    assert model.start_ms == T0 - 5000
    model.pan_px(-150)
    assert model.start_ms == T0 + 10_000
    assert model.span_ms == 2 * MINUTE_MS


def test_resize_keeps_the_range() -> None:
    model = TimelineModel(WIDTH, T0, HOUR_MS)
    model.resize(600)
    assert (model.start_ms, model.span_ms) == (T0, HOUR_MS)
    assert model.x_at(T0 + HOUR_MS) == 600


def test_follow_turns_the_page_when_the_playhead_nears_the_edge() -> None:
    model = TimelineModel(WIDTH, T0, 10 * MINUTE_MS)
    assert not model.follow(T0 + 5 * MINUTE_MS)
    assert model.follow(T0 + 9.5 * MINUTE_MS)
    assert model.start_ms == T0 + 8.5 * MINUTE_MS
    assert model.follow(T0 + DAY_MS)
    assert model.start_ms == T0 + DAY_MS - 5 * MINUTE_MS


@pytest.mark.parametrize("span", ZOOM_STEPS_MS, ids=lambda s: f"{s // 1000}s")
def test_ticks_are_ordered_visible_and_readable(span: int) -> None:
    model = TimelineModel(WIDTH, T0, span)
    ticks = model.ticks()
    assert 1 <= len(ticks) <= WIDTH // MIN_LABEL_PX + 1
    times = [t.time_ms for t in ticks]
    assert times == sorted(times)
    assert all(model.start_ms <= t < model.end_ms for t in times)
    gaps = [model.x_at(b) - model.x_at(a) for a, b in itertools.pairwise(times)]
    assert all(g >= MIN_LABEL_PX - 1 for g in gaps)
    assert all(t.label for t in ticks)


def test_week_ticks_are_local_midnights() -> None:
    model = TimelineModel(WIDTH, T0, MAX_SPAN_MS)
    majors = [t for t in model.ticks() if t.major]
    assert len(majors) == 7
    for tick in majors:
        local = datetime.fromtimestamp(tick.time_ms / 1000)
        assert (local.hour, local.minute, local.second) == (0, 0, 0)
    narrow = TimelineModel(300, T0, MAX_SPAN_MS).ticks()
    assert narrow
    assert all(t.major for t in narrow)


@pytest.mark.parametrize(
    ("span", "size"),
    [
        pytest.param(MINUTE_MS, HOUR_MS, id="minute-view-hour-chunks"),
        pytest.param(3 * HOUR_MS, 6 * HOUR_MS, id="3h-view-6h-chunks"),
        pytest.param(DAY_MS, DAY_MS, id="day-view-day-chunks"),
        pytest.param(MAX_SPAN_MS, 7 * DAY_MS, id="week-view-week-chunks"),
    ],
)
def test_chunks_are_aligned_and_cover_the_view(span: int, size: int) -> None:
    model = TimelineModel(WIDTH, T0 + 1234, span)
    chunks = model.chunks()
    assert {c.size_ms for c in chunks} == {size}
    assert 1 <= len(chunks) <= 2
    assert chunks[0].start_ms <= model.start_ms
    assert chunks[-1].end_ms >= model.end_ms
    model.pan_px(1)
    assert model.chunks()[0] == chunks[0] or model.chunks()[0] == ChunkKey(
        size, chunks[0].index - 1
    )


def test_span_pixels_merge_subpixel_gaps_and_clip() -> None:
    model = TimelineModel(1000, T0, 1000 * 1000)  # 1 s per pixel
    spans = [
        Span(T0 - 10_000, T0 + 10_000),  # clipped at the left edge
        Span(T0 + 10_500, T0 + 20_000),  # half a pixel after: merged
        Span(T0 + 100_000, T0 + 100_200),  # shorter than a pixel: still one pixel wide
        Span(T0 + 990_000, T0 + 2_000_000),  # clipped at the right edge
        Span(T0 + 3_000_000, T0 + 4_000_000),  # not visible
    ]
    assert model.span_pixels(spans) == [(0, 20), (100, 101), (990, 1000)]
