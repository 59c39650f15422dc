"""Evidence tables over both databases: snapshots and bookmarks."""
