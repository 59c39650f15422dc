"""Validated configuration of one backend host (embedded in the console or a headless recorder node)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from backend_embed.api.errors import InvalidInputError
from backend_embed.webrtc.access_token import check_token

_SUPPORTED_URL_PREFIXES = ("sqlite+aiosqlite:///", "postgresql+psycopg://")


@dataclass(frozen=True, slots=True)
class BackendConfig:
    """Where the backend keeps its data and how it talks to cameras.

    Attributes:
        database_url: `sqlite+aiosqlite:///<file>` (the default, one workstation) or
            `postgresql+psycopg://user@host/db` (a site with several consoles and recorder nodes).
        config_dir: private directory (0700) holding the credentials key file when no OS keyring exists,
            and the WHEP access token file.
        data_dir: recordings, snapshots, database backups.
        probe_timeout_s: how long a connection test may take before it is reported as a timeout.
        probe_concurrency: how many cameras are probed at once at start-up.
        recheck_interval_s: how often cameras that are not online are probed again (0 turns it off).
        record: run recorders for cameras whose recording is enabled (off for a console that only views).
        recordings_quota_bytes: treat the recordings folder as a volume of this size (a quota on a shared
            disk, and tests); None means the real free space of the disk holding it.
        min_free_percent: retention keeps at least this share of the volume free, oldest recordings first.
        hard_min_free_bytes: below this, with only protected recordings left, recording stops with an alert.
        live_host, live_port: where the WHEP endpoint listens (loopback unless other consoles must reach it;
            port 0 picks a free one).
        live_token: the bearer token every WHEP request must carry (at least 32 characters, RFC 6750
            b64token); None (the default) uses the one in `<config_dir>/whep-token`, created on first use.
            Never printed by `repr`.
        ice_addresses: the only addresses offered as ICE host candidates to viewers.
        snapshot_max_age_days, snapshot_max_count: snapshot retention (None: no limit); protected snapshots
            are always kept and do not count against the limit.
        live_warm_recorded: keep reading the recorder's restream of every recorded camera (the stream
            it records; its main stream only when that is the one recorded), so a first live viewer and a
            first live snapshot get the cached GOP at once instead of waiting for the camera's next
            keyframe. Costs one demux (no decode) per recorded camera, never a camera session.
        live_warm_sub: also keep reading the sub stream of every camera that records and has a sub stream
            that answered its probe (decision 28), so a restored wall of sub streams paints at once. Costs a
            live-only ingest (ffmpeg stream copy, one camera session: the one a wall opens anyway) and one
            demux per such camera while nobody watches.
    """

    database_url: str
    config_dir: Path
    data_dir: Path
    probe_timeout_s: float = 8.0
    probe_concurrency: int = 4
    recheck_interval_s: float = 30.0
    prefer_keyring: bool = True
    record: bool = True
    recordings_quota_bytes: int | None = None
    min_free_percent: float = 5.0
    hard_min_free_bytes: int = 2 * 1024**3
    live_host: str = "127.0.0.1"
    live_port: int = 0
    live_token: str | None = field(default=None, repr=False)
    ice_addresses: tuple[str, ...] = ("127.0.0.1",)
    snapshot_max_age_days: float | None = 365.0
    snapshot_max_count: int | None = 20_000
    live_warm_recorded: bool = True
    live_warm_sub: bool = True

    def __post_init__(self) -> None:
        if not self.database_url.startswith(_SUPPORTED_URL_PREFIXES):
            raise InvalidInputError(
                "The database URL must start with sqlite+aiosqlite:/// or postgresql+psycopg://.",
                field="database_url",
            )
        if self.probe_timeout_s <= 0 or self.probe_concurrency < 1 or self.recheck_interval_s < 0:
            raise InvalidInputError("Probe timeout, concurrency and interval must be positive.")
        if (self.snapshot_max_age_days is not None and self.snapshot_max_age_days <= 0) or (
            self.snapshot_max_count is not None and self.snapshot_max_count < 1
        ):
            raise InvalidInputError("Snapshot retention limits must be positive.")
        if self.live_token is not None and (problem := check_token(self.live_token)) is not None:
            raise InvalidInputError(problem, field="live_token")

    @classmethod
    def local(
        cls, config_dir: Path, data_dir: Path, **overrides: float | bool | str | None
    ) -> BackendConfig:
        """The single-workstation default: a SQLite file in the data directory."""
        url = f"sqlite+aiosqlite:///{data_dir / 'vas.sqlite3'}"
        return cls(database_url=url, config_dir=config_dir, data_dir=data_dir, **overrides)  # type: ignore[arg-type]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def backup_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def recordings_dir(self) -> Path:
        return self.data_dir / "recordings"
