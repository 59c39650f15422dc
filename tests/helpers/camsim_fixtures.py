"""Fixtures: camsim_fixtures (being written)."""
