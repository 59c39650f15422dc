"""Helpers for tests of a real BackendHost: add a simulated camera and wait until it records."""

from __future__ import annotations

import asyncio

from backend_embed.api import (
    Camera,
    CameraSpec,
    RecorderState,
    RecorderStatusChanged,
    RecordingSettings,
    StreamRole,
)
from backend_embed.host import BackendHost
from camsim.launcher import SimulatedCameras


async def add_recording_camera(
    host: BackendHost,
    sim: SimulatedCameras,
    sim_name: str,
    name: str,
    *,
    within_s: float = 20,
    recorded: StreamRole = StreamRole.MAIN,
) -> Camera:
    """Register camsim camera `sim_name` (main and sub stream) as `name`; return once it records.

    `recorded`: the stream it records (main by default, as the operator's default).
    """
    recording = asyncio.Event()

    def on_event(event: object) -> None:
        if (
            isinstance(event, RecorderStatusChanged)
            and event.status.state is RecorderState.RECORDING
        ):
            recording.set()

    unsubscribe = host.subscribe(on_event)
    try:
        camera = await host.add_camera(
            CameraSpec(
                name=name,
                main_url=sim.url(sim_name, "main", credentials=False),
                sub_url=sim.url(sim_name, "sub", credentials=False),
                recording=RecordingSettings(stream=recorded),
            )
        )
        async with asyncio.timeout(within_s):
            await recording.wait()
    finally:
        unsubscribe()
    return camera
