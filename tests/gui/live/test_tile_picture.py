"""The tile paints its picture centred and fills only the bars around it with the background."""

from __future__ import annotations

import random

from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QRegion
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.helpers.live_fakes import solid_frame
from vas_console.media.frames import LatestFrameSlot
from vas_console.media.live import LiveFrame
from vas_console.ui.live.video_tile import VideoTile, _around


def test_the_bars_around_a_hole_cover_exactly_the_rest_of_the_area() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        area = QRect(
            rng.randint(0, 50), rng.randint(0, 50), rng.randint(1, 100), rng.randint(1, 100)
        )
        hole = QRect(
            rng.randint(-20, 120), rng.randint(-20, 120), rng.randint(0, 100), rng.randint(0, 100)
        )
        bars = _around(area, hole)

        painted = QRegion()
        for bar in bars:
            painted = painted.united(QRegion(bar))
        expected = QRegion(area).subtracted(QRegion(hole))
        assert painted == expected, (area, hole, bars)
        covered = sum(bar.width() * bar.height() for bar in bars)
        inside = hole.intersected(area)
        assert (
            covered == area.width() * area.height() - inside.width() * inside.height()
        )  # none twice


def _pillarboxed(size: tuple[int, int]) -> LiveFrame:
    """A frame of SOURCE_SIZE's 16:9 in a tile narrower than that: bars above and below."""
    return solid_frame(size, bytes([0x30, 0xC0, 0x20, 0]))  # B, G, R: green


def test_a_letterboxed_picture_is_painted_whole_with_background_bars(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    tile = VideoTile(0, parent)
    tile.setGeometry(0, 0, 300, 300)  # square: a 16:9 picture leaves bars above and below
    tile.set_camera("Gate")  # (an empty tile writes its hint across the middle)
    parent.resize(300, 300)
    parent.show()
    slot: LatestFrameSlot[LiveFrame] = LatestFrameSlot()
    tile.set_feed(slot)
    slot.put(_pillarboxed(tile.device_size()))
    tile.poll()

    image = tile.grab().toImage()
    area = tile.video_rect()
    centre = image.pixelColor(area.center())
    above = image.pixelColor(area.center().x(), area.top() + 3)
    below = image.pixelColor(area.center().x(), area.bottom() - 3)

    assert centre == QColor(0x20, 0xC0, 0x30)
    assert above == below
    assert above.green() < 40  # the dark background, not the picture and not unpainted garbage
    for x in (
        5,
        150,
        294,
    ):  # (inside the tile's border)  # the picture's edges are whole: no background line across it
        assert image.pixelColor(x, area.center().y()) == QColor(0x20, 0xC0, 0x30)
