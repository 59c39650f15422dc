"""The evidence dialogs over the FakeBackend: export progress, cancel, errors, verify verdicts, the key.

Real: the dialogs, the qasync loop, the event relay (events are posted as the backend would, then queued to
the GUI thread). Fake: the backend (`export_gate` holds an export; `verifications` scripts verify answers).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu, QWidget
from pytestqt.qtbot import QtBot

from backend_embed.api import (
    BackendError,
    Camera,
    ExportFileState,
    ExportFileVerdict,
    ExportProgress,
    ExportVerification,
)
from tests.helpers.fake_backend import FakeBackend
from vas_console.ui.evidence.evidence_menu import add_evidence_actions
from vas_console.ui.evidence.export_dialog import ExportDialog, default_folder_name
from vas_console.ui.evidence.key_dialog import KeyDialog
from vas_console.ui.evidence.verify_dialog import NOT_VALID_TEXT, VALID_TEXT, VerifyDialog

START_MS = 1_795_255_200_000  # 2026-11-21 10:00:00 UTC
END_MS = START_MS + 5 * 60_000


@pytest.fixture
def cameras(fake_backend: FakeBackend) -> list[Camera]:
    return [fake_backend.seed_camera(name) for name in ("Gate", "Yard", "Lobby")]


@pytest.fixture
def export_dialog(
    qtbot: QtBot,
    qt_loop: asyncio.AbstractEventLoop,
    fake_backend: FakeBackend,
    cameras: list[Camera],
    tmp_path: Path,
) -> Iterator[ExportDialog]:
    revealed: list[str] = []
    dialog = ExportDialog(
        fake_backend,
        [(c.id, c.name) for c in cameras],
        selected={cameras[0].id, cameras[1].id},
        start_ms=START_MS,
        end_ms=END_MS,
        destination=str(tmp_path),
        choose=lambda _parent, _caption, _start: str(tmp_path / "chosen"),
        reveal=revealed.append,
    )
    dialog.revealed = revealed  # type: ignore[attr-defined]
    qtbot.addWidget(dialog)
    dialog.show()
    yield dialog
    if fake_backend.export_gate is not None:
        fake_backend.export_gate.set()


def test_form_starts_with_the_given_cameras_range_and_folder_name(
    export_dialog: ExportDialog, cameras: list[Camera], tmp_path: Path
) -> None:
    assert export_dialog.selected_cameras() == (cameras[0].id, cameras[1].id)
    assert export_dialog.range_ms() == (START_MS, END_MS)
    assert export_dialog.name_edit.text() == default_folder_name(START_MS)
    assert export_dialog.destination() == tmp_path / default_folder_name(START_MS)
    assert export_dialog.summary_label.text().startswith("5 min 00 s of 2 cameras")
    export_dialog.findChild(QWidget, "exportChoose").click()  # type: ignore[union-attr]
    assert export_dialog.parent_edit.text() == str(tmp_path / "chosen")


def test_progress_bar_follows_this_jobs_events_and_the_result_is_shown(
    qtbot: QtBot, export_dialog: ExportDialog, fake_backend: FakeBackend, tmp_path: Path
) -> None:
    fake_backend.export_gate = asyncio.Event()
    export_dialog.export_button.click()
    qtbot.waitUntil(lambda: export_dialog.progress_bar.value() == 500)
    assert export_dialog.progress_bar.isVisible()
    assert export_dialog.detail_label.text() == "Copying Gate"
    assert not export_dialog.export_button.isEnabled()
    assert export_dialog.cancel_button.text() == "Cancel export"
    [request] = fake_backend.exports
    shown: list[int] = []
    export_dialog.progress_bar.valueChanged.connect(shown.append)
    # another job's progress is not this dialog's
    fake_backend.emit(ExportProgress("someone-else", 0.9, "Other"))
    fake_backend.emit(ExportProgress(request.job_id, 0.42, "Gate (1 of 2)"))
    qtbot.waitUntil(lambda: export_dialog.progress_bar.value() == 420)
    assert export_dialog.detail_label.text() == "Gate (1 of 2)"
    assert shown == [420]

    with qtbot.waitSignal(export_dialog.exported, timeout=3000) as done:
        fake_backend.export_gate.set()
    assert done.args[0].folder == str(tmp_path / default_folder_name(START_MS))
    assert export_dialog.result_panel.isVisible()
    assert export_dialog.result_panel.files.rowCount() == 2
    assert export_dialog.result_panel.files.item(0, 0).text() == "Gate.mp4"  # type: ignore[union-attr]
    assert export_dialog.result_panel.files.item(0, 3).text() == "1.0 kB"  # type: ignore[union-attr]
    assert "ab12:cd34:ef56:7890" in export_dialog.result_panel.key_label.text()
    assert request.camera_ids == tuple(c for c in export_dialog.selected_cameras())
    assert (request.start_ms, request.end_ms) == (START_MS, END_MS)

    with qtbot.waitSignal(export_dialog.open_review) as review:
        export_dialog.result_panel.review_button.click()
    assert review.args == [done.args[0].folder]
    export_dialog.result_panel.show_button.click()
    assert export_dialog.revealed == [done.args[0].folder]  # type: ignore[attr-defined]
    export_dialog.result_panel.verify_button.click()
    verify = export_dialog.verify_dialog
    assert verify is not None
    qtbot.waitUntil(lambda: verify.verdict_label.text() == VALID_TEXT)
    assert verify.states() == {"Gate.mp4": ExportFileState.OK, "Yard.mp4": ExportFileState.OK}


def test_cancel_stops_the_export_and_says_nothing_was_left(
    qtbot: QtBot, export_dialog: ExportDialog, fake_backend: FakeBackend, tmp_path: Path
) -> None:
    fake_backend.export_gate = asyncio.Event()
    export_dialog.export_button.click()
    qtbot.waitUntil(lambda: export_dialog.progress_bar.value() == 500)
    export_dialog.cancel_button.click()
    qtbot.waitUntil(lambda: not export_dialog.running)
    assert export_dialog.status_label.text() == f"Export cancelled; nothing was left in {tmp_path}."
    assert not export_dialog.progress_bar.isVisible()
    assert export_dialog.export_button.isEnabled()
    assert export_dialog.cancel_button.text() == "Close"
    assert list(tmp_path.iterdir()) == []
    assert export_dialog.isVisible()  # cancelling the export does not close the dialog


def test_backend_error_is_shown_inline_and_the_form_is_usable_again(
    qtbot: QtBot, export_dialog: ExportDialog, fake_backend: FakeBackend
) -> None:
    fake_backend.failures["export_clips"] = BackendError("Not enough free space in /media/usb.")
    export_dialog.export_button.click()
    qtbot.waitUntil(lambda: export_dialog.error_label.isVisible())
    assert export_dialog.error_label.text() == "Not enough free space in /media/usb."
    assert export_dialog.form_widget.isEnabled()
    assert not export_dialog.result_panel.isVisible()


def test_form_problems_are_shown_before_asking_the_backend(
    export_dialog: ExportDialog, fake_backend: FakeBackend, tmp_path: Path
) -> None:
    export_dialog.end_edit.setDateTime(export_dialog.start_edit.dateTime())
    export_dialog.export_button.click()
    assert export_dialog.error_label.text() == "The end of the range must be after its start."
    export_dialog.end_edit.setDateTime(export_dialog.start_edit.dateTime().addSecs(60))
    (tmp_path / export_dialog.name_edit.text()).mkdir()
    export_dialog.export_button.click()
    assert "already exists" in export_dialog.error_label.text()
    for row in range(export_dialog.camera_list.count()):
        export_dialog.camera_list.item(row).setCheckState(Qt.CheckState.Unchecked)
    export_dialog.export_button.click()
    assert export_dialog.error_label.text() == "Choose at least one camera."
    assert fake_backend.exports == []


def test_closing_while_exporting_cancels_and_unsubscribes(
    qtbot: QtBot, export_dialog: ExportDialog, fake_backend: FakeBackend
) -> None:
    before = fake_backend.subscriber_count
    fake_backend.export_gate = asyncio.Event()
    export_dialog.export_button.click()
    qtbot.waitUntil(lambda: export_dialog.running)
    export_dialog.reject()
    qtbot.waitUntil(lambda: export_dialog.tasks.idle)
    assert fake_backend.subscriber_count == before - 1


@pytest.fixture
def verify_dialog(
    qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop, fake_backend: FakeBackend
) -> VerifyDialog:
    dialog = VerifyDialog(fake_backend)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _not_valid(folder: Path) -> ExportVerification:
    files = (
        ExportFileVerdict("Gate_20261121T100000Z_20261121T100500Z.mp4", ExportFileState.ALTERED),
        ExportFileVerdict("Yard_20261121T100000Z_20261121T100500Z.mp4", ExportFileState.MISSING),
        ExportFileVerdict("notes.txt", ExportFileState.EXTRA),
    )
    return ExportVerification(
        str(folder), False, True, "ab12:cd34", False, files, (), "NOT VALID\nreport text"
    )


def test_verify_shows_not_valid_with_each_files_state_and_copies_the_report(
    qtbot: QtBot, verify_dialog: VerifyDialog, fake_backend: FakeBackend, tmp_path: Path
) -> None:
    fake_backend.verifications[tmp_path] = _not_valid(tmp_path)
    verify_dialog.verify(str(tmp_path))
    qtbot.waitUntil(lambda: verify_dialog.verdict_label.text() == NOT_VALID_TEXT)
    assert verify_dialog.states() == {
        "Gate_20261121T100000Z_20261121T100500Z.mp4": ExportFileState.ALTERED,
        "Yard_20261121T100000Z_20261121T100500Z.mp4": ExportFileState.MISSING,
        "notes.txt": ExportFileState.EXTRA,
    }
    assert verify_dialog.files.item(0, 0).text() == "✗ Altered"  # type: ignore[union-attr]
    assert "Signed by another key" in verify_dialog.signer_label.text()
    verify_dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == "NOT VALID\nreport text"


def test_verify_shows_the_problems_when_the_manifest_cannot_be_checked(
    qtbot: QtBot, verify_dialog: VerifyDialog, fake_backend: FakeBackend, tmp_path: Path
) -> None:
    fake_backend.verifications[tmp_path] = ExportVerification(
        str(tmp_path), False, False, "", None, (), ("manifest.sig is missing.",), "NOT VALID"
    )
    verify_dialog.verify(str(tmp_path))
    qtbot.waitUntil(lambda: verify_dialog.verdict_label.text() == NOT_VALID_TEXT)
    assert verify_dialog.problems_label.text() == "• manifest.sig is missing."
    assert "signature does not match" in verify_dialog.signer_label.text()


def test_verify_reports_a_folder_that_does_not_exist(
    qtbot: QtBot, verify_dialog: VerifyDialog, tmp_path: Path
) -> None:
    verify_dialog.verify(str(tmp_path / "nowhere"))
    qtbot.waitUntil(lambda: verify_dialog.problems_label.isVisible())
    assert "is not a folder" in verify_dialog.problems_label.text()
    assert not verify_dialog.copy_button.isEnabled()


def test_key_dialog_shows_and_copies_the_installation_key(
    qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop, fake_backend: FakeBackend
) -> None:
    dialog = KeyDialog(fake_backend)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.copy_button.isEnabled())
    assert dialog.fingerprint_label.text() == "Fingerprint ab12:cd34:ef56:7890"
    assert dialog.key_text.toPlainText() == fake_backend.key.text
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == fake_backend.key.text


def test_menu_actions_call_back_and_export_has_ctrl_e(qtbot: QtBot) -> None:
    file_menu, help_menu = QMenu("File"), QMenu("Help")
    called: list[str] = []
    actions = add_evidence_actions(
        file_menu,
        on_export=lambda: called.append("export"),
        on_verify=lambda: called.append("verify"),
        on_key=lambda: called.append("key"),
        key_menu=help_menu,
    )
    assert actions.export.shortcut().toString() == "Ctrl+E"
    assert file_menu.actions() == [actions.export, actions.verify]
    assert help_menu.actions() == [actions.key]
    for action in (actions.export, actions.verify, actions.key):
        action.trigger()
    assert called == ["export", "verify", "key"]
