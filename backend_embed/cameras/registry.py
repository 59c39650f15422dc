"""The camera registry: validates what the operator asks for, keeps passwords encrypted, hands out DTOs.

URLs are stored without credentials: credentials typed into a URL move into the user name and the encrypted
password. Only `stream_url` puts them back, for a child process.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from backend_embed.api.dto import (
    Camera,
    CameraGroup,
    CameraSpec,
    ImportReport,
    StreamRole,
)
from backend_embed.api.errors import ImportFileError, InvalidInputError, LineError
from backend_embed.cameras.specs import NAME_MAX, ValidCamera, validate_name, validate_spec
from backend_embed.cameras.urls import with_credentials
from backend_embed.db.engine import Database
from backend_embed.db.records import CameraRecord, CameraValues
from backend_embed.db.repositories import CameraRepository, GroupRepository

if TYPE_CHECKING:
    from backend_embed.cameras.transfer import ImportPlan

logger = logging.getLogger(__name__)


class PasswordCipher(Protocol):
    """Encrypts camera passwords at rest (implemented with Fernet in `backend_embed.cameras.credentials`)."""

    def encrypt(self, plain: str) -> bytes:
        """Return an opaque token holding `plain`."""
        ...

    def decrypt(self, token: bytes) -> str:
        """Return the text inside `token`; raise `CredentialError` when it cannot be read."""
        ...


class CameraRegistry:
    """Cameras and groups, validated and stored; the backend's one way to read or change them.

    Every method is one database transaction. Passwords are encrypted with `cipher` before they are stored
    and only decrypted for `credentials` and `stream_url`.
    """

    def __init__(self, db: Database, cipher: PasswordCipher) -> None:
        self._cameras = CameraRepository(db)
        self._groups = GroupRepository(db)
        self._cipher = cipher

    async def list_cameras(self) -> list[Camera]:
        """Every camera, ordered by name."""
        return [_camera(record) for record in await self._cameras.list_all()]

    async def get_camera(self, camera_id: int) -> Camera:
        """One camera. Raises NotFoundError."""
        return _camera(await self._cameras.get(camera_id))

    async def add_camera(self, spec: CameraSpec) -> Camera:
        """Validate and store a new camera; an empty or missing password means none.

        Raises:
            InvalidInputError: a field is unusable (CameraUrlError for a URL).
            ConflictError: the name is taken.
            NotFoundError: the group does not exist.
        """
        valid = validate_spec(spec)
        camera = _camera(await self._cameras.add(self._values(valid)))
        logger.info("Added camera %s (id %d)", camera.name, camera.id)
        return camera

    async def update_camera(self, camera_id: int, spec: CameraSpec) -> Camera:
        """Replace a camera's settings. `spec.password=None` keeps the stored password, `""` clears it.

        Raises:
            InvalidInputError, ConflictError, NotFoundError: as for `add_camera`, or the camera is gone.
        """
        valid = validate_spec(spec)
        record = await self._cameras.update(
            camera_id, self._values(valid), keep_password=valid.password is None
        )
        logger.info("Updated camera %s (id %d)", record.name, record.id)
        return _camera(record)

    async def delete_camera(self, camera_id: int) -> None:
        """Delete a camera. Raises NotFoundError."""
        await self._cameras.delete(camera_id)

    async def set_camera_enabled(self, camera_id: int, enabled: bool) -> Camera:
        """Enable or disable a camera. Raises NotFoundError."""
        return _camera(await self._cameras.set_enabled(camera_id, enabled))

    async def add_many(
        self, specs: Sequence[CameraSpec], group_names: Sequence[str | None] = ()
    ) -> list[Camera]:
        """Add several cameras in one transaction: all of them or none.

        Args:
            specs: the cameras, validated like `add_camera`.
            group_names: empty, or one entry per spec: the name of the group the camera joins (created when
                it does not exist), or None to use `spec.group_id`.

        Raises:
            InvalidInputError: a spec is unusable; the message says which one.
            ConflictError: a name repeats or is taken. NotFoundError: a `group_id` does not exist.
        """
        if group_names and len(group_names) != len(specs):
            raise ValueError("group_names must be empty or have one entry per spec")
        valid = [_validate_nth(index, spec) for index, spec in enumerate(specs, start=1)]
        groups = [_group_name(g) if g else None for g in group_names]
        cameras, _created = await self._store_many(valid, groups or [None] * len(valid), ())
        return cameras

    async def import_plan(self, plan: ImportPlan) -> ImportReport:
        """Store a validated import file in one transaction, creating the groups it names that are missing.

        Raises:
            ImportFileError: a row is unusable here (its name is taken, or it fails registry validation);
                every such row is listed by line and nothing is stored.
            ConflictError: a camera with one of the names was added meanwhile.
        """
        taken = {camera.name for camera in await self._cameras.list_all()}
        valid, errors = _check_import_rows(plan, taken)
        if errors:
            raise ImportFileError(
                f"Nothing was imported: {len(errors)} camera(s) cannot be added.", errors
            )
        listed = [_group_name(g) for g in plan.group_names]
        per_row = [_group_name(row.group_name) if row.group_name else None for row in plan.cameras]
        cameras, created = await self._store_many(valid, per_row, listed)
        return ImportReport(added=tuple(c.name for c in cameras), groups_created=created)

    async def _store_many(
        self,
        valid: Sequence[ValidCamera],
        groups: Sequence[str | None],
        extra_groups: Sequence[str],
    ) -> tuple[list[Camera], tuple[str, ...]]:
        values = [self._values(v, group_name=g) for v, g in zip(valid, groups, strict=True)]
        names = list(dict.fromkeys([*extra_groups, *(g for g in groups if g)]))
        batch = await self._cameras.add_many(values, names)
        logger.info(
            "Added %d camera(s), created %d group(s)", len(batch.cameras), len(batch.groups_created)
        )
        return [_camera(record) for record in batch.cameras], batch.groups_created

    def _values(self, valid: ValidCamera, *, group_name: str | None = None) -> CameraValues:
        """What to store: the password encrypted (None when there is none, or when it is kept)."""
        return CameraValues(
            name=valid.name,
            main_url=valid.main_url,
            sub_url=valid.sub_url,
            username=valid.username,
            password_encrypted=self._cipher.encrypt(valid.password) if valid.password else None,
            group_id=valid.group_id,
            tags=valid.tags,
            location=valid.location,
            enabled=valid.enabled,
            recording=valid.recording,
            group_name=group_name,
        )

    async def credentials(self, camera_id: int) -> tuple[str, str]:
        """The camera's user name and decrypted password ("" when none). Never log the result.

        Raises:
            NotFoundError: the camera is gone. CredentialError: the password cannot be decrypted.
        """
        return self._credentials(await self._cameras.get(camera_id))

    async def stream_url(self, camera_id: int, role: StreamRole) -> str:
        """The URL of one of the camera's streams WITH its credentials, for a child process only.

        A camera without a sub stream answers the main URL for `StreamRole.SUB`. Never log the result; pass it
        through `redact` with the password as a secret if it must be shown.

        Raises:
            NotFoundError: the camera is gone. CredentialError: the password cannot be decrypted.
        """
        record = await self._cameras.get(camera_id)
        url = record.sub_url if role is StreamRole.SUB and record.sub_url else record.main_url
        username, password = self._credentials(record)
        return with_credentials(url, username, password)

    def _credentials(self, record: CameraRecord) -> tuple[str, str]:
        token = record.password_encrypted
        return record.username, self._cipher.decrypt(token) if token else ""

    async def list_groups(self) -> list[CameraGroup]:
        """Every group, ordered by name."""
        return await self._groups.list_all()

    async def add_group(self, name: str) -> CameraGroup:
        """Create a group. Raises InvalidInputError or ConflictError."""
        group = await self._groups.add(validate_name(name, what="group"))
        logger.info("Added group %s (id %d)", group.name, group.id)
        return group

    async def rename_group(self, group_id: int, name: str) -> CameraGroup:
        """Rename a group. Raises InvalidInputError, ConflictError or NotFoundError."""
        return await self._groups.rename(group_id, validate_name(name, what="group"))

    async def delete_group(self, group_id: int) -> None:
        """Delete a group; its cameras stay, in no group. Raises NotFoundError."""
        await self._groups.delete(group_id)


def _check_import_rows(
    plan: ImportPlan, taken: set[str]
) -> tuple[list[ValidCamera], tuple[LineError, ...]]:
    """Validate every row of an import, collecting each problem by line instead of stopping at the first."""
    errors: list[LineError] = []
    valid: list[ValidCamera] = []
    for row in plan.cameras:
        try:
            checked = validate_spec(row.spec)
        except InvalidInputError as exc:
            errors.append(LineError(row.line, exc.field, exc.user_message))
            continue
        if checked.name in taken:
            errors.append(
                LineError(row.line, "name", f"a camera named '{checked.name}' already exists")
            )
        if row.group_name is not None:
            try:
                _group_name(row.group_name)
            except InvalidInputError as exc:
                errors.append(LineError(row.line, "group", exc.user_message))
        valid.append(checked)
    return valid, tuple(errors)


def _group_name(name: str) -> str:
    return validate_name(name, what="group", field_name="group")


def _validate_nth(index: int, spec: CameraSpec) -> ValidCamera:
    """`validate_spec`, with the error saying which of several cameras is wrong."""
    try:
        return validate_spec(spec)
    except InvalidInputError as exc:
        raise InvalidInputError(
            f"Camera {index} ('{spec.name.strip()[:NAME_MAX]}'): {exc.user_message}",
            field=exc.field,
        ) from exc


def _camera(record: CameraRecord) -> Camera:
    return Camera(
        id=record.id,
        name=record.name,
        main_url=record.main_url,
        sub_url=record.sub_url,
        username=record.username,
        has_password=record.password_encrypted is not None,
        group_id=record.group_id,
        tags=record.tags,
        location=record.location,
        enabled=record.enabled,
        recording=record.recording,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )
