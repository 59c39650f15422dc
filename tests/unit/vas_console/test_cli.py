"""Command-line parsing: the options tests, packaging and benchmarks rely on."""

from __future__ import annotations

from pathlib import Path

import pytest

from vas_console.cli import parse_args


def test_defaults_run_the_real_console() -> None:
    options = parse_args([])
    assert not options.demo
    assert options.smoke_test is None
    assert options.basedir is None
    assert not options.temp_basedir


def test_smoke_test_without_value_runs_three_seconds() -> None:
    assert parse_args(["--smoke-test"]).smoke_test == 3.0
    assert parse_args(["--smoke-test", "1.5"]).smoke_test == 1.5


def test_basedir_and_temp_basedir_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(["--temp-basedir", "--basedir", "/tmp/x"])
    assert "not allowed with" in capsys.readouterr().err


def test_demo_with_basedir_and_database_url() -> None:
    options = parse_args(
        ["--demo", "--basedir", "/srv/vas", "--database-url", "postgresql+psycopg://h/db"]
    )
    assert options.demo
    assert options.basedir == Path("/srv/vas")
    assert options.database_url == "postgresql+psycopg://h/db"


@pytest.mark.parametrize(
    "argv", [["--demo-cameras", "0"], ["--smoke-test", "-1"]], ids=["cams", "smoke"]
)
def test_out_of_range_values_are_rejected(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(argv)
