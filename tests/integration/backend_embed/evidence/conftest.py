"""Fixtures for the export tests: a real SQLite index, real cameras and a real ffmpeg HLS recording."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from backend_embed.api.dto import StreamRole
from backend_embed.db.engine import Database
from backend_embed.db.records import CameraValues
from backend_embed.db.repositories import CameraRepository
from backend_embed.evidence.signing import InstallationKey
from backend_embed.ffmpeg.command import recorder_environment
from backend_embed.recording.segments import SegmentInfo, SegmentRepository
from tests.integration.backend_embed.recording.hls import hls_argv, recorder_layout

#: the recording's first segment starts here (2026-11-21 10:00:00 UTC)
BASE_MS = 1_795_255_200_000


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A fresh real SQLite file only: export reads the index through the same queries on both backends."""
    return f"sqlite+aiosqlite:///{tmp_path / 'vas.db'}"


@dataclass(frozen=True, slots=True)
class Recording:
    """Real 1 s H.264 MPEG-TS segments of the test cameras, indexed from `BASE_MS` on."""

    root: Path
    segments: SegmentRepository
    cameras: tuple[tuple[int, str], ...]
    seconds: int


@pytest_asyncio.fixture
async def recording(database: Database, tmp_path: Path) -> Recording:
    """Two real cameras ("Gate", "Yard/North") each with 6 s of real ffmpeg segments, indexed 1 s apart."""
    root = tmp_path / "recordings"
    repo = SegmentRepository(database)
    cameras = []
    for name in ("Gate", "Yard/North"):
        values = CameraValues(
            name=name, main_url="rtsp://127.0.0.1/x", sub_url=None, username="",
            password_encrypted=None,
        )  # fmt: skip
        camera_id = (await CameraRepository(database).add(values)).id
        cameras.append((camera_id, name))
        await _record(root, camera_id, seconds=6)
        await repo.add_many(_index(root, camera_id))
    return Recording(root, repo, tuple(cameras), 6)


async def _record(root: Path, camera_id: int, *, seconds: int) -> None:
    argv = hls_argv(recorder_layout(root, camera_id), seconds=seconds, realtime=False)
    proc = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE, env=recorder_environment(os.environ),
    )  # fmt: skip
    _out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode(errors="replace")


def _index(root: Path, camera_id: int) -> list[SegmentInfo]:
    files = sorted((root / str(camera_id)).glob("*/*.ts"))
    assert files, "ffmpeg wrote no segments"
    return [
        SegmentInfo(
            camera_id=camera_id,
            stream=StreamRole.MAIN,
            start_ms=BASE_MS + i * 1000,
            end_ms=BASE_MS + (i + 1) * 1000,
            duration_ms=1000,
            size_bytes=path.stat().st_size,
            path=path.relative_to(root).as_posix(),
        )
        for i, path in enumerate(files)
    ]


@pytest.fixture
def signer(tmp_path: Path) -> InstallationKey:
    """A real installation key in the test's own config folder."""
    return InstallationKey.load_or_create(tmp_path / "config")
