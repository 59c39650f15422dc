"""Manifest bytes and clip file names."""

from __future__ import annotations

import json

import pytest

from backend_embed.evidence.manifest import (
    CameraClip,
    ExportedFile,
    build_manifest,
    clip_file_name,
    iso_utc,
)

T0 = 1_795_255_200_000  # 2026-11-21 10:00:00 UTC


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Gate", "Gate"),
        ("Yard / North", "Yard_North"),
        ("../../etc/passwd", "etc_passwd"),
        ("Caméra Entrée", "Caméra_Entrée"),
        ("...", "camera-7"),
        ("a" * 80, "a" * 60),
        ('Dock: "east"?*', "Dock_east"),
    ],
    ids=["plain", "slash", "traversal", "accents", "nothing-left", "long", "windows-reserved"],
)
def test_clip_file_name_is_sanitised(name: str, expected: str) -> None:
    assert (
        clip_file_name(name, 7, T0, T0 + 60_000)
        == f"{expected}_20261121T100000Z_20261121T100100Z.mp4"
    )


def _clip(camera_id: int, name: str) -> CameraClip:
    return CameraClip(
        camera_id=camera_id,
        camera_name=name,
        file=ExportedFile(f"{name}.mp4", 1234, "ab" * 32, 12.3456),
        covered_start_ms=T0 + camera_id * 1000,
        covered_end_ms=T0 + 60_000 + camera_id,
        segments=15,
        gaps=((T0 + 8000, T0 + 12_000),),
    )


def test_manifest_lists_key_ranges_cameras_and_files_deterministically() -> None:
    args = {
        "public_key": "KEY",
        "key_fingerprint": "ab12:cd34:ef56:7890",
        "requested": (T0 + 2500, T0 + 60_000),
        "clips": [_clip(1, "Gate"), _clip(2, "Yard")],
        "created_ms": T0 + 90_000,
    }
    data = build_manifest(**args)  # type: ignore[arg-type]
    assert data == build_manifest(**args)  # type: ignore[arg-type]
    document = json.loads(data)
    assert document["format_version"] == 1
    assert document["public_key"] == "KEY"
    assert document["requested"] == {
        "start_ms": T0 + 2500, "end_ms": T0 + 60_000,
        "start": "2026-11-21T10:00:02.500Z", "end": "2026-11-21T10:01:00.000Z",
    }  # fmt: skip
    assert (document["covered"]["start_ms"], document["covered"]["end_ms"]) == (
        T0 + 1000,
        T0 + 60_002,
    )
    assert [c["file"] for c in document["cameras"]] == ["Gate.mp4", "Yard.mp4"]
    assert document["cameras"][0]["gaps"][0]["start"] == "2026-11-21T10:00:08.000Z"
    assert document["files"][0] == {
        "name": "Gate.mp4", "bytes": 1234, "sha256": "ab" * 32, "duration_s": 12.346,
    }  # fmt: skip


def test_iso_utc_keeps_milliseconds() -> None:
    assert iso_utc(T0 + 7) == "2026-11-21T10:00:00.007Z"
