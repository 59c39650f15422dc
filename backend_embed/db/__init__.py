"""Persistence: typed models, the async engine and session factory, migrations and DTO repositories.

ORM objects never leave this package; repositories hand out frozen records and `backend_embed.api` DTOs.
"""

from backend_embed.db.engine import Database
from backend_embed.db.migrate import current_revision, head_revision, upgrade_to_head
from backend_embed.db.records import CameraBatch, CameraRecord, CameraValues
from backend_embed.db.repositories import CameraRepository, GroupRepository

__all__ = [
    "CameraBatch",
    "CameraRecord",
    "CameraRepository",
    "CameraValues",
    "Database",
    "GroupRepository",
    "current_revision",
    "head_revision",
    "upgrade_to_head",
]
