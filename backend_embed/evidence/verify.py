"""Checking an evidence export: the manifest's signature, its key, and every file's SHA-256.

Also a command-line tool for whoever receives an export (no console needed):

    python -m backend_embed.evidence.verify FOLDER [--key KEY]

It prints a report and exits 0 only when the export is valid, 1 when it is not, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import enum
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from backend_embed.evidence.manifest import FORMAT, MANIFEST_NAME, SIGNATURE_NAME
from backend_embed.evidence.signing import decode_public_key, fingerprint, verify

_HASH_CHUNK = 1024 * 1024


class FileStatus(enum.Enum):
    """What became of one file."""

    OK = "ok"
    ALTERED = "altered"  # its SHA-256 or size differs from the manifest's
    MISSING = "missing"  # listed in the manifest, not in the folder
    EXTRA = "extra"  # in the folder, not listed in the manifest


@dataclass(frozen=True, slots=True)
class FileCheck:
    """The check of one file of the export."""

    name: str
    status: FileStatus


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The verdict on an export folder.

    Attributes:
        valid: the signature is good, the key is trusted (or no trusted key was given), every listed file is
            unchanged and there is nothing else in the folder, and the manifest could be read.
        signature_ok: `manifest.sig` is a valid signature of `manifest.json` by the manifest's key.
        public_key: the key the manifest names (base64), "" when the manifest is unreadable.
        key_fingerprint: its fingerprint, "" when it is not a key.
        key_trusted: whether the manifest's key is `trusted_key`; None when no trusted key was given.
        files: per file, in manifest order, then the extra ones sorted by name.
        problems: why the manifest or signature could not be checked at all.
    """

    valid: bool
    signature_ok: bool
    public_key: str
    key_fingerprint: str
    key_trusted: bool | None
    files: tuple[FileCheck, ...]
    problems: tuple[str, ...] = ()


