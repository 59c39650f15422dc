"""Unit tests of the simulated cameras' pure code."""
