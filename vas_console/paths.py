"""Every filesystem location the console uses, in one place (platformdirs, or one temporary base directory)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "vas-console"


@dataclass(frozen=True, slots=True)
class AppPaths:
    """Where configuration, data, recordings, logs and caches live. Directories are created by `ensure()`."""

    config_dir: Path
    data_dir: Path
    cache_dir: Path
    log_dir: Path

    @property
    def database_file(self) -> Path:
        return self.data_dir / "vas.sqlite3"

    @property
    def recordings_dir(self) -> Path:
        return self.data_dir / "recordings"

    @property
    def key_file(self) -> Path:
        return self.config_dir / "credentials.key"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "vas-console.log"

    @classmethod
    def standard(cls) -> AppPaths:
        """The per-user locations of this platform (XDG on Linux)."""
        return cls(
            config_dir=Path(platformdirs.user_config_dir(APP_NAME)),
            data_dir=Path(platformdirs.user_data_dir(APP_NAME)),
            cache_dir=Path(platformdirs.user_cache_dir(APP_NAME)),
            log_dir=Path(platformdirs.user_log_dir(APP_NAME)),
        )

    @classmethod
    def under(cls, base: Path) -> AppPaths:
        """Everything below one directory: `--temp-basedir`, tests, and `--basedir`."""
        return cls(
            config_dir=base / "config",
            data_dir=base / "data",
            cache_dir=base / "cache",
            log_dir=base / "logs",
        )

    def ensure(self) -> None:
        """Create the directories; the config directory is private to the user (it holds the key file)."""
        for d in (self.config_dir, self.data_dir, self.cache_dir, self.log_dir):
            d.mkdir(parents=True, exist_ok=True)
        os.chmod(self.config_dir, 0o700)
