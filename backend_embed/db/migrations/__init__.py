"""Alembic migration scripts of the VAS Console schema (run through `backend_embed.db.migrate`)."""
