"""The add/edit camera dialog: the form, a non-blocking connection test, and saving through the backend."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from backend_embed.api import (
    BackendApi,
    BackendError,
    Camera,
    CameraGroup,
    CameraSpec,
    InvalidInputError,
    ProbeResult,
    StreamRole,
)
from vas_console.ui import theme
from vas_console.ui.aio import TaskKeeper, async_slot
from vas_console.ui.camera_form import CameraForm
from vas_console.ui.roster import status_detail

logger = logging.getLogger(__name__)

TEST_LABEL = "Test connection"
TESTING_LABEL = "Testing…"


class CameraDialog(QDialog):
    """Adds a camera, or edits one when `camera` is given. Opened with `open()`; deletes itself when closed.

    Backend errors keep the dialog open: an error about one field is shown under that field, any other
    under the form. Closing the dialog cancels a connection test or save still running.

    Signals:
        saved(Camera): the backend accepted the camera; the dialog then closes.
    """

    saved = Signal(object)

    def __init__(
        self,
        backend: BackendApi,
        groups: Sequence[CameraGroup],
        *,
        camera: Camera | None = None,
        group_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._backend = backend
        self._camera = camera
        self.tasks = TaskKeeper(self)
        self._closing = False
        self.setObjectName("cameraDialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(f"Edit camera: {camera.name}" if camera else "Add camera")
        self.form = CameraForm(groups, camera=camera, parent=self)
        if camera is None and group_id is not None:
            self.form.group.setCurrentIndex(max(self.form.group.findData(group_id), 0))
        self._build_test_row()
        self._buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self._buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("Save" if camera else "Add camera")
        self._buttons.accepted.connect(self.accept)
        self._buttons.rejected.connect(self.reject)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.form)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self._buttons)
        self.resize(620, 660)

    def _build_test_row(self) -> None:
        self.test_button = QPushButton(TEST_LABEL, self)
        self.test_button.setAutoDefault(False)
        self.test_button.clicked.connect(self._on_test_button_clicked)
        self._spinner = QProgressBar(self)
        self._spinner.setRange(0, 0)
        self._spinner.setFixedSize(80, 8)
        self._spinner.setTextVisible(False)
        self._spinner.hide()
        self.probe_label = QLabel(self)
        self.probe_label.setObjectName("probeResult")
        self.probe_label.setTextFormat(Qt.TextFormat.PlainText)
        self.probe_label.setWordWrap(True)
        row = QWidget(self)
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.test_button)
        line.addWidget(self._spinner)
        line.addWidget(self.probe_label, 1)
        self.form.add_connection_row(row)

    @property
    def testing(self) -> bool:
        """True while a connection test runs."""
        return self.test_button.text() == TESTING_LABEL

    def accept(self) -> None:
        """Save through the backend; the dialog closes only when the backend accepted the camera."""
        if self.save_button.isEnabled():
            self._save()

    def done(self, result: int) -> None:
        # Cancelled tasks end after the widgets may be gone: they check _closing before touching any.
        self._closing = True
        self.tasks.cancel_all()
        super().done(result)

    @async_slot
    async def _save(self) -> None:
        self.form.clear_errors()
        self.save_button.setEnabled(False)
        try:
            camera = await self._submit(self.form.spec())
        except InvalidInputError as exc:
            self.form.show_error(exc.field, exc.user_message)
        except BackendError as exc:
            self.form.show_error("", exc.user_message)
        else:
            logger.info("Saved camera %s (id %d)", camera.name, camera.id)
            self.saved.emit(camera)
            super().accept()
        finally:
            if not self._closing:
                self.save_button.setEnabled(True)

    async def _submit(self, spec: CameraSpec) -> Camera:
        if self._camera is None:
            return await self._backend.add_camera(spec)
        return await self._backend.update_camera(self._camera.id, spec)

    @async_slot
    async def _on_test_button_clicked(self) -> None:
        self.form.clear_errors()
        self._set_testing(True)
        try:
            lines, ok = await self._probe(self.form.spec())
        except InvalidInputError as exc:
            self.form.show_error(exc.field, exc.user_message)
            lines, ok = ["Fix the marked field, then test again."], False
        except BackendError as exc:
            lines, ok = [exc.user_message], False
        finally:
            if not self._closing:
                self._set_testing(False)
        self._show_result(lines, ok=ok)

    async def _probe(self, spec: CameraSpec) -> tuple[list[str], bool]:
        """Test the main stream (and the sub stream, if any). Returns the result lines and whether all passed."""
        camera = self._camera
        if (
            camera is not None
            and self.form.keeps_stored_password()
            and _same_connection(spec, camera)
        ):
            # probe_spec cannot use the stored password: test the saved camera instead.
            info = await self._backend.probe_camera(camera.id)
            if info.probe is not None:
                return [_describe(info.probe, "")], info.probe.ok
            return [status_detail(camera, info)], False
        results = [await self._backend.probe_spec(spec, StreamRole.MAIN)]
        if spec.sub_url:
            results.append(await self._backend.probe_spec(spec, StreamRole.SUB))
        prefix = len(results) > 1
        lines = [
            _describe(r, f"{r.stream.value.capitalize()} stream: " if prefix else "")
            for r in results
        ]
        return lines, all(r.ok for r in results)

    def _set_testing(self, testing: bool) -> None:
        self.test_button.setEnabled(not testing)
        self.test_button.setText(TESTING_LABEL if testing else TEST_LABEL)
        self._spinner.setVisible(testing)
        if testing:
            self._show_result(["Connecting to the camera…"], ok=None)

    def _show_result(self, lines: list[str], *, ok: bool | None) -> None:
        role = "hint" if ok is None else ("probeOk" if ok else "probeFailed")
        self.probe_label.setText("\n".join(lines))
        self.probe_label.setProperty("role", role)
        theme.repolish(self.probe_label)


def _same_connection(spec: CameraSpec, camera: Camera) -> bool:
    return (spec.main_url, spec.sub_url, spec.username) == (
        camera.main_url,
        camera.sub_url,
        camera.username,
    )


def _describe(result: ProbeResult, prefix: str) -> str:
    """`✓ H264 1280x720 @ 25 fps (0.4 s)` or `✗ authentication failed: <message>`."""
    if result.ok:
        return f"✓ {prefix}{result.summary()} ({result.elapsed_s:.1f} s)"
    message = f": {result.message}" if result.message and result.message != result.summary() else ""
    return f"✗ {prefix}{result.summary()}{message}"
