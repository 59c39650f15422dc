"""Start-up benchmark: launch `vas-console --demo --smoke-test` N times and time launch -> main window shown.

Run from the repository root:  .venv/bin/python bench/startup.py [--quick] [--runs N] [--executable PATH]
Uses $DISPLAY if set, else a private Xvfb. The last line is machine-readable:
    RESULT name=startup window_ms=<median>
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import statistics
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_MS = 3000
CAMERAS_LOADED = re.compile(r"^VAS_CAMERAS_LOADED (\d+)\s*$", re.MULTILINE)


class BenchmarkError(RuntimeError):
    """A run failed: it exited non-zero, never showed its window, or left processes behind."""


@dataclass(frozen=True, slots=True)
class StartupSample:
    """One launch: milliseconds from just before Popen to each marker, and the whole run's length."""

    window_ms: int
    cameras_ms: int | None
    total_ms: int


def _make_repository_importable() -> None:
    """Make the repository importable when run as `python bench/startup.py`."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


@contextmanager
def x_display(log_dir: Path) -> Iterator[str]:
    """$DISPLAY when set, else a private Xvfb server for the duration of the block (stopped and reaped)."""
    current = os.environ.get("DISPLAY")
    if current:
        yield current
        return
    from tests.helpers.display import XvfbServer

    executable = shutil.which("Xvfb")
    if executable is None:
        raise BenchmarkError("no DISPLAY and no Xvfb: run scripts/bootstrap.sh")
    with XvfbServer.start(executable, log_file=log_dir / "xvfb.log") as server:
        yield server.display


def measure(argv: Sequence[str], display: str, workdir: Path, timeout: float) -> StartupSample:
    """Launch the console once and return its timings.

    Raises:
        BenchmarkError: the run was not clean (see `tests.e2e.console_process.assert_clean_smoke_run`).
    """
    from tests.e2e.console_process import run_console

    run = run_console(argv, display=display, workdir=workdir, timeout=timeout)
    shown = run.window_shown_ms
    if run.returncode != 0 or shown is None or run.survivors:
        raise BenchmarkError(f"run failed (survivors: {run.survivors})\n{run.describe()}")
    cameras = CAMERAS_LOADED.search(run.stdout)
    return StartupSample(
        window_ms=shown - run.launched_ms,
        cameras_ms=int(cameras.group(1)) - run.launched_ms if cameras else None,
        total_ms=run.exited_ms - run.launched_ms,
    )


def nearest_rank(values: Sequence[int], fraction: float) -> int:
    """The nearest-rank percentile (p95 of five runs is their maximum)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def summarize(name: str, values: Sequence[int]) -> str:
    return (
        f"{name}: median {statistics.median(values):.0f} ms, p95 {nearest_rank(values, 0.95)} ms, "
        f"max {max(values)} ms (n={len(values)})"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="launches to time (default 5)")
    parser.add_argument("--quick", action="store_true", help="two launches")
    parser.add_argument(
        "--executable",
        type=Path,
        default=Path(sys.executable).parent / "vas-console",
        help="the console to start, e.g. dist/vas-console/vas-console (default: the .venv's)",
    )
    parser.add_argument(
        "--no-demo", action="store_true", help="start without the simulated cameras"
    )
    parser.add_argument(
        "--smoke-seconds", type=float, default=2.0, help="--smoke-test SECONDS (default 2)"
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds one run may take")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the samples as JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _make_repository_importable()
    runs = 2 if args.quick else args.runs
    command = [str(args.executable), "--temp-basedir", "--smoke-test", str(args.smoke_seconds)]
    if not args.no_demo:
        command.insert(1, "--demo")
    print(f"startup: {runs} runs of {' '.join(command)}")
    samples: list[StartupSample] = []
    with tempfile.TemporaryDirectory(prefix="vas-bench-") as tmp, x_display(Path(tmp)) as display:
        for index in range(1, runs + 1):
            try:
                sample = measure(command, display, Path(tmp) / f"run{index}", args.timeout)
            except BenchmarkError as exc:
                print(f"run {index}: FAILED\n{exc}", file=sys.stderr)
                return 1
            samples.append(sample)
            cameras = f"{sample.cameras_ms} ms" if sample.cameras_ms is not None else "n/a"
            print(
                f"run {index}: window {sample.window_ms} ms, cameras loaded {cameras}, "
                f"exited after {sample.total_ms} ms"
            )
    window = [s.window_ms for s in samples]
    cameras_loaded = [s.cameras_ms for s in samples if s.cameras_ms is not None]
    if cameras_loaded:
        print(summarize("cameras loaded", cameras_loaded))
    median = statistics.median(window)
    verdict = "within" if median < GOAL_MS else "OVER"
    print(f"{summarize('window shown', window)}; goal {GOAL_MS} ms: {verdict}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([asdict(s) for s in samples], indent=2) + "\n")
    print(f"RESULT name=startup window_ms={median:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
