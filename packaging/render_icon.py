"""Render the scalable application icon to a square PNG with QtSvg (no rsvg or inkscape needed)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SVG = ROOT / "resources" / "icons" / "vas-console.svg"


def render(svg: Path, png: Path, size: int) -> None:
    """Write `svg` rendered at `size` x `size` pixels, with transparency, to `png`.

    Raises:
        ValueError: the SVG cannot be parsed.
        OSError: the PNG cannot be written.
    """
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"not a valid SVG: {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    if not image.save(str(png), b"PNG"):
        raise OSError(f"cannot write {png}")


def main(argv: list[str] | None = None) -> int:
    """Command line: `render_icon.py [--svg FILE] [--size N] OUT.png`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--svg", type=Path, default=DEFAULT_SVG)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    render(args.svg, args.out, args.size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
