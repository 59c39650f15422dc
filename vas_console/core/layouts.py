"""Live wall layouts: grid geometry on a unit square, the wall's state, named layouts on disk, stream choice."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Collection
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from backend_embed.api import StreamRole

logger = logging.getLogger(__name__)

STORE_VERSION = 1
# A sub stream whose size the backend does not know is assumed to be this large (the usual D1/nHD sub stream).
ASSUMED_SUB_SIZE = (640, 360)
# A tile goes back to the sub stream only once it is this much smaller than the sub stream, so a tile whose
# size hovers around the threshold does not flip between two sessions.
SWITCH_BACK_MARGIN = 0.9


class LayoutKind(StrEnum):
    """The wall layouts the operator can choose; the value is the label on the layout switcher."""

    SINGLE = "1"
    GRID_2X2 = "2x2"
    GRID_3X3 = "3x3"
    GRID_4X4 = "4x4"
    SPOTLIGHT_1_5 = "1+5"
    SPOTLIGHT_1_7 = "1+7"


@dataclass(frozen=True, slots=True)
class Cell:
    """One tile's place on a layout's grid, in whole grid units."""

    row: int
    column: int
    row_span: int = 1
    column_span: int = 1


@dataclass(frozen=True, slots=True)
class UnitRect:
    """A rectangle in fractions of the wall's width and height (0..1)."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class GridLayout:
    """A wall layout: a `rows` x `columns` grid and the cells of its tiles, in reading order."""

    kind: LayoutKind
    rows: int
    columns: int
    cells: tuple[Cell, ...]

    @property
    def tile_count(self) -> int:
        return len(self.cells)

    def unit_rect(self, index: int) -> UnitRect:
        """The rectangle of tile `index` on the unit square."""
        cell = self.cells[index]
        return UnitRect(
            x=cell.column / self.columns,
            y=cell.row / self.rows,
            width=cell.column_span / self.columns,
            height=cell.row_span / self.rows,
        )

    def neighbour(self, index: int, dx: int, dy: int) -> int | None:
        """The tile next to `index` in direction (`dx`, `dy`) (one of them 0, the other -1 or 1), or None
        at the edge: of the tiles whose centre lies that way, the nearest, a sideways offset counting
        double (so Right from a spotlight's large tile goes to the small one level with its top)."""

        def centre(i: int) -> tuple[float, float]:
            rect = self.unit_rect(i)
            return rect.x + rect.width / 2, rect.y + rect.height / 2

        x, y = centre(index)
        best: tuple[float, int] | None = None
        for other in range(self.tile_count):
            ox, oy = centre(other)
            along = (ox - x) * dx + (oy - y) * dy
            if other == index or along <= 1e-9:
                continue
            score = along + 2 * abs((ox - x) * dy + (oy - y) * dx)
            if best is None or score < best[0] - 1e-9:
                best = (score, other)
        return None if best is None else best[1]


def _uniform(kind: LayoutKind, size: int) -> GridLayout:
    cells = tuple(Cell(row, column) for row in range(size) for column in range(size))
    return GridLayout(kind, size, size, cells)


def _spotlight(kind: LayoutKind, size: int) -> GridLayout:
    """One (size-1)x(size-1) tile at the top left, small tiles down the right column and along the bottom."""
    big = size - 1
    right = tuple(Cell(row, big) for row in range(big))
    bottom = tuple(Cell(big, column) for column in range(size))
    return GridLayout(kind, size, size, (Cell(0, 0, big, big), *right, *bottom))


LAYOUTS: dict[LayoutKind, GridLayout] = {
    LayoutKind.SINGLE: _uniform(LayoutKind.SINGLE, 1),
    LayoutKind.GRID_2X2: _uniform(LayoutKind.GRID_2X2, 2),
    LayoutKind.GRID_3X3: _uniform(LayoutKind.GRID_3X3, 3),
    LayoutKind.GRID_4X4: _uniform(LayoutKind.GRID_4X4, 4),
    LayoutKind.SPOTLIGHT_1_5: _spotlight(LayoutKind.SPOTLIGHT_1_5, 3),
    LayoutKind.SPOTLIGHT_1_7: _spotlight(LayoutKind.SPOTLIGHT_1_7, 4),
}
#: the most tiles a layout has
MAX_TILES = max(layout.tile_count for layout in LAYOUTS.values())


