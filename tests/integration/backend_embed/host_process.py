"""A backend host in its own process, for tests that kill it: `python -m tests.integration.backend_embed.host_process`.

Arguments: CONFIG_DIR DATA_DIR CAMERA_URL. Adds the camera if the database has none, prints `RECORDING` once
two segments of it are on disk, then runs until killed.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from backend_embed.api import CameraSpec
from backend_embed.config import BackendConfig
from backend_embed.host import BackendHost


async def main(config_dir: Path, data_dir: Path, url: str) -> None:
    host = BackendHost(BackendConfig.local(config_dir, data_dir, recheck_interval_s=0))
    await host.start()
    if not await host.list_cameras():
        await host.add_camera(CameraSpec(name="Killed", main_url=url))
    root = host.config.recordings_dir
    while len(list(root.rglob("*.ts"))) < 2:  # noqa: ASYNC110 - polling the file system
        await asyncio.sleep(0.2)
    print("RECORDING", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]))
