"""Processes that outlive a single test on purpose (session-scoped servers), so the leak check spares them."""

from __future__ import annotations

_session_pids: set[int] = set()


def register_session_process(pid: int) -> None:
    """Declare `pid` (and its descendants) a session-scoped server that the per-test leak check must spare."""
    _session_pids.add(pid)


def unregister_session_process(pid: int) -> None:
    _session_pids.discard(pid)


def session_pids() -> frozenset[int]:
    return frozenset(_session_pids)
