"""Demo mode: start simulated cameras and make sure the backend has them registered, with their current URLs."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path

from backend_embed.api import BackendApi, Camera, CameraSpec, RecordingSettings
from camsim.config import CameraConfig
from camsim.launcher import SimulatedCameras

logger = logging.getLogger(__name__)

DEMO_TAG = "demo"
_GROUPS = ("Lobby", "Parking")
_NAMES = ("Entrance", "Reception", "Gate", "Level -1")


def demo_camera_name(index: int) -> str:
    """Names shown in the tree: `Entrance`, `Reception`, ... then `Demo 5`, `Demo 6`, ..."""
    return _NAMES[index] if index < len(_NAMES) else f"Demo {index + 1}"


class DemoCameras:
    """Owns the simulated camera server of demo mode. `start()` then `register()`; `stop()` always."""

    def __init__(self, count: int, workdir: Path) -> None:
        # Pre-encoded looping clips: about 2 % of a core per camera instead of 30 % for a live encoder, so a
        # demo workstation can record and show all of them. Their burned-in clock is the clip's, not live.
        self._configs = [CameraConfig(name=f"cam{i + 1}", source="loop") for i in range(count)]
        self._sim = SimulatedCameras(self._configs, workdir=workdir)
        self._started = False

    async def start(self) -> None:
        """Start the RTSP server (a subprocess) without blocking the calling loop."""
        logger.info("Starting %d simulated cameras", len(self._configs))
        self._started = True
        await asyncio.to_thread(self._sim.start)

    def stop(self) -> None:
        if self._started:
            self._started = False
            self._sim.stop()

    async def register(self, backend: BackendApi) -> list[Camera]:
        """Add the demo cameras, or point existing ones (from an earlier demo run) at this run's URLs."""
        groups = {g.name: g.id for g in await backend.list_groups()}
        for name in _GROUPS:
            if name not in groups:
                groups[name] = (await backend.add_group(name)).id
        existing = {c.name: c for c in await backend.list_cameras()}
        cameras = []
        for index, config in enumerate(self._configs):
            spec = CameraSpec(
                name=demo_camera_name(index),
                main_url=self._sim.url(config.name, "main", credentials=False),
                sub_url=self._sim.url(config.name, "sub", credentials=False),
                group_id=groups[_GROUPS[index * len(_GROUPS) // len(self._configs)]],
                tags=(DEMO_TAG,),
                location=f"Simulated camera {index + 1}",
                recording=RecordingSettings(),
            )
            current = existing.get(spec.name)
            if current is None:
                cameras.append(await backend.add_camera(spec))
            elif DEMO_TAG in current.tags:
                keep = replace(spec, group_id=current.group_id, enabled=current.enabled)
                cameras.append(await backend.update_camera(current.id, keep))
        return cameras