def verify_export(folder: Path, *, trusted_key: str | None = None) -> VerifyReport:
    """Check the export in `folder`. Blocking (hashes every file): run it in a thread in async code.

    Args:
        trusted_key: the installation's public key as the console shows it (base64, or the
            `Ed25519 <base64> (fingerprint …)` text); the manifest's key must be this one.

    Raises:
        ValueError: `trusted_key` is not an Ed25519 public key.
    """
    trusted = decode_public_key(trusted_key) if trusted_key is not None else None
    problems: list[str] = []
    try:
        manifest_bytes = (folder / MANIFEST_NAME).read_bytes()
        signature_text = (folder / SIGNATURE_NAME).read_bytes()
    except OSError as exc:
        return _unreadable(folder, f"cannot read {Path(exc.filename or '').name}: {exc.strerror}")
    try:
        manifest = json.loads(manifest_bytes)
    except (UnicodeDecodeError, json.JSONDecodeError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        # still check the signature: a one-byte change may have broken the JSON
        problems.append(f"{MANIFEST_NAME} is not a readable export manifest")
        manifest = {}
    named_key = manifest.get("public_key")
    public_key = named_key if isinstance(named_key, str) else ""
    try:
        raw_key = decode_public_key(public_key)
    except ValueError:
        raw_key = b""
        if not problems:
            problems.append("the manifest names no valid public key")
    signature_ok = bool(raw_key) and verify(
        raw_key, manifest_bytes, _decode_signature(signature_text)
    )
    key_trusted = None if trusted is None else (raw_key == trusted)
    files = _check_files(folder, manifest.get("files"), problems)
    valid = (
        signature_ok
        and key_trusted is not False
        and not problems
        and all(f.status is FileStatus.OK for f in files)
    )
    return VerifyReport(
        valid=valid,
        signature_ok=signature_ok,
        public_key=public_key,
        key_fingerprint=fingerprint(raw_key) if raw_key else "",
        key_trusted=key_trusted,
        files=tuple(files),
        problems=tuple(problems),
    )


def _unreadable(folder: Path, problem: str) -> VerifyReport:
    extras = [FileCheck(p.name, FileStatus.EXTRA) for p in _entries(folder)]
    return VerifyReport(False, False, "", "", None, tuple(extras), (problem,))


def _decode_signature(text: bytes) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except binascii.Error:
        return b""


def _entries(folder: Path) -> list[Path]:
    try:
        return sorted(folder.iterdir())
    except OSError:
        return []


def _check_files(folder: Path, listed: object, problems: list[str]) -> list[FileCheck]:
    checks: list[FileCheck] = []
    names: set[str] = {MANIFEST_NAME, SIGNATURE_NAME}
    for entry in listed if isinstance(listed, list) else []:
        name, sha256, size = _listed_file(entry)
        if name is None or "/" in name or "\\" in name or name in names:
            problems.append(f"the manifest lists an invalid file entry: {entry!r}"[:200])
            continue
        names.add(name)
        checks.append(FileCheck(name, _file_status(folder / name, sha256, size)))
    extras = [p.name for p in _entries(folder) if p.name not in names]
    checks.extend(FileCheck(name, FileStatus.EXTRA) for name in extras)
    return checks


def _listed_file(entry: object) -> tuple[str | None, str, int]:
    if not isinstance(entry, dict):
        return None, "", -1
    name, sha256, size = entry.get("name"), entry.get("sha256"), entry.get("bytes")
    if not isinstance(name, str) or not isinstance(sha256, str) or not isinstance(size, int):
        return None, "", -1
    return name, sha256, size


def _file_status(path: Path, sha256: str, size: int) -> FileStatus:
    digest = hashlib.sha256()
    try:
        if not path.is_file():
            return FileStatus.MISSING
        with path.open("rb") as fh:
            while chunk := fh.read(_HASH_CHUNK):
                digest.update(chunk)
    except OSError:
        return FileStatus.MISSING
    ok = digest.hexdigest() == sha256.lower() and path.stat().st_size == size
    return FileStatus.OK if ok else FileStatus.ALTERED


def format_report(report: VerifyReport, folder: Path | None = None) -> str:
    """The report as readable text, one fact a line, the verdict first."""
    lines = [f"Export {folder}" if folder is not None else "Export"]
    lines.append("VALID: signed, unchanged and complete" if report.valid else "NOT VALID")
    lines.extend(f"  problem: {p}" for p in report.problems)
    lines.append(
        f"Signature: {'good' if report.signature_ok else 'BAD (manifest changed or not signed by its key)'}"
    )
    if report.public_key:
        lines.append(
            f"Signed by: Ed25519 {report.public_key} (fingerprint {report.key_fingerprint})"
        )
    if report.key_trusted is True:
        lines.append("Key: matches the trusted key")
    elif report.key_trusted is False:
        lines.append("Key: DOES NOT match the trusted key")
    else:
        lines.append("Key: not compared (pass --key to check who signed it)")
    width = max((len(f.name) for f in report.files), default=0)
    for check in report.files:
        lines.append(f"  {check.name.ljust(width)}  {_STATUS_TEXT[check.status]}")
    return "\n".join(lines)


_STATUS_TEXT = {
    FileStatus.OK: "ok",
    FileStatus.ALTERED: "ALTERED (hash mismatch)",
    FileStatus.MISSING: "MISSING",
    FileStatus.EXTRA: "EXTRA (not in the manifest)",
}


def main(argv: Sequence[str] | None = None) -> int:
    """The `vas-verify-export` command: print the report; 0 when valid, 1 when not, 2 on bad usage."""
    parser = argparse.ArgumentParser(
        prog="vas-verify-export", description="Check a signed VAS Console clip export."
    )
    parser.add_argument("folder", type=Path, help="the export folder (holding manifest.json)")
    parser.add_argument(
        "--key", help="the installation's public key the export must be signed with"
    )
    args = parser.parse_args(argv)
    try:
        report = verify_export(args.folder, trusted_key=args.key)
    except ValueError as exc:
        parser.error(f"--key: {exc}")
    sys.stdout.write(format_report(report, args.folder) + "\n")
    return 0 if report.valid else 1


if __name__ == "__main__":
    sys.exit(main())
