"""Persistence: typed models, the async engine and session factory, migrations and DTO repositories.

ORM objects never leave this package; repositories hand out frozen records and `backend_embed.api` DTOs.
"""

from backend_embed.db.engine import Database
from backend_embed.db.migrate import current_revision, head_revision, upgrade_to_head

__all__ = ["Database", "current_revision", "head_revision", "upgrade_to_head"]
