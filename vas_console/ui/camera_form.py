"""The fields of the camera dialog: turning them into a `CameraSpec` and showing errors beside them."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from backend_embed.api import (
    Camera,
    CameraGroup,
    CameraSpec,
    InvalidInputError,
    RecordingSettings,
    StreamRole,
)
from vas_console.ui import theme
from vas_console.ui.roster import UNGROUPED

BYTES_PER_GB = 1_000_000_000
LABEL_WIDTH = 120

# Field names the backend may put in `InvalidInputError.field`, mapped to the form's own keys.
FIELD_ALIASES = {
    "url": "main_url",
    "main": "main_url",
    "sub": "sub_url",
    "group_id": "group",
    "recording.max_age_days": "max_age",
    "max_age_days": "max_age",
    "recording.max_bytes": "max_size",
    "max_bytes": "max_size",
    "recording.stream": "stream",
    "recording_stream": "stream",
    "recording_max_age_days": "max_age",
    "recording_max_bytes": "max_size",
}


class CameraForm(QWidget):
    """Name, URLs, credentials, group, tags, location and recording settings, each with an error line.

    On edit, an empty password keeps the stored one; "Clear the stored password" removes it.
    """

    def __init__(
        self,
        groups: Sequence[CameraGroup],
        *,
        camera: Camera | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._camera = camera
        self._errors: dict[str, QLabel] = {}
        self._inputs: dict[str, QWidget] = {}
        self.name = self._line("name", "Front door")
        self.group = QComboBox(self)
        self.group.addItem(UNGROUPED, None)
        for group in groups:
            self.group.addItem(group.name, group.id)
        self.location = self._line("location", "Building A, ground floor")
        self.tags = self._line("tags", "entrance, outdoor")
        self.enabled = QCheckBox("Enabled", self)
        self.enabled.setToolTip("A disabled camera is neither monitored nor recorded.")
        self.enabled.setChecked(True)
        self.main_url = self._line("main_url", "rtsp://192.0.2.10:554/stream1")
        self.sub_url = self._line("sub_url", "optional: a smaller stream for the live wall")
        self.username = self._line("username", "")
        self.password = self._line("password", "")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.clear_password = QCheckBox("Clear the stored password", self)
        self.clear_password.toggled.connect(self._on_clear_password_toggled)
        self._build_recording()
        self._build_layout()
        if camera is not None:
            self._load(camera)
        self._connection_form.setRowVisible(
            self.clear_password, camera is not None and camera.has_password
        )

    def _line(self, key: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(key)
        edit.setPlaceholderText(placeholder)
        edit.textEdited.connect(lambda _text: self.clear_error(key))
        self._inputs[key] = edit
        return edit

    def _build_recording(self) -> None:
        self.record = QCheckBox("Record this camera", self)
        self.record.setChecked(True)
        self.stream = QComboBox(self)
        self.stream.addItem("Main stream (full resolution)", StreamRole.MAIN)
        self.stream.addItem("Sub stream (smaller)", StreamRole.SUB)
        self.max_age = QSpinBox(self)
        self.max_age.setRange(0, 3650)
        self.max_age.setSpecialValueText("No limit")
        self.max_age.setSuffix(" days")
        self.max_age.setValue(30)
        self.max_size = QDoubleSpinBox(self)
        self.max_size.setRange(0, 1_000_000)
        self.max_size.setDecimals(1)
        self.max_size.setSpecialValueText("No limit")
        self.max_size.setSuffix(" GB")
        self._inputs.update(stream=self.stream, max_age=self.max_age, max_size=self.max_size)
        self._inputs["group"] = self.group

    def _build_layout(self) -> None:
        camera = QFormLayout()
        self._row(camera, "Name", "name")
        self._row(camera, "Group", "group")
        self._row(camera, "Location", "location")
        self._row(camera, "Tags", "tags", hint="Separate tags with commas.")
        camera.addRow(self._caption(""), self.enabled)
        connection = QFormLayout()
        self._row(
            connection,
            "Main stream URL",
            "main_url",
            hint="Credentials typed into a URL are moved to Username and Password.",
        )
        self._row(connection, "Sub stream URL", "sub_url")
        self._row(connection, "Username", "username")
        self._row(connection, "Password", "password")
        connection.addRow(self._caption(""), self.clear_password)
        self._connection_form = connection
        recording = QFormLayout()
        recording.addRow(self._caption(""), self.record)
        self._row(recording, "Stream", "stream")
        self._row(recording, "Keep for", "max_age")
        self._row(recording, "Size limit", "max_size")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for title, form in (
            ("Camera", camera),
            ("Connection", connection),
            ("Recording", recording),
        ):
            box = QGroupBox(title, self)
            box.setLayout(form)
            layout.addWidget(box)
        self.general_error = self._error_label()
        layout.addWidget(self.general_error)
        layout.addStretch(1)

    def _row(self, form: QFormLayout, label: str, key: str, *, hint: str = "") -> None:
        cell = QWidget(self)
        column = QVBoxLayout(cell)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self._inputs[key])
        if hint:
            note = QLabel(hint, cell)
            note.setProperty("role", "hint")
            column.addWidget(note)
        self._errors[key] = self._error_label()
        column.addWidget(self._errors[key])
        form.addRow(self._caption(label), cell)

    def add_connection_row(self, widget: QWidget) -> None:
        """Add a row (the dialog's connection test) at the end of the Connection section."""
        self._connection_form.addRow(self._caption(""), widget)

    def _caption(self, text: str) -> QLabel:
        """A row label; all share one width so the three sections line up."""
        label = QLabel(text, self)
        label.setMinimumWidth(LABEL_WIDTH)
        return label

    def _error_label(self) -> QLabel:
        label = QLabel(self)
        label.setProperty("role", "fieldError")
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        label.hide()
        return label

    def _load(self, camera: Camera) -> None:
        self.name.setText(camera.name)
        index = self.group.findData(camera.group_id)
        self.group.setCurrentIndex(max(index, 0))
        self.location.setText(camera.location)
        self.tags.setText(", ".join(camera.tags))
        self.enabled.setChecked(camera.enabled)
        self.main_url.setText(camera.main_url)
        self.sub_url.setText(camera.sub_url or "")
        self.username.setText(camera.username)
        self.password.setPlaceholderText(
            "stored: leave empty to keep it" if camera.has_password else "none stored"
        )
        rec = camera.recording
        self.record.setChecked(rec.enabled)
        self.stream.setCurrentIndex(max(self.stream.findData(rec.stream), 0))
        self.max_age.setValue(rec.max_age_days or 0)
        self.max_size.setValue((rec.max_bytes or 0) / BYTES_PER_GB)

    def spec(self) -> CameraSpec:
        """The camera the fields describe.

        Raises:
            InvalidInputError: a required field is empty (named in `field`).
        """
        name = self.name.text().strip()
        if not name:
            raise InvalidInputError("Enter a name for the camera.", field="name")
        main_url = self.main_url.text().strip()
        if not main_url:
            raise InvalidInputError("Enter the camera's RTSP URL.", field="main_url")
        size_gb = self.max_size.value()
        return CameraSpec(
            name=name,
            main_url=main_url,
            sub_url=self.sub_url.text().strip() or None,
            username=self.username.text().strip(),
            password=self._password(),
            group_id=self.group.currentData(),
            tags=tuple(t.strip() for t in self.tags.text().split(",") if t.strip()),
            location=self.location.text().strip(),
            enabled=self.enabled.isChecked(),
            recording=RecordingSettings(
                enabled=self.record.isChecked(),
                stream=StreamRole(self.stream.currentData()),
                max_age_days=self.max_age.value() or None,
                max_bytes=int(size_gb * BYTES_PER_GB) if size_gb else None,
            ),
        )

    def _password(self) -> str | None:
        """None keeps the stored password (or takes one from the URL); "" clears it."""
        if self._camera is not None and self.clear_password.isChecked():
            return ""
        return self.password.text() or None

    def keeps_stored_password(self) -> bool:
        """True when editing a camera with a stored password that the operator leaves as it is."""
        camera = self._camera
        return (
            camera is not None
            and camera.has_password
            and not self.clear_password.isChecked()
            and not self.password.text()
        )

    def show_error(self, field: str, message: str) -> None:
        """Show `message` under the field the backend named, or under the form if it names none we know."""
        key = FIELD_ALIASES.get(field, field)
        label = self._errors.get(key, self.general_error)
        label.setText(message)
        label.show()
        widget = self._inputs.get(key)
        if widget is not None:
            widget.setProperty("invalid", True)
            theme.repolish(widget)
            widget.setFocus()

    def clear_error(self, key: str) -> None:
        label = self._errors.get(key)
        if label is not None:
            label.hide()
        widget = self._inputs.get(key)
        if widget is not None and widget.property("invalid"):
            widget.setProperty("invalid", False)
            theme.repolish(widget)

    def clear_errors(self) -> None:
        for key in self._errors:
            self.clear_error(key)
        self.general_error.hide()

    def error_text(self, field: str) -> str:
        """The error shown under a field ("" when none): for tests and accessibility."""
        label = self._errors.get(FIELD_ALIASES.get(field, field), self.general_error)
        return label.text() if not label.isHidden() else ""

    def _on_clear_password_toggled(self, checked: bool) -> None:
        self.password.setEnabled(not checked)
        if checked:
            self.password.clear()
