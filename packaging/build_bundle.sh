#!/usr/bin/env bash
# Build the one-folder VAS Console bundle with the .venv's PyInstaller and check what it must (not) contain.
# Usage: packaging/build_bundle.sh [--dist DIR] [--work DIR] [--clean]
#   --dist DIR  where dist/vas-console is written (default dist/)
#   --work DIR  PyInstaller's work files (default build/)
#   --clean     drop PyInstaller's caches first
# Prints the bundle's path as the last line.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dist=$root/dist
work=$root/build
clean=()
while (($#)); do
  case $1 in
    --dist) dist=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --clean) clean=(--clean); shift ;;
    -h|--help) sed -n '2,7p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "build_bundle: unknown argument $1" >&2; exit 2 ;;
  esac
done
say() { printf '[build_bundle] %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

pyinstaller=$root/.venv/bin/pyinstaller
[[ -x $pyinstaller ]] || fail "$pyinstaller missing: run scripts/bootstrap.sh"
command -v objdump >/dev/null || fail "objdump missing (PyInstaller needs it): apt-get install binutils"

start=$(date +%s%N)
say "PyInstaller $("$pyinstaller" --version) -> $dist/vas-console"
(cd "$root" && "$pyinstaller" --noconfirm "${clean[@]}" --log-level WARN \
  --distpath "$dist" --workpath "$work" packaging/vas_console.spec)
elapsed_ms=$((($(date +%s%N) - start) / 1000000))

bundle=$dist/vas-console
internal=$bundle/_internal
[[ -x $bundle/vas-console ]] || fail "no executable at $bundle/vas-console"
[[ -f $internal/camsim/__init__.py ]] || fail "camsim sources missing from $internal/camsim"
[[ -f $internal/backend_embed/db/migrations/env.py ]] || fail "Alembic migrations missing"
if vlc_libs=$(find "$internal" -name 'libvlc*.so*' -print -quit) && [[ -n $vlc_libs ]]; then
  fail "libVLC was bundled ($vlc_libs); the system libVLC must be used (see docs/packaging.md)"
fi
size=$(du -sh "$bundle" | cut -f1)
say "built in $((elapsed_ms / 1000)).$((elapsed_ms % 1000 / 100)) s, $size"
echo "$bundle"
