"""Zoom gestures of the timeline: a pinch (touch screens) or the native zoom gesture (touchpads)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QNativeGestureEvent
from PySide6.QtWidgets import QGestureEvent, QPinchGesture, QWidget


def zoom_gesture(widget: QWidget, event: QEvent) -> tuple[float, float] | None:
    """(factor, widget x of the centre) when `event` is a zoom gesture over `widget`, else None.

    A factor above 1 zooms in. The event is accepted when it is one.
    """
    if isinstance(event, QGestureEvent):
        pinch = event.gesture(Qt.GestureType.PinchGesture)
        if isinstance(pinch, QPinchGesture):
            centre = widget.mapFromGlobal(pinch.centerPoint().toPoint())
            event.accept()
            return pinch.scaleFactor(), float(centre.x())
    if (
        isinstance(event, QNativeGestureEvent)
        and event.gestureType() is Qt.NativeGestureType.ZoomNativeGesture
    ):
        return 1.0 + event.value(), event.position().x()
    return None
