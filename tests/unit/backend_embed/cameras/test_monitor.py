"""CameraMonitor: statuses from probes, disabled cameras never probed, rechecks, clean stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from backend_embed.api import (
    Camera,
    CameraStatus,
    CameraStatusChanged,
    NotFoundError,
    ProbeOutcome,
    ProbeResult,
    RecordingSettings,
    StreamRole,
)
from backend_embed.cameras.monitor import CameraMonitor, status_from_probe
from backend_embed.events import EventBus


def _camera(camera_id: int, *, enabled: bool = True) -> Camera:
    now = datetime.now(UTC)
    return Camera(
        id=camera_id,
        name=f"cam{camera_id}",
        main_url=f"rtsp://127.0.0.1:{8550 + camera_id}/main",
        sub_url=None,
        username="",
        has_password=False,
        group_id=None,
        tags=(),
        location="",
        enabled=enabled,
        recording=RecordingSettings(),
        created_at=now,
        updated_at=now,
    )


class ScriptedProber:
    """Answers probes from a table keyed by URL; counts calls."""

    def __init__(self, results: dict[str, ProbeResult]) -> None:
        self.results = results
        self.calls: list[str] = []

    async def __call__(self, url: str, timeout_s: float, secrets: Sequence[str]) -> ProbeResult:
        self.calls.append(url)
        await asyncio.sleep(0)
        return self.results[url]


OK = ProbeResult(ProbeOutcome.OK, "ok", codec="h264", width=1280, height=720, fps=25.0)
AUTH = ProbeResult(ProbeOutcome.AUTH_FAILED, "The camera rejected the user name or password.")
DOWN = ProbeResult(ProbeOutcome.UNREACHABLE, "Nothing answers at 127.0.0.1:8552.")


async def _urls(camera_id: int, role: StreamRole) -> tuple[str, Sequence[str]]:
    if camera_id == 99:
        raise NotFoundError("gone")
    return f"rtsp://127.0.0.1:{8550 + camera_id}/main", ()


def _monitor(bus: EventBus, prober: ScriptedProber, recheck: float = 0) -> CameraMonitor:
    return CameraMonitor(bus, _urls, prober, timeout_s=1, concurrency=2, recheck_interval_s=recheck)


@pytest.mark.parametrize(
    ("result", "status"),
    [(OK, CameraStatus.ONLINE), (AUTH, CameraStatus.AUTH_FAILED), (DOWN, CameraStatus.OFFLINE)],
    ids=["ok", "auth", "unreachable"],
)
def test_status_from_probe_maps_each_outcome(result: ProbeResult, status: CameraStatus) -> None:
    info = status_from_probe(7, result)
    assert info.status is status
    assert info.probe is result
    assert info.reason == (result.summary() if result.ok else result.message)


async def test_start_probes_enabled_cameras_and_publishes_their_status() -> None:
    bus = EventBus()
    events: list[CameraStatusChanged] = []
    bus.subscribe(lambda e: events.append(e) if isinstance(e, CameraStatusChanged) else None)
    prober = ScriptedProber({"rtsp://127.0.0.1:8551/main": OK, "rtsp://127.0.0.1:8552/main": AUTH})
    monitor = _monitor(bus, prober)
    monitor.start([_camera(1), _camera(2), _camera(3, enabled=False)])
    for _ in range(50):
        if len([s for s in monitor.statuses() if s.probe is not None]) == 2:
            break
        await asyncio.sleep(0.01)
    await monitor.stop()
    by_id = {s.camera_id: s.status for s in monitor.statuses()}
    assert by_id == {1: CameraStatus.ONLINE, 2: CameraStatus.AUTH_FAILED, 3: CameraStatus.DISABLED}
    assert "rtsp://127.0.0.1:8553/main" not in prober.calls
    assert [e.info.status for e in events if e.info.camera_id == 1] == [
        CameraStatus.UNKNOWN,
        CameraStatus.PROBING,
        CameraStatus.ONLINE,
    ]


async def test_cameras_not_online_are_probed_again_after_the_interval() -> None:
    prober = ScriptedProber({"rtsp://127.0.0.1:8551/main": OK, "rtsp://127.0.0.1:8552/main": DOWN})
    monitor = _monitor(EventBus(), prober, recheck=0.05)
    monitor.start([_camera(1), _camera(2)])
    for _ in range(100):
        if prober.calls.count("rtsp://127.0.0.1:8552/main") >= 3:
            break
        await asyncio.sleep(0.01)
    await monitor.stop()
    assert prober.calls.count("rtsp://127.0.0.1:8552/main") >= 3
    assert prober.calls.count("rtsp://127.0.0.1:8551/main") == 1


async def test_a_camera_deleted_before_its_probe_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    monitor = _monitor(EventBus(), ScriptedProber({}))
    monitor.start([_camera(99)])
    for _ in range(50):
        if "not probed" in caplog.text:
            break
        await asyncio.sleep(0.01)
    await monitor.stop()
    assert "Camera 99 not probed: gone" in caplog.text
    assert [s.status for s in monitor.statuses()] == [CameraStatus.UNKNOWN]


async def test_track_disabled_shows_disabled_and_does_not_probe() -> None:
    prober = ScriptedProber({"rtsp://127.0.0.1:8551/main": OK})
    monitor = _monitor(EventBus(), prober)
    monitor.start([])
    monitor.track(_camera(1, enabled=False))
    await asyncio.sleep(0.05)
    await monitor.stop()
    assert [s.status for s in monitor.statuses()] == [CameraStatus.DISABLED]
    assert prober.calls == []
