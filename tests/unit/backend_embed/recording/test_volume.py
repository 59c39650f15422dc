"""Free-space limits and retention policies (pure values)."""

from __future__ import annotations

import pytest

from backend_embed.api.dto import RecordingSettings
from backend_embed.recording.retention import RetentionPolicy
from backend_embed.recording.volume import StorageLimits


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        pytest.param(
            StorageLimits(min_free_bytes=0, min_free_percent=5, hard_min_free_bytes=0),
            50,
            id="percent",
        ),
        pytest.param(
            StorageLimits(min_free_bytes=80, min_free_percent=5, hard_min_free_bytes=0),
            80,
            id="bytes",
        ),
        pytest.param(
            StorageLimits(min_free_bytes=0, min_free_percent=0, hard_min_free_bytes=90),
            90,
            id="never-below-hard",
        ),
    ],
)
def test_the_watermark_is_the_largest_of_the_limits(limits: StorageLimits, expected: int) -> None:
    assert limits.watermark_bytes(1_000) == expected


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"min_free_bytes": -1}, id="negative-bytes"),
        pytest.param({"min_free_percent": 100}, id="whole-disk"),
        pytest.param({"hard_min_free_bytes": -5}, id="negative-hard"),
    ],
)
def test_impossible_limits_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must"):
        StorageLimits(**kwargs)  # type: ignore[arg-type]


def test_policy_takes_the_camera_recording_limits() -> None:
    settings = RecordingSettings(max_age_days=7, max_bytes=2**40)

    assert RetentionPolicy.from_settings(3, settings) == RetentionPolicy(3, 7, 2**40)
