"""Clip export benchmark: one hour of one camera exported (stream copy, hash, sign) with ClipExporter.

Run from the repository root:  .venv/bin/python bench/export.py [--quick]

1. Records 60 s (20 s with --quick) of a lavfi test picture (640x360, 25 fps, 2 s GOP, libx264) into 4 s
   MPEG-TS HLS segments, as the recorder writes them.
2. Indexes hard-linked copies of those segments over one hour (ten minutes with --quick) (one per minute: the clip fills each minute) with shifted times
   in a temporary SQLite database, through the production migration and `SegmentRepository`.
3. Exports the whole range with `ClipExporter` (ffmpeg concat, `-c copy -movflags +faststart`, SHA-256,
   ffprobe, Ed25519 manifest) and checks the result with `verify_export`.

Last line:  RESULT name=export realtime_factor=<media duration / wall time>
Goal: realtime_factor >= 100.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/export.py`
    sys.path.insert(0, str(ROOT))

from backend_embed.api.dto import StreamRole  # noqa: E402
from backend_embed.db.engine import Database  # noqa: E402
from backend_embed.db.migrate import upgrade_to_head  # noqa: E402
from backend_embed.db.records import CameraValues  # noqa: E402
from backend_embed.db.repositories import CameraRepository  # noqa: E402
from backend_embed.evidence.export import ClipExporter  # noqa: E402
from backend_embed.evidence.signing import InstallationKey  # noqa: E402
from backend_embed.evidence.verify import verify_export  # noqa: E402
from backend_embed.recording.segments import SegmentInfo, SegmentRepository  # noqa: E402

BASE_MS = 1_795_255_200_000  # 2026-11-21 10:00:00 UTC
SEGMENT_MS = 4000


def record_clip(folder: Path, seconds: int) -> list[Path]:
    """A real 4 s-segment HLS recording of a test picture (faster than real time)."""
    folder.mkdir(parents=True)
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin",
         "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-t", str(seconds),
         "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p",
         "-f", "hls", "-hls_time", "4", "-hls_list_size", "0", "-hls_segment_type", "mpegts",
         "-hls_segment_filename", str(folder / "seg-%03d.ts"), str(folder / "clip.m3u8")],
        check=True, timeout=300,
    )  # fmt: skip
    return sorted(folder.glob("seg-*.ts"))


def lay_out(root: Path, camera_id: int, clip: list[Path], minutes: int) -> list[SegmentInfo]:
    """Hard links of the clip's segments, one copy per minute, as the index would list them."""
    day = root / str(camera_id) / "2026-11-21"
    day.mkdir(parents=True)
    infos = []
    for minute in range(minutes):
        for i, source in enumerate(clip):
            start = BASE_MS + minute * 60_000 + i * SEGMENT_MS
            name = f"main-m{minute:04d}-{i:03d}.ts"
            os.link(source, day / name)
            infos.append(
                SegmentInfo(
                    camera_id=camera_id,
                    stream=StreamRole.MAIN,
                    start_ms=start,
                    end_ms=start + SEGMENT_MS,
                    duration_ms=SEGMENT_MS,
                    size_bytes=source.stat().st_size,
                    path=f"{camera_id}/2026-11-21/{name}",
                )
            )
    return infos


async def run(work: Path, *, quick: bool) -> float:
    clip = record_clip(work / "clip", 20 if quick else 60)
    minutes = 10 if quick else 60
    url = f"sqlite+aiosqlite:///{work / 'vas.db'}"
    upgrade_to_head(url)
    db = await Database.open(url)
    try:
        camera = await CameraRepository(db).add(
            CameraValues(
                name="Gate",
                main_url="rtsp://127.0.0.1/x",
                sub_url=None,
                username="",
                password_encrypted=None,
            )
        )
        segments = SegmentRepository(db)
        await segments.add_many(lay_out(work / "recordings", camera.id, clip, minutes))
        key = InstallationKey.load_or_create(work / "config")
        exporter = ClipExporter(work / "recordings", segments, key)
        started = time.perf_counter()
        result = await exporter.export(
            [(camera.id, "Gate")], BASE_MS, BASE_MS + minutes * 60_000, work / "export"
        )
        wall = time.perf_counter() - started
    finally:
        await db.dispose()
    report = verify_export(result.folder, trusted_key=key.public_key)
    size_mb = result.clips[0].file.bytes / 1e6
    print(
        f"exported {result.clips[0].segments} segments, {result.media_s:.0f} s of video, "
        f"{size_mb:.1f} MB in {wall:.2f} s; verify: {'valid' if report.valid else 'NOT VALID'}"
    )
    if not report.valid:
        raise SystemExit("the export does not verify")
    return result.media_s / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="ten minutes, 20 s recorded in each")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vas-bench-export-") as tmp:
        factor = asyncio.run(run(Path(tmp), quick=args.quick))
    print(f"RESULT name=export realtime_factor={factor:.0f}")


if __name__ == "__main__":
    main()
