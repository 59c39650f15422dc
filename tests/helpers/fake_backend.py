"""Fixtures: fake_backend (being written)."""
