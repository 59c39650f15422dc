"""The backend's event bus: subscribers are called in order on the backend's loop; one failing is logged."""

from __future__ import annotations

import logging

from backend_embed.api.events import BackendEvent
from backend_embed.api.protocol import EventCallback, Unsubscribe

logger = logging.getLogger(__name__)


class EventBus:
    """Delivers each published event to every subscriber. Subscribers must not block: they post and return."""

    def __init__(self) -> None:
        self._subscribers: list[EventCallback] = []

    def subscribe(self, callback: EventCallback) -> Unsubscribe:
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def publish(self, event: BackendEvent) -> None:
        """Deliver `event`. A subscriber that raises is logged and does not stop the others."""
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:
                logger.exception("Event subscriber %r failed on %s", callback, type(event).__name__)
