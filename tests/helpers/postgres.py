"""Fixtures: postgres (being written)."""
