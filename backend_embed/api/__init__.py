"""The public surface of the backend: the only part of backend_embed the UI may import.

Everything here is a plain immutable value, an enum, an error class or a Protocol.
"""

from backend_embed.api.dto import (
    Camera,
    CameraGroup,
    CameraSpec,
    CameraStatus,
    CameraStatusInfo,
    ExportFormat,
    ImportReport,
    ProbeOutcome,
    ProbeResult,
    RecordingSettings,
    StreamRole,
)
from backend_embed.api.errors import (
    BackendError,
    CameraUrlError,
    ConflictError,
    CredentialError,
    DatabaseError,
    ImportFileError,
    InvalidInputError,
    LineError,
    NotFoundError,
)
from backend_embed.api.events import (
    BackendEvent,
    CameraRemoved,
    CamerasChanged,
    CameraStatusChanged,
    GroupsChanged,
    RecorderStatusChanged,
    StorageAlert,
)
from backend_embed.api.media import (
    LiveCodecPath,
    LiveEndpoint,
    PlaybackSource,
    PlaylistEntry,
    Preview,
)
from backend_embed.api.protocol import BackendApi, EventCallback, Unsubscribe
from backend_embed.api.recording import (
    CameraStorage,
    Coverage,
    ProtectedRange,
    RecorderState,
    RecorderStatus,
    Span,
    StorageReport,
)
from backend_embed.cameras.redaction import redact

__all__ = [
    "BackendApi",
    "BackendError",
    "BackendEvent",
    "Camera",
    "CameraGroup",
    "CameraRemoved",
    "CameraSpec",
    "CameraStatus",
    "CameraStatusChanged",
    "CameraStatusInfo",
    "CameraStorage",
    "CameraUrlError",
    "CamerasChanged",
    "ConflictError",
    "Coverage",
    "CredentialError",
    "DatabaseError",
    "EventCallback",
    "ExportFormat",
    "GroupsChanged",
    "ImportFileError",
    "ImportReport",
    "InvalidInputError",
    "LineError",
    "LiveCodecPath",
    "LiveEndpoint",
    "NotFoundError",
    "PlaybackSource",
    "PlaylistEntry",
    "Preview",
    "ProbeOutcome",
    "ProbeResult",
    "ProtectedRange",
    "RecorderState",
    "RecorderStatus",
    "RecorderStatusChanged",
    "RecordingSettings",
    "Span",
    "StorageAlert",
    "StorageReport",
    "StreamRole",
    "Unsubscribe",
    "redact",
]
