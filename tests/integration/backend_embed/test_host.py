"""BackendHost end to end: real SQLite file, real migrations, real simulated cameras probed by real ffprobe."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend_embed.api import (
    BackendEvent,
    CameraSpec,
    CameraStatus,
    CameraStatusChanged,
    ExportFormat,
    ImportFileError,
    NotFoundError,
    ProbeOutcome,
)
from backend_embed.config import BackendConfig
from backend_embed.host import BackendHost
from camsim.launcher import SimulatedCameras

pytestmark = [pytest.mark.requires_rtsp_server, pytest.mark.requires_ffmpeg]


@pytest.fixture
async def host(tmp_path: Path) -> AsyncIterator[BackendHost]:
    """A started host on a fresh SQLite file; the key lives in a 0600 file (no keyring in tests)."""
    config = BackendConfig.local(tmp_path / "config", tmp_path / "data", recheck_interval_s=0)
    backend = BackendHost(config)
    await backend.start()
    yield backend
    await backend.stop()


class StatusWatch:
    """Collects status events and wakes a waiter when a camera reaches a status."""

    def __init__(self) -> None:
        self.events: list[BackendEvent] = []
        self._changed = asyncio.Event()

    def __call__(self, event: BackendEvent) -> None:
        self.events.append(event)
        self._changed.set()

    def _seen(self, camera_id: int, wanted: CameraStatus) -> bool:
        return any(
            isinstance(e, CameraStatusChanged)
            and e.info.camera_id == camera_id
            and e.info.status is wanted
            for e in self.events
        )

    async def until(self, camera_id: int, wanted: CameraStatus) -> None:
        while not self._seen(camera_id, wanted):
            self._changed.clear()
            await self._changed.wait()


async def test_added_camera_is_probed_online_and_its_password_is_only_stored_encrypted(
    host: BackendHost, camsim_cameras: SimulatedCameras
) -> None:
    watch = StatusWatch()
    host.subscribe(watch)
    url = camsim_cameras.url("cam1", "main", credentials=False)
    camera = await host.add_camera(
        CameraSpec(name="Entrance", main_url=url.replace("rtsp://", "rtsp://viewer:s3cr%40t@"))
    )
    assert camera.username == "viewer"
    assert camera.has_password
    assert "s3cr" not in camera.main_url
    async with asyncio.timeout(15):
        await watch.until(camera.id, CameraStatus.ONLINE)
    status = {s.camera_id: s for s in await host.camera_statuses()}[camera.id]
    assert status.probe is not None
    assert (status.probe.codec, status.probe.width, status.probe.height) == ("h264", 1280, 720)

    raw = (
        sqlite3.connect(host.config.data_dir / "vas.sqlite3")
        .execute("SELECT * FROM cameras")
        .fetchall()
    )
    assert "s3cr@t" not in repr(raw)
    assert "s3cr%40t" not in repr(raw)


async def test_probe_spec_names_an_unreachable_camera(
    host: BackendHost, unused_tcp_port: int
) -> None:
    result = await host.probe_spec(
        CameraSpec(name="x", main_url=f"rtsp://127.0.0.1:{unused_tcp_port}/main")
    )
    assert result.outcome is ProbeOutcome.UNREACHABLE


async def test_export_then_import_into_another_host_recreates_cameras_without_passwords(
    host: BackendHost, tmp_path: Path
) -> None:
    group = await host.add_group("Lobby")
    await host.add_camera(
        CameraSpec(
            name="A",
            main_url="rtsp://admin:pw1234@127.0.0.1:9/main",
            group_id=group.id,
            tags=("x",),
        )
    )
    await host.add_camera(CameraSpec(name="B", main_url="rtsp://127.0.0.1:9/live", enabled=False))
    exported = tmp_path / "cameras.json"
    assert await host.export_cameras(exported, ExportFormat.JSON) == 2
    assert "pw1234" not in exported.read_text()

    other = BackendHost(BackendConfig.local(tmp_path / "c2", tmp_path / "d2", recheck_interval_s=0))
    await other.start()
    try:
        report = await other.import_cameras(exported)
        assert sorted(report.added) == ["A", "B"]
        cameras = {c.name: c for c in await other.list_cameras()}
        groups = {g.id: g.name for g in await other.list_groups()}
        assert groups[cameras["A"].group_id] == "Lobby"  # type: ignore[index]
        assert cameras["A"].username == "admin"
        assert not cameras["A"].has_password
        assert not cameras["B"].enabled
    finally:
        await other.stop()


async def test_a_bad_import_file_adds_nothing(host: BackendHost, tmp_path: Path) -> None:
    bad = tmp_path / "cameras.csv"
    bad.write_text(
        "name,main_url\nGood,rtsp://127.0.0.1:9/a\nBad,http://127.0.0.1:9/b\n", encoding="utf-8"
    )
    with pytest.raises(ImportFileError) as excinfo:
        await host.import_cameras(bad)
    assert [e.line for e in excinfo.value.errors] == [3]
    assert await host.list_cameras() == []


async def test_stop_leaves_no_probe_running_and_start_again_keeps_data(tmp_path: Path) -> None:
    config = BackendConfig.local(tmp_path / "config", tmp_path / "data", recheck_interval_s=0)
    first = BackendHost(config)
    await first.start()
    await first.add_camera(CameraSpec(name="Gate", main_url="rtsp://127.0.0.1:9/main"))
    await first.stop()
    second = BackendHost(config)
    await second.start()
    try:
        assert [c.name for c in await second.list_cameras()] == ["Gate"]
    finally:
        await second.stop()


async def test_a_host_removes_the_offline_review_folders_a_killed_host_left(
    tmp_path: Path,
) -> None:
    config = BackendConfig.local(tmp_path / "config", tmp_path / "data", recheck_interval_s=0)
    left = config.data_dir / "cache" / "offline-reviews" / "vas-offline-abc123"
    (left / "playlists").mkdir(parents=True)
    host = BackendHost(config)
    await host.start()
    try:
        assert not left.exists()
        assert left.parent.is_dir()
    finally:
        await host.stop()


async def test_an_unrecorded_camera_has_one_gap_and_protected_ranges_round_trip(
    host: BackendHost,
) -> None:
    camera = await host.add_camera(CameraSpec(name="Dock", main_url="rtsp://127.0.0.1:9/main"))
    coverage = await host.coverage(camera.id, 1_000, 61_000)
    assert coverage.spans == ()
    assert [(g.start_ms, g.end_ms) for g in coverage.gaps] == [(1_000, 61_000)]
    locked = await host.protect_range(camera.id, 1_000, 61_000, "incident 42")
    assert (locked.camera_id, locked.reason) == (camera.id, "incident 42")
    await host.unprotect_range(locked.id)
    with pytest.raises(NotFoundError):
        await host.unprotect_range(locked.id)


async def test_storage_report_describes_the_recordings_volume(host: BackendHost) -> None:
    report = await host.storage_report()
    assert report.root == str(host.config.recordings_dir)
    assert report.total_bytes > report.free_bytes > 0
    assert report.recordings_bytes == 0
    assert report.cameras == ()