@dataclass(frozen=True, slots=True)
class WallState:
    """What the wall shows: its layout, the camera of each tile, the maximised tile and wall (full-screen) mode.

    `cameras` has exactly one entry per tile of the layout (None: an empty tile). `offstage` keeps, in
    order, the cameras of the tiles a smaller layout left out, so that going back to the larger one shows
    them again (4x4 to 2x2 and back is the whole wall again, as in the VMS clients operators know).
    """

    layout: LayoutKind = LayoutKind.GRID_2X2
    cameras: tuple[int | None, ...] = (None, None, None, None)
    maximised: int | None = None
    wall_mode: bool = False
    offstage: tuple[int | None, ...] = ()

    def __post_init__(self) -> None:
        count = LAYOUTS[self.layout].tile_count
        if len(self.cameras) != count:
            raise ValueError(f"layout {self.layout} has {count} tiles, got {len(self.cameras)}")
        if self.maximised is not None and not 0 <= self.maximised < count:
            raise ValueError(f"maximised tile {self.maximised} is not one of {count} tiles")

    def with_layout(self, kind: LayoutKind) -> WallState:
        """The same cameras in reading order on another layout; nothing maximised.

        A smaller layout keeps the cameras it has no tile for `offstage`; a larger one takes them back.
        """
        count = LAYOUTS[kind].tile_count
        every = (*self.cameras, *self.offstage)
        cameras = (*every[:count], *([None] * max(0, count - len(every))))
        return replace(
            self, layout=kind, cameras=cameras, maximised=None, offstage=_trimmed(every[count:])
        )

    def without_offstage(self, camera_id: int) -> WallState:
        """The same wall, `camera_id` no longer remembered off it (it was removed)."""
        offstage = tuple(None if c == camera_id else c for c in self.offstage)
        return replace(self, offstage=_trimmed(offstage))

    def keeping(self, camera_ids: Collection[int]) -> WallState:
        """The same wall with every camera not in `camera_ids` (removed, unknown) taken off it."""

        def known(cameras: tuple[int | None, ...]) -> tuple[int | None, ...]:
            return tuple(c if c in camera_ids else None for c in cameras)

        return replace(self, cameras=known(self.cameras), offstage=_trimmed(known(self.offstage)))

    def with_camera(self, index: int, camera_id: int | None) -> WallState:
        """Tile `index` shows `camera_id` (None: empty)."""
        cameras = list(self.cameras)
        cameras[index] = camera_id
        return replace(self, cameras=tuple(cameras))

    def to_json(self) -> dict[str, Any]:
        return {
            "layout": self.layout.value,
            "cameras": list(self.cameras),
            "maximised": self.maximised,
            "wall_mode": self.wall_mode,
            "offstage": list(self.offstage),
        }

    @classmethod
    def from_json(cls, data: Any) -> WallState:
        """Parse what `to_json` wrote. Raises ValueError (or KeyError/TypeError) on anything else."""
        cameras = tuple(None if c is None else int(c) for c in data["cameras"])
        offstage = tuple(None if c is None else int(c) for c in data.get("offstage", ()))
        if len(offstage) > MAX_TILES:
            raise ValueError(f"{len(offstage)} cameras off the wall, more than any layout shows")
        maximised = data.get("maximised")
        return cls(
            layout=LayoutKind(data["layout"]),
            cameras=cameras,
            maximised=None if maximised is None else int(maximised),
            wall_mode=bool(data.get("wall_mode", False)),
            offstage=_trimmed(offstage),
        )


def _trimmed(cameras: tuple[int | None, ...]) -> tuple[int | None, ...]:
    """`cameras` without its trailing empty tiles (they remember nothing)."""
    end = len(cameras)
    while end and cameras[end - 1] is None:
        end -= 1
    return cameras[:end]


