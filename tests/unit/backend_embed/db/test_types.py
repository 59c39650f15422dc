"""UtcDateTime: only aware datetimes in, always UTC out, on both dialects (pure: dialect objects only)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Dialect
from sqlalchemy.dialects import postgresql, sqlite

from backend_embed.db.types import UtcDateTime

PLUS_TWO = timezone(timedelta(hours=2))
DIALECTS = [
    pytest.param(sqlite.dialect(), id="sqlite"),
    pytest.param(postgresql.dialect(), id="pg"),
]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_naive_datetime_is_rejected(dialect: Dialect) -> None:
    with pytest.raises(ValueError, match="tz-aware"):
        UtcDateTime().process_bind_param(datetime(2024, 1, 1, 12, 0), dialect)


def test_sqlite_stores_the_utc_wall_time_without_a_zone() -> None:
    stored = UtcDateTime().process_bind_param(
        datetime(2024, 1, 1, 12, 0, tzinfo=PLUS_TWO), sqlite.dialect()
    )
    assert stored == datetime(2024, 1, 1, 10, 0)


def test_postgresql_gets_an_aware_utc_value() -> None:
    stored = UtcDateTime().process_bind_param(
        datetime(2024, 1, 1, 12, 0, tzinfo=PLUS_TWO), postgresql.dialect()
    )
    assert stored == datetime(2024, 1, 1, 10, 0, tzinfo=UTC)
    assert stored is not None
    assert stored.tzinfo is UTC


@pytest.mark.parametrize(
    ("raw", "dialect"),
    [
        pytest.param(datetime(2024, 1, 1, 10, 0), sqlite.dialect(), id="sqlite-naive"),
        pytest.param(
            datetime(2024, 1, 1, 12, 0, tzinfo=PLUS_TWO), postgresql.dialect(), id="pg-zone"
        ),
    ],
)
def test_results_are_aware_utc(raw: datetime, dialect: Dialect) -> None:
    result = UtcDateTime().process_result_value(raw, dialect)
    assert result == datetime(2024, 1, 1, 10, 0, tzinfo=UTC)
    assert result is not None
    assert result.tzinfo is UTC


def test_none_passes_through() -> None:
    assert UtcDateTime().process_bind_param(None, sqlite.dialect()) is None
    assert UtcDateTime().process_result_value(None, sqlite.dialect()) is None
