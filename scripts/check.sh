#!/usr/bin/env bash
# Set everything up and run every check: format, lint, types, layer contracts, the whole test suite
# (unit, GUI, integration with real ffmpeg/GStreamer/PostgreSQL/libVLC, e2e of the packaged bundle).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
"$root/scripts/bootstrap.sh"
export PATH="$root/.venv/bin:$PATH"
step() { printf '\n[check] %s\n' "$*"; }
step "ruff format --check";  ruff format --check .
step "ruff check";           ruff check .
step "mypy";                 mypy
step "lint-imports";         lint-imports
step "pytest"
# A missing ffmpeg, GStreamer, PostgreSQL, libVLC or Xvfb fails its tests, never skips them.
pytest "$@"
