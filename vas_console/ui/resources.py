"""Where the UI's files are: the application icon, in a source checkout and in a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path

APP_ICON = Path("resources") / "icons" / "vas-console.svg"
UI_ICONS = Path("resources") / "icons" / "ui"


def resource_roots() -> list[Path]:
    """Directories that may hold `resources/`: the bundle's root when frozen, then the source checkout."""
    roots: list[Path] = []
    bundle = getattr(sys, "_MEIPASS", None)
    if isinstance(bundle, str):
        roots.append(Path(bundle))
    roots.append(Path(__file__).resolve().parents[2])
    return roots


def app_icon_path() -> Path:
    """The application icon. Falls back to the source checkout's path (which may not exist) if none is found."""
    for root in resource_roots():
        candidate = root / APP_ICON
        if candidate.is_file():
            return candidate
    return resource_roots()[-1] / APP_ICON


def ui_icon_path(name: str) -> Path | None:
    """A small icon the style sheet uses (`check.svg`…), or None when the bundle lacks it."""
    for root in resource_roots():
        candidate = root / UI_ICONS / name
        if candidate.is_file():
            return candidate
    return None
