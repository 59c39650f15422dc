"""Measuring the camera server's CPU cost with one real ffmpeg client on every stream (stdlib only).

python -m camsim.benchmark --cameras 16 --loop --seconds 20
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from camsim.config import CODECS, CameraConfig, Source
from camsim.launcher import SimulatedCameras

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """Return the user + system CPU seconds `pid` has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def _start_clients(cameras: SimulatedCameras, ffmpeg: str) -> list[subprocess.Popen[bytes]]:
    clients = []
    for name in cameras.cameras:
        for stream in ("main", "sub"):
            argv = [
                ffmpeg,
                "-v",
                "error",
                "-rtsp_transport",
                "tcp",
                "-i",
                cameras.url(name, stream),
            ]
            clients.append(
                subprocess.Popen(
                    [*argv, "-c", "copy", "-f", "null", "-"],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
    return clients


def measure(cameras: SimulatedCameras, seconds: float, warmup: float = 5.0) -> float:
    """Return the server's CPU use, in % of one core, while one client plays every stream.

    Raises:
        FileNotFoundError: ffmpeg is not on PATH.
    """
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise FileNotFoundError("ffmpeg")
    clients = _start_clients(cameras, ffmpeg)
    try:
        time.sleep(warmup)
        cpu0, wall0 = process_cpu_seconds(cameras.pid), time.monotonic()
        time.sleep(seconds)
        cpu1, wall1 = process_cpu_seconds(cameras.pid), time.monotonic()
        alive = sum(client.poll() is None for client in clients)
        if alive != len(clients):
            print(f"warning: only {alive} of {len(clients)} clients still play", file=sys.stderr)
    finally:
        for client in clients:
            client.kill()
        for client in clients:
            client.wait()
    return 100 * (cpu1 - cpu0) / (wall1 - wall0)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the measurement described by the command line and print the result."""
    parser = argparse.ArgumentParser(prog="python -m camsim.benchmark")
    parser.add_argument("--cameras", type=int, default=16)
    parser.add_argument("--codec", choices=CODECS, default="h264")
    parser.add_argument("--loop", action="store_true")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args(argv)
    source: Source = "loop" if args.loop else "live"
    configs = [
        CameraConfig(f"cam{i}", args.codec, source=source) for i in range(1, args.cameras + 1)
    ]
    with SimulatedCameras(configs, workdir=args.workdir) as cameras:
        cpu = measure(cameras, args.seconds)
    print(
        f"{args.cameras} {source} {args.codec} cameras (1280x720 + 640x360 @ 25 fps, one client per "
        f"stream): server CPU {cpu:.1f}% of one core ({cpu / args.cameras:.1f}% per camera)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
