"""GUI test fixtures shared by tests/gui (the suite policy stays in tests/conftest.py)."""

from __future__ import annotations

# WORKAROUND until tests/conftest.py lists "tests.helpers.qt_async" in pytest_plugins: expose its fixture
# here. Harmless afterwards (the same fixture function).
from tests.helpers.qt_async import qt_loop as qt_loop
