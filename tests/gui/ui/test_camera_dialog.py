"""Tests for vas_console/ui/camera_dialog.py (and its form): saving, inline errors, connection tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from backend_embed.api import (
    Camera,
    CameraSpec,
    ConflictError,
    ProbeOutcome,
    ProbeResult,
    RecordingSettings,
    StreamRole,
)
from tests.helpers.fake_backend import FakeBackend
from vas_console.ui.camera_dialog import TEST_LABEL, CameraDialog

OpenDialog = Callable[..., CameraDialog]


@pytest.fixture
def open_dialog(
    qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop, fake_backend: FakeBackend
) -> OpenDialog:
    """Opens a CameraDialog (add, or edit when given a camera) over `fake_backend`."""

    def open_(camera: Camera | None = None) -> CameraDialog:
        dialog = CameraDialog(fake_backend, list(fake_backend.groups.values()), camera=camera)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)  # qtbot closes it
        qtbot.addWidget(dialog)
        dialog.open()
        return dialog

    return open_


def fill(qtbot: QtBot, dialog: CameraDialog, **fields: str) -> None:
    for name, text in fields.items():
        edit = getattr(dialog.form, name)
        edit.clear()
        qtbot.keyClicks(edit, text)


def test_add_camera_reaches_the_backend_with_the_entered_spec(
    qtbot: QtBot, open_dialog: OpenDialog, fake_backend: FakeBackend
) -> None:
    yard = fake_backend.seed_group("Yard")
    dialog = open_dialog()
    fill(
        qtbot,
        dialog,
        name="North gate",
        main_url="rtsp://192.0.2.21:554/h264",
        sub_url="rtsp://192.0.2.21:554/sub",
        username="viewer",
        password="pa:ss@word",
        tags="outdoor, fence",
        location="Yard",
    )
    dialog.form.group.setCurrentIndex(dialog.form.group.findData(yard.id))
    dialog.form.max_age.setValue(14)
    dialog.form.max_size.setValue(2.5)

    with qtbot.waitSignal(dialog.saved, timeout=2000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    [call] = fake_backend.calls_to("add_camera")
    assert call.args[0] == CameraSpec(
        name="North gate",
        main_url="rtsp://192.0.2.21:554/h264",
        sub_url="rtsp://192.0.2.21:554/sub",
        username="viewer",
        password="pa:ss@word",
        group_id=yard.id,
        tags=("outdoor", "fence"),
        location="Yard",
        enabled=True,
        recording=RecordingSettings(max_age_days=14, max_bytes=2_500_000_000),
    )
    assert not dialog.isVisible()


def test_url_error_shows_next_to_the_field_and_keeps_the_dialog_open(
    qtbot: QtBot, open_dialog: OpenDialog, fake_backend: FakeBackend
) -> None:
    dialog = open_dialog()
    fill(qtbot, dialog, name="Gate", main_url="http://192.0.2.21/video")

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: dialog.form.error_text("main_url") != "")
    assert "Not an RTSP URL" in dialog.form.error_text("main_url")
    assert dialog.form.main_url.property("invalid") is True
    assert dialog.isVisible()
    assert fake_backend.cameras == {}


def test_error_under_a_field_clears_when_the_field_is_edited(
    qtbot: QtBot, open_dialog: OpenDialog
) -> None:
    dialog = open_dialog()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.form.error_text("name") != "")

    qtbot.keyClicks(dialog.form.name, "G")

    assert dialog.form.error_text("name") == ""


def test_conflict_keeps_the_dialog_open_with_the_message(
    qtbot: QtBot, open_dialog: OpenDialog, fake_backend: FakeBackend
) -> None:
    fake_backend.failures["add_camera"] = ConflictError("A camera named “Gate” already exists.")
    dialog = open_dialog()
    fill(qtbot, dialog, name="Gate", main_url="rtsp://192.0.2.21/h264")

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: dialog.form.general_error.isVisibleTo(dialog))
    assert dialog.form.general_error.text() == "A camera named “Gate” already exists."
    assert dialog.isVisible()
    assert dialog.save_button.isEnabled()


def test_test_connection_runs_without_blocking_and_shows_the_summary(
    qtbot: QtBot, open_dialog: OpenDialog, fake_backend: FakeBackend
) -> None:
    fake_backend.probe_gate = asyncio.Event()
    dialog = open_dialog()
    fill(qtbot, dialog, name="Gate", main_url="rtsp://192.0.2.21/h264")

    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(fake_backend.calls_to("probe_spec")) == 1)

    assert dialog.testing
    assert not dialog.test_button.isEnabled()
    fake_backend.probe_gate.set()
    qtbot.waitUntil(lambda: not dialog.testing)
    assert dialog.test_button.text() == TEST_LABEL
    assert dialog.probe_label.text() == "✓ H264 1280x720 @ 25 fps (0.4 s)"
    assert dialog.probe_label.property("role") == "probeOk"


def test_test_connection_shows_the_failure_class_and_message(
    qtbot: QtBot, open_dialog: OpenDialog, fake_backend: FakeBackend
) -> None:
    fake_backend.probe_results[StreamRole.MAIN] = ProbeResult(
        ProbeOutcome.AUTH_FAILED, "The camera answered 401 Unauthorized."
    )
    dialog = open_dialog()
    fill(qtbot, dialog, name="Gate", main_url="rtsp://192.0.2.21/h264")

    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: dialog.probe_label.text().startswith("✗"))
    assert dialog.probe_label.text() == (
        "✗ authentication failed: The camera answered 401 Unauthorized."
    )
    assert dialog.probe_label.property("role") == "probeFailed"


def test_test_connection_checks_the_sub_stream_too(
    qtbot: QtBot, open_dialog: OpenDialog, fake_backend: FakeBackend
) -> None:
    dialog = open_dialog()
    fill(
        qtbot,
        dialog,
        name="Gate",
        main_url="rtsp://192.0.2.21/h264",
        sub_url="rtsp://192.0.2.21/sub",
    )

    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: not dialog.testing and dialog.probe_label.text().startswith("✓"))
    assert dialog.probe_label.text().splitlines() == [
        "✓ Main stream: H264 1280x720 @ 25 fps (0.4 s)",
        "✓ Sub stream: H264 640x360 @ 25 fps (0.4 s)",
    ]


def test_test_connection_with_a_bad_url_marks_the_field(
    qtbot: QtBot, open_dialog: OpenDialog
) -> None:
    dialog = open_dialog()
    fill(qtbot, dialog, name="Gate", main_url="rtsp://bad host/")

    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: dialog.form.error_text("main_url") != "")
    assert dialog.probe_label.property("role") == "probeFailed"


def test_closing_the_dialog_cancels_a_running_test(
    qtbot: QtBot, open_dialog: OpenDialog, fake_backend: FakeBackend
) -> None:
    fake_backend.probe_gate = asyncio.Event()
    dialog = open_dialog()
    fill(qtbot, dialog, name="Gate", main_url="rtsp://192.0.2.21/h264")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.testing)

    dialog.reject()

    qtbot.waitUntil(lambda: dialog.tasks.idle)


def test_edit_with_an_empty_password_keeps_the_stored_one(
    qtbot: QtBot, open_dialog: OpenDialog, fake_backend: FakeBackend
) -> None:
    camera = fake_backend.seed_camera("Gate", "rtsp://192.0.2.21/h264", password="hunter22")
    dialog = open_dialog(camera)
    assert dialog.form.password.text() == ""
    fill(qtbot, dialog, location="Fence")

    with qtbot.waitSignal(dialog.saved, timeout=2000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    [call] = fake_backend.calls_to("update_camera")
    assert call.args[0] == camera.id
    assert call.args[1].password is None
    assert call.args[1].location == "Fence"
    assert fake_backend.passwords[camera.id] == "hunter22"


def test_edit_with_clear_password_checked_clears_it(
    qtbot: QtBot, open_dialog: OpenDialog, fake_backend: FakeBackend
) -> None:
    camera = fake_backend.seed_camera("Gate", "rtsp://192.0.2.21/h264", password="hunter22")
    dialog = open_dialog(camera)

    dialog.form.clear_password.setChecked(True)
    with qtbot.waitSignal(dialog.saved, timeout=2000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    assert fake_backend.calls_to("update_camera")[0].args[1].password == ""
    assert not dialog.form.password.isEnabled()


def test_edit_test_connection_uses_the_saved_camera_when_the_password_is_kept(
    qtbot: QtBot, open_dialog: OpenDialog, fake_backend: FakeBackend
) -> None:
    camera = fake_backend.seed_camera("Gate", "rtsp://192.0.2.21/h264", password="hunter22")
    dialog = open_dialog(camera)

    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: dialog.probe_label.text().startswith("✓"))
    assert [c.args for c in fake_backend.calls_to("probe_camera")] == [(camera.id,)]
    assert fake_backend.calls_to("probe_spec") == []


@pytest.mark.parametrize(
    ("field", "key"),
    [
        ("name", "name"),
        ("main_url", "main_url"),
        ("url", "main_url"),
        ("sub_url", "sub_url"),
        ("group_id", "group"),
        ("tags", "tags"),
        ("location", "location"),
        ("recording_stream", "stream"),
        ("recording_max_age_days", "max_age"),
        ("recording_max_bytes", "max_size"),
    ],
)
def test_backend_field_names_map_to_the_form_fields(
    open_dialog: OpenDialog, field: str, key: str
) -> None:
    dialog = open_dialog()

    dialog.form.show_error(field, "Not acceptable.")

    assert dialog.form.error_text(key) == "Not acceptable."
    assert not dialog.form.general_error.isVisibleTo(dialog)


def test_error_for_an_unknown_field_shows_under_the_form(open_dialog: OpenDialog) -> None:
    dialog = open_dialog()

    dialog.form.show_error("", "The database is busy.")

    assert dialog.form.general_error.isVisibleTo(dialog)
    assert dialog.form.general_error.text() == "The database is busy."
