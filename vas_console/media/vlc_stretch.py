"""What a player loads: a stretch of one run of a VOD playlist, written as a playlist of its own.

libVLC 3's HLS module refuses seeks once its read-ahead reaches an EXT-X-DISCONTINUITY and ends the input
on a seek past one, so a run (the entries between discontinuities) is played at a time; and it parses a
day's 21,000 entries slowly, so a media covers `LOAD_BACK_MS` before to `LOAD_AHEAD_MS` after the time
asked for. The stretch playlists live in a private temporary folder that `drop()` removes.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from backend_embed.api import PlaylistEntry
from vas_console.core.playclock import PlaylistMap, PlaylistRun, PlaylistText, parse_playlist

LOAD_BACK_MS = 15 * 60_000
LOAD_AHEAD_MS = 45 * 60_000
"""A media covers this much of a run around the time asked for (libVLC parses ~900 entries, not 20,000)."""


class StretchPlaylists:
    """The playlist being played (its map of offsets and runs) and the stretch playlists made from it."""

    def __init__(self) -> None:
        self.map = PlaylistMap(())
        self._text = PlaylistText((), ())
        self._tmpdir: str | None = None
        self._current: Path | None = None
        self._count = 0

    def open(self, playlist_path: str, entries: Sequence[PlaylistEntry]) -> PlaylistMap:
        """Read the playlist described by `entries`; forgets the previous one.

        Raises:
            OSError: the playlist cannot be read or the temporary folder not made.
            PlaylistFormatError: its segments do not match `entries`.
        """
        self.drop()
        self.map = PlaylistMap(entries)
        playlist = Path(playlist_path)
        text = playlist.read_text(encoding="utf-8")
        resolve = functools.partial(_resolve_uri, playlist.parent)
        self._text = parse_playlist(text, resolve, len(self.map.entries))
        self._tmpdir = tempfile.mkdtemp(prefix="vas-playback-")
        return self.map

    @property
    def folder(self) -> Path | None:
        """The private folder of the stretch playlists (None before `open` and after `drop`)."""
        return None if self._tmpdir is None else Path(self._tmpdir)

    def stretch(self, run: PlaylistRun, offset_ms: int) -> tuple[int, int]:
        """The first and last entries of the media to load for `offset_ms` in `run`."""
        entry_at = self.map.entry_at
        first = max(run.first, entry_at(offset_ms - LOAD_BACK_MS))
        if first == entry_at(offset_ms) and first > run.first:
            first -= 1  # pictures decoded before the exact seek lands must not pass for the target
        return first, min(run.last, entry_at(offset_ms + LOAD_AHEAD_MS))

    def write(self, first: int, last: int) -> Path:
        """Write entries `first`..`last` as a new playlist; `replace` it once libVLC has it."""
        assert self._tmpdir is not None
        self._count += 1
        path = Path(self._tmpdir, f"load{self._count:06d}.m3u8")
        path.write_text(self._text.render(first, last), encoding="utf-8")
        return path

    def replace(self, path: Path) -> None:
        """`path` is now the loaded media: the previous (stopped) media's playlist is removed."""
        if self._current is not None:
            self._current.unlink(missing_ok=True)
        self._current = path

    def drop(self) -> None:
        """Remove every stretch playlist and the folder."""
        self._current = None
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None


def _resolve_uri(base: Path, uri: str) -> str:
    if "://" in uri or os.path.isabs(uri):
        return uri
    return str(base / uri)
