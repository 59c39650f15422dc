"""ClipExporter on real ffmpeg segments in a real SQLite index, and verify_export on what it wrote."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import pytest

from backend_embed.evidence.export import ClipExporter, DestinationError, NothingRecordedError
from backend_embed.evidence.signing import InstallationKey
from backend_embed.evidence.verify import FileStatus, main, verify_export
from tests.helpers.components import require_binary
from tests.integration.backend_embed.evidence.conftest import BASE_MS, Recording

pytestmark = pytest.mark.requires_ffmpeg


def _exporter(
    recording: Recording, signer: InstallationKey, ffmpeg: str = "ffmpeg"
) -> ClipExporter:
    return ClipExporter(recording.root, recording.segments, signer, ffmpeg=ffmpeg)


def _probe(path: Path) -> tuple[str, float]:
    ffprobe = require_binary("ffprobe", hint="apt-get install ffmpeg")
    out = subprocess.run(
        [ffprobe, "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=codec_name:format=duration", "-of", "json", str(path)],
        capture_output=True, text=True, check=True, timeout=30,
    ).stdout  # fmt: skip
    data = json.loads(out)
    return data["streams"][0]["codec_name"], float(data["format"]["duration"])


@pytest.fixture
async def exported(recording: Recording, signer: InstallationKey, tmp_path: Path) -> Path:
    """A real export of both cameras over 2.5 s .. 4.5 s of the recording."""
    dest = tmp_path / "out" / "case-17"
    await _exporter(recording, signer).export(
        recording.cameras, BASE_MS + 2500, BASE_MS + 4500, dest
    )
    return dest


async def test_export_writes_playable_mp4s_and_a_valid_signed_manifest(
    recording: Recording, signer: InstallationKey, tmp_path: Path
) -> None:
    dest = tmp_path / "out" / "case-17"
    seen: list[float] = []
    result = await _exporter(recording, signer).export(
        recording.cameras, BASE_MS + 2500, BASE_MS + 4500, dest, progress=seen.append
    )
    assert seen[0] == 0.0
    assert seen[-1] == 1.0
    names = sorted(p.name for p in dest.iterdir())
    assert names == sorted(
        ["manifest.json", "manifest.sig", "Gate_20261121T100002Z_20261121T100005Z.mp4",
         "Yard_North_20261121T100002Z_20261121T100005Z.mp4"]
    )  # fmt: skip
    for clip in result.clips:
        codec, duration = _probe(dest / clip.file.name)
        assert codec == "h264"
        # whole segments: 2.5 .. 4.5 s takes the segments [2, 3), [3, 4), [4, 5)
        assert abs(duration - 3.0) <= 1.0
        assert (clip.covered_start_ms, clip.covered_end_ms) == (BASE_MS + 2000, BASE_MS + 5000)
    manifest = json.loads((dest / "manifest.json").read_text())
    assert manifest["public_key"] == signer.public_key
    assert manifest["requested"]["start"] == "2026-11-21T10:00:02.500Z"
    assert manifest["covered"]["end_ms"] == BASE_MS + 5000
    report = verify_export(dest, trusted_key=signer.public_key_text())
    assert report.valid
    assert report.signature_ok
    assert report.key_trusted
    assert [f.status for f in report.files] == [FileStatus.OK, FileStatus.OK]
    assert not list(dest.parent.glob(".*"))


async def test_one_changed_byte_in_a_clip_is_reported_as_altered(exported: Path) -> None:
    clip = sorted(exported.glob("Gate_*.mp4"))[0]
    data = bytearray(clip.read_bytes())
    data[len(data) // 2] ^= 0x01
    clip.write_bytes(bytes(data))
    report = verify_export(exported)
    assert not report.valid
    assert report.signature_ok
    assert {f.name: f.status for f in report.files}[clip.name] is FileStatus.ALTERED
    assert [f.status for f in report.files].count(FileStatus.OK) == 1


async def test_one_changed_byte_in_the_manifest_breaks_the_signature(exported: Path) -> None:
    manifest = exported / "manifest.json"
    text = manifest.read_bytes()
    manifest.write_bytes(text.replace(b'"segments": 3', b'"segments": 4', 1))
    report = verify_export(exported)
    assert not report.signature_ok
    assert not report.valid


async def test_deleted_clip_is_missing_and_a_new_file_is_extra(exported: Path) -> None:
    clip = sorted(exported.glob("Yard_*.mp4"))[0]
    clip.unlink()
    (exported / "notes.txt").write_text("added later")
    statuses = {f.name: f.status for f in verify_export(exported).files}
    assert statuses[clip.name] is FileStatus.MISSING
    assert statuses["notes.txt"] is FileStatus.EXTRA


async def test_wrong_trusted_key_is_reported(exported: Path, tmp_path: Path) -> None:
    other = InstallationKey.load_or_create(tmp_path / "other-config")
    report = verify_export(exported, trusted_key=other.public_key)
    assert report.signature_ok
    assert report.key_trusted is False
    assert not report.valid


async def test_command_line_exits_zero_only_when_valid(
    exported: Path, signer: InstallationKey, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(exported), "--key", signer.public_key]) == 0
    assert "VALID" in capsys.readouterr().out
    (exported / "manifest.sig").write_text("AAAA\n")
    assert main([str(exported)]) == 1
    assert "Signature: BAD" in capsys.readouterr().out


async def test_cancelling_mid_export_kills_ffmpeg_and_leaves_no_folder(
    recording: Recording, signer: InstallationKey, tmp_path: Path
) -> None:
    # a real ffmpeg made to copy in real time (-re), so the export is still running when cancelled
    slow = tmp_path / "slow-ffmpeg"
    slow.write_text(f'#!/bin/sh\nexec {require_binary("ffmpeg")} -re "$@"\n')
    slow.chmod(0o755)
    dest = tmp_path / "out" / "cancelled"
    task = asyncio.create_task(
        _exporter(recording, signer, ffmpeg=str(slow)).export(
            recording.cameras, BASE_MS, BASE_MS + 6000, dest
        )
    )
    await asyncio.sleep(1.0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert list((tmp_path / "out").iterdir()) == []


async def test_range_without_recordings_raises_a_clear_error(
    recording: Recording, signer: InstallationKey, tmp_path: Path
) -> None:
    dest = tmp_path / "out" / "empty"
    with pytest.raises(NothingRecordedError, match="Nothing was recorded"):
        await _exporter(recording, signer).export(
            recording.cameras, BASE_MS - 60_000, BASE_MS - 30_000, dest
        )
    assert not dest.exists()


async def test_existing_destination_is_refused(
    recording: Recording, signer: InstallationKey, tmp_path: Path
) -> None:
    dest = tmp_path / "taken"
    dest.mkdir()
    with pytest.raises(DestinationError, match="already exists"):
        await _exporter(recording, signer).export(recording.cameras, BASE_MS, BASE_MS + 1000, dest)
