"""Tests for vas_console/ui/figures.py: bytes, bitrates, retention days, shares and local times."""

from __future__ import annotations

from datetime import datetime

import pytest

from vas_console.ui.figures import (
    format_bitrate,
    format_bytes,
    format_days,
    format_share,
    local_datetime,
)


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (0, "0 B"),
        (999, "999 B"),
        (1_000, "1.0 kB"),
        (9_800_000, "9.8 MB"),
        (412_000_000_000, "412 GB"),
        (999_600_000_000, "1.0 TB"),
        (1_240_000_000_000, "1.2 TB"),
        (37_000_000_000, "37 GB"),
    ],
    ids=["zero", "bytes", "kilo", "one-decimal", "integer", "rounds-up-a-unit", "tera", "tens"],
)
def test_format_bytes_uses_decimal_units(count: int, expected: str) -> None:
    assert format_bytes(count) == expected


@pytest.mark.parametrize(
    ("bps", "expected"),
    [(None, "—"), (850_000.0, "850 kbit/s"), (4_100_000.0, "4.1 Mbit/s")],
    ids=["unknown", "kilo", "mega"],
)
def test_format_bitrate(bps: float | None, expected: str) -> None:
    assert format_bitrate(bps) == expected


@pytest.mark.parametrize(
    ("days", "expected"),
    [(None, "not known yet"), (0.7, "17 hours"), (4.54, "4.5 days"), (23.4, "23 days")],
    ids=["unknown", "hours", "few-days", "many-days"],
)
def test_format_days(days: float | None, expected: str) -> None:
    assert format_days(days) == expected


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [(35, 100, "35 %"), (1, 1000, "< 1 %"), (0, 100, "0 %"), (5, 0, "—")],
    ids=["share", "sliver", "none", "empty-whole"],
)
def test_format_share(part: int, whole: int, expected: str) -> None:
    assert format_share(part, whole) == expected


def test_local_datetime_is_the_local_wall_clock() -> None:
    moment = datetime(2026, 11, 14, 8, 12, 30).astimezone()
    epoch_ms = int(moment.timestamp() * 1000)

    assert local_datetime(epoch_ms) == "2026-11-14 08:12"
    assert local_datetime(epoch_ms, seconds=True) == "2026-11-14 08:12:30"
