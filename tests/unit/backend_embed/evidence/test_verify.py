"""The verification report as text, and verify_export on hand-made folders."""

from __future__ import annotations

from pathlib import Path

from backend_embed.evidence.verify import (
    FileCheck,
    FileStatus,
    VerifyReport,
    format_report,
    verify_export,
)


def _report(**changes: object) -> VerifyReport:
    values: dict[str, object] = {
        "valid": True,
        "signature_ok": True,
        "public_key": "KEY=",
        "key_fingerprint": "ab12:cd34:ef56:7890",
        "key_trusted": None,
        "files": (FileCheck("Gate.mp4", FileStatus.OK),),
    }
    values.update(changes)
    return VerifyReport(**values)  # type: ignore[arg-type]


def test_report_of_a_valid_export_says_so_and_who_signed_it() -> None:
    text = format_report(_report(), Path("/tmp/case"))
    assert text.splitlines()[:2] == ["Export /tmp/case", "VALID: signed, unchanged and complete"]
    assert "Signed by: Ed25519 KEY= (fingerprint ab12:cd34:ef56:7890)" in text
    assert "not compared" in text


def test_report_names_each_bad_file_and_an_untrusted_key() -> None:
    files = (
        FileCheck("Gate.mp4", FileStatus.ALTERED),
        FileCheck("Yard.mp4", FileStatus.MISSING),
        FileCheck("notes.txt", FileStatus.EXTRA),
    )
    text = format_report(_report(valid=False, key_trusted=False, files=files))
    assert "NOT VALID" in text
    assert "DOES NOT match the trusted key" in text
    assert "Gate.mp4   ALTERED (hash mismatch)" in text
    assert "Yard.mp4   MISSING" in text
    assert "notes.txt  EXTRA (not in the manifest)" in text


def test_folder_without_a_manifest_is_not_valid(tmp_path: Path) -> None:
    (tmp_path / "clip.mp4").write_bytes(b"x")
    report = verify_export(tmp_path)
    assert not report.valid
    assert "cannot read manifest.json" in report.problems[0]
    assert report.files == (FileCheck("clip.mp4", FileStatus.EXTRA),)


def test_garbled_manifest_is_not_valid(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_bytes(b"{not json")
    (tmp_path / "manifest.sig").write_bytes(b"AAAA\n")
    report = verify_export(tmp_path)
    assert not report.valid
    assert not report.signature_ok
    assert report.problems
