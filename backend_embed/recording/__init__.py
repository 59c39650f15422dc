"""Continuous recording, the index side: segment index, indexer, batching writer, retention, recovery, storage."""
