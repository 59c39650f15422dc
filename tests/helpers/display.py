"""Fixtures: display (being written)."""
