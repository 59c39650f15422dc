"""The embedded recorder backend: camera registry, database, media pipelines. Never imports Qt."""
