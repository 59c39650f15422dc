#!/usr/bin/env bash
# Build vas-console_<version>_<arch>.deb from the one-folder bundle with dpkg-deb (no debhelper needed).
# Usage: packaging/build_deb.sh [--bundle DIR] [--out DIR] [--version V] [--compression xz|zstd|gzip|none]
#   --bundle DIR   the bundle from build_bundle.sh (default dist/vas-console)
#   --out DIR      where the .deb goes (default dist/)
#   --version V    package version (default: [project] version in pyproject.toml)
# Installs /opt/vas-console, /usr/bin/vas-console, the .desktop entry and the icons. Prints the .deb's path last.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bundle=$root/dist/vas-console
out=$root/dist
version=
compression=xz
while (($#)); do
  case $1 in
    --bundle) bundle=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    --compression) compression=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "build_deb: unknown argument $1" >&2; exit 2 ;;
  esac
done
say() { printf '[build_deb] %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

python=$root/.venv/bin/python
[[ -x $bundle/vas-console ]] || fail "no bundle at $bundle: run packaging/build_bundle.sh first"
if [[ -z $version ]]; then
  version=$("$python" -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["project"]["version"])' \
    "$root/pyproject.toml")
fi
arch=$(dpkg --print-architecture)
name=vas-console

# Runtime libraries the bundle loads with dlopen (so no NEEDED entry shows them) or that Qt's xcb platform
# needs on every desktop, plus libVLC, which is deliberately not bundled (docs/packaging.md).
explicit_depends=(
  libvlc5 vlc-plugin-base vlc-plugin-video-output ffmpeg
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0
  libxcb-randr0 libxcb-xinerama0 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3
  fonts-dejavu-core
)
# Demo mode only: the simulated cameras run GStreamer's RTSP server under Debian's python3.
recommends=(
  python3 python3-gi gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0 gir1.2-gst-rtsp-server-1.0
  gstreamer1.0-rtsp gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav
)

start=$(date +%s%N)
say "computing the system libraries the bundle links against"
mapfile -t linked < <("$python" "$root/packaging/deb_depends.py" "$bundle")
depends=$(printf '%s\n' "${explicit_depends[@]}" "${linked[@]}" | sort -u | paste -sd, | sed 's/,/, /g')
recommends_line=$(printf '%s\n' "${recommends[@]}" | paste -sd, | sed 's/,/, /g')

stage=$(mktemp -d "${TMPDIR:-/tmp}/vas-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
pkg=$stage/${name}_${version}_${arch}
install -d -m 0755 "$pkg/DEBIAN" "$pkg/opt" "$pkg/usr/bin" "$pkg/usr/share/applications" \
  "$pkg/usr/share/icons/hicolor/scalable/apps" "$pkg/usr/share/icons/hicolor/256x256/apps" \
  "$pkg/usr/share/doc/$name"
cp -a "$bundle" "$pkg/opt/$name"
install -m 0755 "$root/packaging/debian/vas-console.sh" "$pkg/usr/bin/$name"
install -m 0644 "$root/packaging/debian/vas-console.desktop" "$pkg/usr/share/applications/$name.desktop"
install -m 0644 "$root/resources/icons/vas-console.svg" "$pkg/usr/share/icons/hicolor/scalable/apps/$name.svg"
install -m 0644 "$root/resources/icons/vas-console-256.png" "$pkg/usr/share/icons/hicolor/256x256/apps/$name.png"
install -m 0644 "$root/packaging/debian/copyright" "$pkg/usr/share/doc/$name/copyright"
# dpkg installs modes as they are in the tree: no group/world write anywhere
chmod -R u+rwX,go+rX,go-w "$pkg"

installed_kb=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
cat > "$pkg/DEBIAN/control" <<CONTROL
Package: $name
Version: $version
Architecture: $arch
Maintainer: VAS Console team <dev@vas.local>
Installed-Size: $installed_kb
Section: video
Priority: optional
Depends: $depends
Recommends: $recommends_line
Homepage: https://vas.local/console
Description: desktop operator console for video surveillance
 VAS Console shows live cameras (WebRTC from its embedded recorder), records
 them with ffmpeg and plays recordings back with the system's libVLC.
 .
 The application is a self-contained PyInstaller bundle in /opt/vas-console;
 demo mode (vas-console --demo) needs the recommended GStreamer packages.
CONTROL
chmod 0644 "$pkg/DEBIAN/control"

mkdir -p "$out"
deb=$out/${name}_${version}_${arch}.deb
say "dpkg-deb ($compression) -> $deb"
dpkg-deb --root-owner-group -Z"$compression" --build "$pkg" "$deb" >/dev/null
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
say "built in $((elapsed_ms / 1000)).$((elapsed_ms % 1000 / 100)) s, $(du -h "$deb" | cut -f1), installs ${installed_kb} KiB"
echo "$deb"