class LayoutStore:
    """The wall's current state and its named layouts in one JSON file (e.g. `live_layouts.json` next to
    `AppPaths.settings_file`).

    Writes are atomic (a temporary file, then rename). A missing file reads as the defaults; an unreadable
    or invalid one is logged at WARNING and read as the defaults (the operator loses saved layouts, not
    the console). The methods do small blocking file I/O: the wall calls them on the worker thread.
    """

    def __init__(self, path: Path) -> None:
        self._path = path

    @property
    def path(self) -> Path:
        return self._path

    def current(self) -> WallState:
        """The state saved by the last `save_current` (the defaults if none)."""
        raw = self._read().get("current")
        return self._parse(raw, "current") or WallState()

    def save_current(self, state: WallState) -> None:
        data = self._read()
        data["current"] = state.to_json()
        self._write(data)

    def names(self) -> list[str]:
        """The names of the saved layouts, sorted case-insensitively."""
        return sorted(self._read().get("named", {}), key=str.casefold)

    def named(self, name: str) -> WallState | None:
        """The layout saved as `name` (its wall-mode flag is not part of it), or None."""
        raw = self._read().get("named", {}).get(name)
        return self._parse(raw, f"named layout {name!r}")

    def save_named(self, name: str, state: WallState) -> None:
        """Save `state` as `name` (replacing one of that name). Raises ValueError for a blank name."""
        name = name.strip()
        if not name:
            raise ValueError("a layout needs a name")
        data = self._read()
        data.setdefault("named", {})[name] = replace(state, wall_mode=False).to_json()
        self._write(data)

    def delete_named(self, name: str) -> None:
        data = self._read()
        if data.get("named", {}).pop(name, None) is not None:
            self._write(data)

    def _parse(self, raw: Any, what: str) -> WallState | None:
        if raw is None:
            return None
        try:
            return WallState.from_json(raw)
        except (KeyError, TypeError, ValueError) as exc:
            logger.warning("Ignoring the invalid %s in %s: %s", what, self._path, exc)
            return None

    def _read(self) -> dict[str, Any]:
        try:
            text = self._path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {"version": STORE_VERSION}
        except OSError as exc:
            logger.warning("Cannot read the wall layouts in %s: %s", self._path, exc)
            return {"version": STORE_VERSION}
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            logger.warning("Ignoring the unreadable wall layouts in %s: %s", self._path, exc)
            return {"version": STORE_VERSION}
        if not isinstance(data, dict) or not isinstance(data.get("named", {}), dict):
            logger.warning("Ignoring the wall layouts in %s: not a layout file", self._path)
            return {"version": STORE_VERSION}
        return data

    def _write(self, data: dict[str, Any]) -> None:
        data["version"] = STORE_VERSION
        self._path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._path.with_name(self._path.name + ".tmp")
        temporary.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(temporary, self._path)


StreamSizes = dict[StreamRole, tuple[int, int] | None]


def choose_stream(
    tile: tuple[int, int], sizes: StreamSizes, current: StreamRole | None = None
) -> StreamRole:
    """The stream a tile of `tile` device pixels should show: the sub stream while its picture, fitted into
    the tile (aspect kept), would not be enlarged, else the main stream (the smallest stream at least as
    large as the tile, or the largest there is).

    `sizes` holds the streams the camera has; a size may be None when unknown (an unknown sub stream is
    taken as `ASSUMED_SUB_SIZE`, an unknown main stream as larger than any tile). With `current` the
    main stream is kept until the tile is `SWITCH_BACK_MARGIN` of the sub stream's size (hysteresis).

    Raises:
        ValueError: `sizes` is empty.
    """
    if not sizes:
        raise ValueError("the camera has no live stream")
    if StreamRole.SUB not in sizes:
        return StreamRole.MAIN
    if StreamRole.MAIN not in sizes:
        return StreamRole.SUB
    sub_width, sub_height = sizes[StreamRole.SUB] or ASSUMED_SUB_SIZE
    main = sizes[StreamRole.MAIN]
    if main is not None and main[0] * main[1] <= sub_width * sub_height:
        return StreamRole.SUB  # a "main" stream no larger than the sub stream gains nothing
    margin = SWITCH_BACK_MARGIN if current is StreamRole.MAIN else 1.0
    width, height = tile
    enlargement = min(width / sub_width, height / sub_height)
    return StreamRole.SUB if enlargement <= margin else StreamRole.MAIN
