"""Bookmarks: the add/edit dialog, the searchable list and the shared actions (bookmark now, a range)."""
