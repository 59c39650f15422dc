"""Locating the real components the integration tests use. A missing one fails the test; it never skips."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


def require_binary(name: str, *, hint: str = "run ./scripts/bootstrap.sh") -> str:
    """Return the path of an executable, or fail the test (not skip) naming what is missing."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"required component missing: {name} is not on PATH ({hint})", pytrace=False)
    return path


def require_file(path: str | Path, *, what: str, hint: str = "run ./scripts/bootstrap.sh") -> Path:
    """Return `path` if it exists, or fail the test naming the missing component."""
    p = Path(path)
    if not p.exists():
        pytest.fail(f"required component missing: {what} ({p}) ({hint})", pytrace=False)
    return p
