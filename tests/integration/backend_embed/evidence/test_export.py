"""ClipExporter on real ffmpeg segments in a real SQLite index, and verify_export on what it wrote."""

from __future__ import annotations

import asyncio
import itertools
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
    seen: list[tuple[float, str]] = []
    result = await _exporter(recording, signer).export(
        recording.cameras, BASE_MS + 2500, BASE_MS + 4500, dest,
        progress=lambda fraction, detail: seen.append((fraction, detail)),
    )  # fmt: skip
    assert seen[0] == (0.0, "Starting")
    assert seen[-1] == (1.0, "Signed")
    assert (0.5, "Gate (1 of 2)") in seen
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
    # copying in real time, so the export is still running when cancelled
    slow = _slow_ffmpeg(tmp_path)
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


def _slow_ffmpeg(tmp_path: Path) -> Path:
    """A real ffmpeg made to copy in real time (-re), so an export takes as long as its video."""
    slow = tmp_path / "slow-ffmpeg"
    slow.write_text(f'#!/bin/sh\nexec {require_binary("ffmpeg")} -re "$@"\n')
    slow.chmod(0o755)
    return slow


async def test_progress_moves_within_each_clip_with_its_camera_named(
    recording: Recording, signer: InstallationKey, tmp_path: Path
) -> None:
    seen: list[tuple[float, str, float]] = []
    loop = asyncio.get_running_loop()
    await _exporter(recording, signer, ffmpeg=str(_slow_ffmpeg(tmp_path))).export(
        recording.cameras, BASE_MS, BASE_MS + 2000, tmp_path / "out" / "slow",
        progress=lambda fraction, detail: seen.append((fraction, detail, loop.time())),
    )  # fmt: skip
    fractions = [f for f, _d, _t in seen]
    assert fractions == sorted(fractions)
    # two 2 s clips copied in real time: ffmpeg's own reports land inside each half, not only at its end
    assert any(0 < f < 0.5 and d == "Gate (1 of 2)" for f, d, _t in seen)
    assert any(0.5 < f < 1 and d == "Yard/North (2 of 2)" for f, d, _t in seen)
    assert seen[-1][:2] == (1.0, "Signed")
    # throttled: the reports ffmpeg's lines cause (not the forced ones at a clip's end) are >= 0.2 s apart
    inside = [t for f, _d, t in seen if f not in (0.0, 0.5, 1.0)]
    assert all(b - a >= 0.19 for a, b in itertools.pairwise(inside))


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
