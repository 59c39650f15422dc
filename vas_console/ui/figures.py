"""Human-readable figures: byte counts, bitrates, retention days, shares and local date/times."""

from __future__ import annotations

from datetime import UTC, datetime

_BYTE_UNITS = ("B", "kB", "MB", "GB", "TB", "PB")
_BIT_UNITS = ("bit/s", "kbit/s", "Mbit/s", "Gbit/s")


def _scaled(value: float, units: tuple[str, ...]) -> str:
    """Decimal (SI) steps of 1000, as disk vendors and `df -H` count: `412 GB`, `9.8 GB`, `512 B`."""
    unit = 0
    while abs(value) >= 999.5 and unit < len(units) - 1:
        value /= 1000
        unit += 1
    if unit == 0:
        return f"{value:.0f} {units[0]}"
    return f"{value:.1f} {units[unit]}" if abs(value) < 9.95 else f"{value:.0f} {units[unit]}"


def format_bytes(count: int) -> str:
    """`412 GB`, `1.2 TB`, `9.8 MB`, `0 B`."""
    return _scaled(float(count), _BYTE_UNITS)


def format_bitrate(bits_per_second: float | None) -> str:
    """`4.1 Mbit/s`, `850 kbit/s`, or `—` when unknown."""
    return "—" if bits_per_second is None else _scaled(bits_per_second, _BIT_UNITS)


def format_days(days: float | None) -> str:
    """Projected retention: `23 days`, `4.5 days`, `17 hours`, or `not known yet`."""
    if days is None:
        return "not known yet"
    if days < 1:
        hours = round(days * 24)
        return f"{hours} hour{'s' if hours != 1 else ''}"
    if days < 10:
        return f"{days:.1f} days"
    return f"{days:.0f} days"


def format_share(part: int, whole: int) -> str:
    """`35 %`, `< 1 %` for a sliver, `—` when the whole is empty."""
    if whole <= 0:
        return "—"
    percent = 100 * part / whole
    if 0 < percent < 1:
        return "< 1 %"
    return f"{percent:.0f} %"


def local_datetime(epoch_ms: int, *, seconds: bool = False) -> str:
    """A UTC epoch in milliseconds as the operator's local date and time: `2026-11-14 08:12`."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC).astimezone()
    return moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
