"""Expected failures of the backend, each with a message fit to show an operator.

A `BackendError` is an expected failure: the UI shows its `user_message` as a notice. Anything else that escapes
the backend is a bug and goes to the crash handler. Messages never contain secrets: every URL in them has been
through `backend_embed.cameras.redaction.redact`.
"""

from __future__ import annotations

from dataclasses import dataclass


class BackendError(Exception):
    """Base of every expected backend failure.

    Args:
        user_message: one or two sentences for the operator, already redacted.
        detail: optional technical detail (redacted too), for the log view.
    """

    def __init__(self, user_message: str, *, detail: str = "") -> None:
        super().__init__(user_message if not detail else f"{user_message} ({detail})")
        self.user_message = user_message
        self.detail = detail

    def __reduce__(self) -> tuple[object, ...]:
        # pickled whole (a backend in another process raises it across the link): Exception's own
        # pickling would call the class with `args` alone and lose the keyword-only fields
        return (_restore_error, (type(self), self.args, self.__dict__.copy()))


class InvalidInputError(BackendError):
    """Input the operator typed or imported is not acceptable (names the field in the message)."""

    def __init__(self, user_message: str, *, field: str = "", detail: str = "") -> None:
        super().__init__(user_message, detail=detail)
        self.field = field


class CameraUrlError(InvalidInputError):
    """A camera URL is not a usable RTSP URL."""


class NotFoundError(BackendError):
    """The camera, group or other record no longer exists."""


class ConflictError(BackendError):
    """The change collides with existing data (a duplicate name, a group that still has cameras)."""


class CredentialError(BackendError):
    """Stored credentials cannot be decrypted (the key is missing or was replaced)."""


class DatabaseError(BackendError):
    """The database cannot be opened, migrated or written."""


@dataclass(frozen=True, slots=True)
class LineError:
    """One problem in an import file. `line` is 1-based as an editor shows it (the CSV header is line 1)."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", {self.field}" if self.field else "")
        return f"{where}: {self.message}"


class ImportFileError(BackendError):
    """An import file was rejected as a whole; nothing was imported.

    Attributes:
        errors: every problem found, by line, in file order.
    """

    def __init__(self, user_message: str, errors: tuple[LineError, ...]) -> None:
        super().__init__(user_message, detail="; ".join(str(e) for e in errors[:5]))
        self.errors = errors


def _restore_error(
    cls: type[BackendError], args: tuple[object, ...], state: dict[str, object]
) -> BackendError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error
