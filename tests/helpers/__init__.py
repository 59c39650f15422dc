"""Fixtures and fakes shared by the test suite. Policy lives in tests/conftest.py."""
