"""Wall layouts: cell geometry on the unit square, wall state, the layout store and the stream choice."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from backend_embed.api import StreamRole
from vas_console.core.layouts import (
    LAYOUTS,
    LayoutKind,
    LayoutStore,
    UnitRect,
    WallState,
    choose_stream,
)


@pytest.mark.parametrize(
    ("kind", "tiles"),
    [
        (LayoutKind.SINGLE, 1),
        (LayoutKind.GRID_2X2, 4),
        (LayoutKind.GRID_3X3, 9),
        (LayoutKind.GRID_4X4, 16),
        (LayoutKind.SPOTLIGHT_1_5, 6),
        (LayoutKind.SPOTLIGHT_1_7, 8),
    ],
    ids=lambda v: str(v),
)
def test_each_layout_tiles_the_unit_square_without_overlap(kind: LayoutKind, tiles: int) -> None:
    layout = LAYOUTS[kind]
    assert layout.tile_count == tiles
    rects = [layout.unit_rect(i) for i in range(tiles)]
    assert sum(r.width * r.height for r in rects) == pytest.approx(1.0)
    for i, a in enumerate(rects):
        assert a.x >= 0
        assert a.y >= 0
        assert a.x + a.width <= 1 + 1e-9
        assert a.y + a.height <= 1 + 1e-9
        for b in rects[i + 1 :]:
            overlap_x = min(a.x + a.width, b.x + b.width) - max(a.x, b.x)
            overlap_y = min(a.y + a.height, b.y + b.height) - max(a.y, b.y)
            assert overlap_x <= 1e-9 or overlap_y <= 1e-9


def test_spotlight_1_plus_5_puts_the_big_tile_top_left() -> None:
    layout = LAYOUTS[LayoutKind.SPOTLIGHT_1_5]
    assert layout.unit_rect(0) == UnitRect(0, 0, pytest.approx(2 / 3), pytest.approx(2 / 3))
    assert layout.unit_rect(1).x == pytest.approx(2 / 3)
    assert layout.unit_rect(5) == UnitRect(
        pytest.approx(2 / 3), pytest.approx(2 / 3), pytest.approx(1 / 3), pytest.approx(1 / 3)
    )


def test_spotlight_1_plus_7_big_tile_covers_nine_of_sixteen() -> None:
    rect = LAYOUTS[LayoutKind.SPOTLIGHT_1_7].unit_rect(0)
    assert rect.width * rect.height == pytest.approx(9 / 16)


def test_changing_layout_keeps_cameras_in_reading_order() -> None:
    state = WallState(LayoutKind.GRID_2X2, (1, 2, None, 4), maximised=1)
    bigger = state.with_layout(LayoutKind.GRID_3X3)
    assert bigger.cameras == (1, 2, None, 4, None, None, None, None, None)
    assert bigger.maximised is None
    assert bigger.with_layout(LayoutKind.SINGLE).cameras == (1,)


def test_a_smaller_layout_and_back_shows_the_whole_wall_again() -> None:
    wall = WallState(LayoutKind.GRID_4X4, tuple(range(1, 17)))
    small = wall.with_layout(LayoutKind.GRID_2X2)
    assert small.cameras == (1, 2, 3, 4)
    assert small.offstage == tuple(range(5, 17))
    assert small.with_layout(LayoutKind.GRID_4X4).cameras == wall.cameras
    assert small.with_layout(LayoutKind.GRID_4X4).offstage == ()
    # through a layout in between, and with a camera changed on the small one
    middle = (
        small.with_camera(1, 40).with_layout(LayoutKind.SINGLE).with_layout(LayoutKind.GRID_3X3)
    )
    assert middle.cameras == (1, 40, 3, 4, 5, 6, 7, 8, 9)
    assert middle.with_layout(LayoutKind.GRID_4X4).cameras == (1, 40, *range(3, 17))


def test_empty_tiles_at_the_end_are_not_remembered_off_the_wall() -> None:
    wall = WallState(LayoutKind.GRID_3X3, (1, 2, None, None, 5, None, None, None, None))
    assert wall.with_layout(LayoutKind.SINGLE).offstage == (2, None, None, 5)
    assert wall.with_layout(LayoutKind.GRID_2X2).offstage == (5,)


def test_cameras_that_are_gone_leave_the_tiles_and_the_memory() -> None:
    wall = WallState(LayoutKind.GRID_4X4, tuple(range(1, 17))).with_layout(LayoutKind.GRID_2X2)
    kept = wall.keeping({1, 3, 6})
    assert kept.cameras == (1, None, 3, None)
    assert kept.offstage == (None, 6)
    assert wall.without_offstage(16).offstage == tuple(range(5, 16))
    assert (
        wall.without_offstage(1) == wall
    )  # on a tile, not off the wall: the tile is cleared elsewhere


def test_wall_state_rejects_a_camera_list_of_the_wrong_length() -> None:
    with pytest.raises(ValueError, match="4 tiles"):
        WallState(LayoutKind.GRID_2X2, (1,))


def test_store_round_trips_the_current_state_and_named_layouts(tmp_path: Path) -> None:
    store = LayoutStore(tmp_path / "config" / "live_layouts.json")
    assert store.current() == WallState()
    state = WallState(LayoutKind.SPOTLIGHT_1_5, (3, None, 1, None, None, 2), 0, wall_mode=True)
    store.save_current(state)
    store.save_named("Lobby", state)
    store.save_named("all", WallState().with_camera(0, 9))

    reopened = LayoutStore(store.path)
    assert reopened.current() == state
    assert reopened.names() == ["all", "Lobby"]
    lobby = reopened.named("Lobby")
    assert lobby is not None
    assert lobby.cameras == state.cameras
    assert lobby.wall_mode is False  # wall mode belongs to the session, not to a saved layout
    reopened.delete_named("all")
    assert LayoutStore(store.path).names() == ["Lobby"]
    assert reopened.named("all") is None


def test_store_keeps_the_cameras_off_the_wall_and_reads_files_from_before_them(
    tmp_path: Path,
) -> None:
    store = LayoutStore(tmp_path / "live_layouts.json")
    state = WallState(LayoutKind.GRID_4X4, tuple(range(1, 17))).with_layout(LayoutKind.SINGLE)
    store.save_current(state)
    assert LayoutStore(store.path).current().with_layout(LayoutKind.GRID_4X4).cameras == tuple(
        range(1, 17)
    )
    old = {"current": {"layout": "2x2", "cameras": [1, 2, None, 4], "maximised": None}}
    store.path.write_text(json.dumps(old), encoding="utf-8")
    assert store.current() == WallState(LayoutKind.GRID_2X2, (1, 2, None, 4))


def test_store_refuses_a_blank_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="name"):
        LayoutStore(tmp_path / "l.json").save_named("  ", WallState())


def test_an_unreadable_store_reads_as_defaults_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "live_layouts.json"
    path.write_text("{not json", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert LayoutStore(path).current() == WallState()
    assert "unreadable" in caplog.text


def test_an_invalid_saved_state_is_ignored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "live_layouts.json"
    bad = {"layout": "2x2", "cameras": [1], "maximised": None, "wall_mode": False}
    path.write_text(json.dumps({"version": 1, "current": bad}), encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert LayoutStore(path).current() == WallState()
    assert "invalid current" in caplog.text


SUB = (640, 360)
MAIN = (1920, 1080)
BOTH = {StreamRole.SUB: SUB, StreamRole.MAIN: MAIN}


@pytest.mark.parametrize(
    ("tile", "sizes", "current", "expected"),
    [
        ((480, 270), BOTH, None, StreamRole.SUB),
        ((640, 360), BOTH, None, StreamRole.SUB),
        ((641, 361), BOTH, None, StreamRole.MAIN),
        ((1000, 300), BOTH, None, StreamRole.SUB),  # a wide tile still shows the picture 300 high
        ((620, 350), BOTH, StreamRole.MAIN, StreamRole.MAIN),  # hysteresis
        ((560, 315), BOTH, StreamRole.MAIN, StreamRole.SUB),
        ((1600, 900), {StreamRole.SUB: SUB}, None, StreamRole.SUB),
        ((200, 100), {StreamRole.MAIN: MAIN}, None, StreamRole.MAIN),
        ((700, 400), {StreamRole.SUB: None, StreamRole.MAIN: None}, None, StreamRole.MAIN),
        ((600, 300), {StreamRole.SUB: None, StreamRole.MAIN: None}, None, StreamRole.SUB),
        ((1600, 900), {StreamRole.SUB: SUB, StreamRole.MAIN: (640, 360)}, None, StreamRole.SUB),
    ],
    ids=[
        "small-tile-sub",
        "exactly-sub-size",
        "just-larger-main",
        "wide-tile-sub",
        "hysteresis-keeps-main",
        "well-below-back-to-sub",
        "no-main-stream",
        "no-sub-stream",
        "unknown-sizes-large",
        "unknown-sizes-small",
        "main-no-larger",
    ],
)
def test_choose_stream(
    tile: tuple[int, int],
    sizes: dict[StreamRole, tuple[int, int] | None],
    current: StreamRole | None,
    expected: StreamRole,
) -> None:
    assert choose_stream(tile, sizes, current) is expected


def test_choose_stream_needs_a_stream() -> None:
    with pytest.raises(ValueError, match="no live stream"):
        choose_stream((100, 100), {})


@pytest.mark.parametrize(
    ("kind", "index", "step", "expected"),
    [
        (LayoutKind.GRID_2X2, 0, (1, 0), 1),
        (LayoutKind.GRID_2X2, 1, (0, 1), 3),
        (LayoutKind.GRID_2X2, 3, (-1, 0), 2),
        (LayoutKind.GRID_2X2, 2, (0, -1), 0),
        (LayoutKind.GRID_2X2, 1, (1, 0), None),  # the right edge: no wrap
        (LayoutKind.GRID_4X4, 5, (0, 1), 9),
        (LayoutKind.GRID_4X4, 5, (1, 0), 6),
        (LayoutKind.SINGLE, 0, (0, 1), None),
        # 1+5: the large tile 0 (two by two), 1 and 2 down the right, 3 to 5 along the bottom
        (LayoutKind.SPOTLIGHT_1_5, 0, (1, 0), 1),  # level with its top
        (LayoutKind.SPOTLIGHT_1_5, 0, (0, 1), 3),
        (LayoutKind.SPOTLIGHT_1_5, 2, (-1, 0), 0),
        (LayoutKind.SPOTLIGHT_1_5, 2, (0, 1), 5),
        (LayoutKind.SPOTLIGHT_1_5, 4, (0, -1), 0),
        (LayoutKind.SPOTLIGHT_1_5, 4, (1, 0), 5),
        (LayoutKind.SPOTLIGHT_1_7, 7, (0, -1), 3),
    ],
)
def test_the_arrow_keys_neighbour_is_the_nearest_tile_that_way(
    kind: LayoutKind, index: int, step: tuple[int, int], expected: int | None
) -> None:
    assert LAYOUTS[kind].neighbour(index, *step) == expected
