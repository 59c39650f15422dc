"""Demo mode: simulated cameras are registered once, and a later demo run re-points them at its new ports."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend_embed.config import BackendConfig
from backend_embed.host import BackendHost
from tests.helpers.camsim_fixtures import require_camsim_components
from vas_console.core.demo import DEMO_TAG, DemoCameras

pytestmark = [pytest.mark.requires_rtsp_server]


async def _run_demo(config: BackendConfig, workdir: Path) -> dict[str, str]:
    host = BackendHost(config)
    demo = DemoCameras(2, workdir)
    await host.start()
    try:
        await demo.start()
        await demo.register(host)
        cameras = await host.list_cameras()
        groups = {g.id: g.name for g in await host.list_groups()}
        assert all(DEMO_TAG in c.tags for c in cameras)
        assert sorted(groups[c.group_id] for c in cameras if c.group_id) == ["Lobby", "Parking"]
        return {c.name: c.main_url for c in cameras}
    finally:
        demo.stop()
        await host.stop()


async def test_a_second_demo_run_updates_urls_instead_of_adding_cameras(tmp_path: Path) -> None:
    require_camsim_components()
    config = BackendConfig.local(tmp_path / "config", tmp_path / "data", recheck_interval_s=0)
    first = await _run_demo(config, tmp_path / "cache")
    second = await _run_demo(config, tmp_path / "cache")
    assert sorted(first) == sorted(second) == ["Entrance", "Reception"]
    assert all(url.startswith("rtsp://127.0.0.1:") for url in second.values())
    assert first != second  # each run's server listens on new ports
