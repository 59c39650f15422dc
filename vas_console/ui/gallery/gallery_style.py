"""The gallery's additions to the application's dark style sheet (colours from `theme`)."""

from __future__ import annotations

from vas_console.ui.theme import (
    ACCENT,
    BASE,
    BORDER,
    BORDER_STRONG,
    PANEL,
    PANEL_HOVER,
    TEXT,
    TEXT_DIM,
)

GALLERY_STYLE = f"""
QLabel#galleryTitle {{ color: {TEXT}; font-size: 17px; font-weight: 600; }}
QLabel#galleryCount {{ color: {TEXT_DIM}; padding-bottom: 2px; }}
QToolBar#galleryToolbar {{ background: transparent; border: none; spacing: 6px; padding: 0; }}
QToolBar#galleryToolbar::separator {{ background: {BORDER}; width: 1px; margin: 4px 4px; }}
QToolBar#galleryToolbar QToolButton, QToolButton#cameraFilter {{
    color: {TEXT}; background: {PANEL}; border: 1px solid {BORDER_STRONG}; border-radius: 3px;
    padding: 4px 12px;
}}
QToolBar#galleryToolbar QToolButton:hover, QToolButton#cameraFilter:hover {{ background: {PANEL_HOVER}; }}
QToolBar#galleryToolbar QToolButton:disabled {{ color: {TEXT_DIM}; border-color: {BORDER}; }}
QToolButton#cameraFilter::menu-indicator {{ image: none; width: 0; }}
QToolButton#cameraFilter:focus {{ border-color: {ACCENT}; }}
QListView#snapshotGrid {{ background: {BASE}; border: 1px solid {BORDER}; }}
QLabel#snapshotMeta {{ color: {TEXT}; }}
QLabel#zoomLabel {{ color: {TEXT}; }}
"""
