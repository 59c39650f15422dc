"""Fixtures registered for the whole suite (see tests/conftest.py `pytest_plugins`)."""

from __future__ import annotations
