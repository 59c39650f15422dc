"""BackendHost's evidence calls end to end on a real SQLite file: bookmarks lock recordings, the key persists."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend_embed.api import (
    BackendEvent,
    BookmarkDraft,
    BookmarkQuery,
    BookmarksChanged,
    CameraSpec,
    ClipExportRequest,
    ConflictError,
    ExportFileState,
    SnapshotFilter,
)
from backend_embed.api.errors import BackendError
from backend_embed.config import BackendConfig
from backend_embed.host import BackendHost


def _config(tmp_path: Path) -> BackendConfig:
    # record=False: no recorder tries to reach the (closed) camera port
    return BackendConfig.local(
        tmp_path / "config", tmp_path / "data", recheck_interval_s=0, record=False
    )


@pytest.fixture
async def host(tmp_path: Path) -> AsyncIterator[BackendHost]:
    backend = BackendHost(_config(tmp_path))
    await backend.start()
    yield backend
    await backend.stop()


async def _camera(host: BackendHost) -> int:
    camera = await host.add_camera(CameraSpec(name="Gate", main_url="rtsp://127.0.0.1:9/gate"))
    return camera.id


async def test_a_locked_bookmark_protects_its_range_until_it_is_unlocked(
    host: BackendHost,
) -> None:
    camera_id = await _camera(host)
    events: list[BackendEvent] = []
    host.subscribe(events.append)

    bookmark = await host.add_bookmark(BookmarkDraft(camera_id, 10_000, 20_000, "Van", "", ("x",)))

    assert BookmarksChanged((camera_id,)) in events
    assert await host.list_bookmarks(BookmarkQuery(text="VAN")) == [bookmark]
    with pytest.raises(ConflictError):
        await host.delete_bookmark(bookmark.id)
    await host.set_bookmark_locked(bookmark.id, False)
    await host.delete_bookmark(bookmark.id)
    assert await host.list_bookmarks(BookmarkQuery()) == []


async def test_the_signing_key_is_created_once_and_kept_across_restarts(tmp_path: Path) -> None:
    first = BackendHost(_config(tmp_path))
    await first.start()
    try:
        key = await first.evidence_key()
        assert key.text.startswith("Ed25519 ")
        assert key.fingerprint in key.text
    finally:
        await first.stop()
    second = BackendHost(_config(tmp_path))
    await second.start()
    try:
        assert await second.evidence_key() == key
    finally:
        await second.stop()


async def test_exporting_a_range_with_no_recording_says_so_and_leaves_nothing(
    host: BackendHost, tmp_path: Path
) -> None:
    camera_id = await _camera(host)
    dest = tmp_path / "case-17"
    request = ClipExportRequest("job-1", (camera_id,), 0, 60_000, str(dest))

    with pytest.raises(BackendError, match="Nothing was recorded"):
        await host.export_clips(request)
    assert not dest.exists()


async def test_verify_reports_an_unsigned_folder_as_not_valid_and_names_unlisted_files(
    host: BackendHost, tmp_path: Path
) -> None:
    folder = tmp_path / "not-an-export"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"format": "something else"}))
    (folder / "clip.mp4").write_bytes(b"x")

    result = await host.verify_export(folder)

    assert not result.valid
    assert not result.signature_ok
    assert result.signed_here is None
    assert any("manifest.sig" in p for p in result.problems)
    assert ("clip.mp4", ExportFileState.EXTRA) in [(f.name, f.state) for f in result.files]
    assert "NOT VALID" in result.report


async def test_the_gallery_starts_empty(host: BackendHost) -> None:
    assert await host.list_snapshots(SnapshotFilter()) == []
