"""The tile's header bar: the camera's name stays readable; figures and state give way first."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QApplication

from vas_console.ui.live.tile_text import fit_header

STATS = "SUB 640x360 · 25 fps · 264 kb/s"


@pytest.fixture
def fonts(qapp: QApplication) -> tuple[QFontMetrics, QFontMetrics]:
    plain = QFont(qapp.font())
    bold = QFont(plain)
    bold.setBold(True)
    return QFontMetrics(bold), QFontMetrics(plain)


def test_with_room_for_both_nothing_is_shortened(fonts: tuple[QFontMetrics, QFontMetrics]) -> None:
    bold, plain = fonts
    assert fit_header("Level -1", STATS, 1000, bold, plain, 6) == ("Level -1", STATS)


def test_in_a_narrow_header_the_figures_shorten_and_the_name_stays_whole(
    fonts: tuple[QFontMetrics, QFontMetrics],
) -> None:
    bold, plain = fonts
    width = bold.horizontalAdvance("Level -1") + plain.horizontalAdvance("SUB 640x360") + 12

    name, right = fit_header("Level -1", STATS, width, bold, plain, 6)

    assert name == "Level -1"
    assert right.endswith("…")
    assert right != STATS
    assert bold.horizontalAdvance(name) + plain.horizontalAdvance(right) + 6 <= width


def test_without_room_for_figures_they_go_and_only_then_the_name_is_elided(
    fonts: tuple[QFontMetrics, QFontMetrics],
) -> None:
    bold, plain = fonts
    just_the_name = bold.horizontalAdvance("Reception") + 2
    assert fit_header("Reception", STATS, just_the_name, bold, plain, 6) == ("Reception", "")

    name, right = fit_header("Reception", STATS, just_the_name // 2, bold, plain, 6)
    assert right == ""
    assert name.endswith("…")
