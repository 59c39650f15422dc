"""Tests for backend_embed.cameras.transfer (and import_rows): round trips, rejected files, line errors, secrets."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from backend_embed.api.dto import Camera, CameraSpec, ExportFormat, RecordingSettings, StreamRole
from backend_embed.api.errors import BackendError, ImportFileError
from backend_embed.cameras.transfer import MAX_IMPORT_BYTES, export_cameras, parse_import

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
HEADER = "name,main_url,sub_url,username,password,group,tags,location,enabled"
SECRET = "hunter2-Sekret"


def _camera(camera_id: int, name: str, **overrides: object) -> Camera:
    values: dict[str, object] = {
        "id": camera_id,
        "name": name,
        "main_url": f"rtsp://10.0.0.{camera_id}:554/main",
        "sub_url": None,
        "username": "",
        "has_password": False,
        "group_id": None,
        "tags": (),
        "location": "",
        "enabled": True,
        "recording": RecordingSettings(),
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(overrides)
    return Camera(**values)  # type: ignore[arg-type]


CAMERAS = [
    _camera(
        1,
        "Gate",
        sub_url="rtsp://10.0.0.1:554/sub",
        username="admin",
        has_password=True,
        group_id=7,
        tags=("outdoor", "north"),
        location="Main gate, pole 2",
        recording=RecordingSettings(
            enabled=True, stream=StreamRole.SUB, max_age_days=None, max_bytes=10**9
        ),
    ),
    _camera(
        2, "Lobby «Ост»", group_id=7, enabled=False, recording=RecordingSettings(enabled=False)
    ),
    _camera(3, 'Dock "3", east', recording=RecordingSettings(max_age_days=7)),
]
GROUPS = {7: "Site A", 8: "Empty group"}


def _expected_spec(camera: Camera) -> CameraSpec:
    return CameraSpec(
        name=camera.name,
        main_url=camera.main_url,
        sub_url=camera.sub_url,
        username=camera.username,
        password=None,
        tags=camera.tags,
        location=camera.location,
        enabled=camera.enabled,
        recording=camera.recording,
    )


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


# -- round trips and export -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(ExportFormat), ids=str)
def test_export_then_import_round_trips_every_field_but_the_password(
    tmp_path: Path, fmt: ExportFormat
) -> None:
    path = tmp_path / f"cameras.{fmt.value}"
    assert export_cameras(path, fmt, CAMERAS, GROUPS) == 3
    plan = parse_import(path)
    assert plan.specs == tuple(_expected_spec(c) for c in CAMERAS)
    assert [c.group_name for c in plan.cameras] == ["Site A", "Site A", None]
    expected_groups = ("Empty group", "Site A") if fmt is ExportFormat.JSON else ("Site A",)
    assert plan.group_names == expected_groups


@pytest.mark.parametrize("fmt", list(ExportFormat), ids=str)
def test_export_never_writes_a_password(tmp_path: Path, fmt: ExportFormat) -> None:
    leaky = _camera(
        9, "Legacy", main_url=f"rtsp://admin:{SECRET}@cam/x?token=tok-{SECRET}", username="admin"
    )
    path = tmp_path / f"cameras.{fmt.value}"
    export_cameras(path, fmt, [*CAMERAS, leaky], GROUPS)
    text = path.read_text(encoding="utf-8")
    assert SECRET not in text
    assert "password" not in text.lower()
    assert "admin" in text, "the user name is exported"


def test_json_export_has_a_versioned_document_shape(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    export_cameras(path, ExportFormat.JSON, CAMERAS[:1], GROUPS)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert (doc["format"], doc["version"]) == ("vas-console-cameras", 1)
    assert doc["cameras"][0]["recording_max_age_days"] is None
    assert doc["cameras"][0]["tags"] == ["outdoor", "north"]


def test_csv_export_writes_unlimited_and_semicolon_tags(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    export_cameras(path, ExportFormat.CSV, CAMERAS[:1], GROUPS)
    header, row = csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
    cells = dict(zip(header, row, strict=True))
    assert "password" not in header
    assert cells["tags"] == "outdoor;north"
    assert cells["recording_max_age_days"] == "unlimited"


def test_export_replaces_the_file_atomically_and_leaves_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text("old", encoding="utf-8")
    export_cameras(path, ExportFormat.JSON, CAMERAS, GROUPS)
    assert [p.name for p in tmp_path.iterdir()] == ["c.json"]
    assert json.loads(path.read_text(encoding="utf-8"))["cameras"]


def test_export_to_a_missing_folder_raises_backend_error(tmp_path: Path) -> None:
    with pytest.raises(BackendError, match="cannot be exported"):
        export_cameras(tmp_path / "nope" / "c.csv", ExportFormat.CSV, CAMERAS, GROUPS)


# -- accepted import files ------------------------------------------------------------------------------------


def test_import_moves_url_credentials_into_username_and_password(tmp_path: Path) -> None:
    path = _write(tmp_path, "c.csv", f"name,main_url\nGate,rtsp://admin:p%40ss{SECRET}@cam/x\n")
    spec = parse_import(path).cameras[0].spec
    assert (spec.main_url, spec.username, spec.password) == (
        "rtsp://cam/x",
        "admin",
        f"p@ss{SECRET}",
    )


def test_import_keeps_a_password_column_exactly_as_written(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "c.csv", 'name,main_url,username,password\nGate,rtsp://cam/x,admin," p w "\n'
    )
    assert parse_import(path).cameras[0].spec.password == " p w "


def test_import_applies_defaults_and_parses_limits_and_booleans(tmp_path: Path) -> None:
    content = (
        "name,main_url,enabled,recording_enabled,recording_max_age_days,recording_max_bytes\n"
        "A,rtsp://cam/a,,,,\n"
        "B,rtsp://cam/b,no,0,unlimited,5000\n"
        "C,rtsp://cam/c,YES,1,14,none\n"
    )
    specs = parse_import(_write(tmp_path, "c.csv", content)).specs
    assert [(s.enabled, s.recording) for s in specs] == [
        (True, RecordingSettings()),
        (False, RecordingSettings(enabled=False, max_age_days=None, max_bytes=5000)),
        (True, RecordingSettings(enabled=True, max_age_days=14, max_bytes=None)),
    ]


def test_import_accepts_a_bare_json_list_a_bom_and_any_suffix(tmp_path: Path) -> None:
    content = (
        '\ufeff[{"name": "A", "main_url": "rtsp://cam/a", "tags": ["x", "y", "x"], "group": "G"}]'
    )
    plan = parse_import(_write(tmp_path, "cams.txt", content))
    assert plan.specs[0].tags == ("x", "y")
    assert plan.group_names == ("G",)


def test_import_skips_blank_csv_lines_and_reads_header_case_insensitively(tmp_path: Path) -> None:
    content = "Name, MAIN_URL\n\nA,rtsp://cam/a\n,\nB,rtsp://cam/b\n"
    assert [s.name for s in parse_import(_write(tmp_path, "c.csv", content)).specs] == ["A", "B"]


# -- rejected files -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        pytest.param("c.csv", "", "is empty", id="empty"),
        pytest.param("c.json", " \n\t\n", "is empty", id="whitespace-only"),
        pytest.param(
            "c.json",
            '{"cameras": [\n  {"name": "A",}\n]}',
            "not valid JSON (line 2, column",
            id="bad-json",
        ),
        pytest.param("c.json", '"cameras"', "expected a list of cameras", id="json-scalar"),
        pytest.param("c.json", '{"groups": []}', "needs a 'cameras' list", id="json-no-cameras"),
        pytest.param(
            "c.json",
            '{"cameras": [], "extra": 1}',
            "unknown top-level key(s) 'extra'",
            id="json-unknown-key",
        ),
        pytest.param(
            "c.json", '{"version": 2, "cameras": []}', "newer version", id="json-newer-version"
        ),
        pytest.param(
            "c.json",
            '{"format": "other", "cameras": []}',
            "not a VAS Console",
            id="json-other-format",
        ),
        pytest.param(
            "c.json",
            '{"groups": [""], "cameras": []}',
            "'groups' must be a list",
            id="json-bad-groups",
        ),
        pytest.param("c.json", "[]", "contains no cameras", id="json-no-entries"),
        pytest.param(
            "c.csv", "name,main_url,colour\n", "unknown column(s) 'colour'", id="csv-unknown-column"
        ),
        pytest.param(
            "c.csv",
            "name,sub_url\n",
            "lacks the required column(s) main_url",
            id="csv-missing-column",
        ),
        pytest.param(
            "c.csv", "name;main_url\nA;rtsp://x\n", "must be comma-separated", id="csv-semicolons"
        ),
        pytest.param("c.csv", "name,main_url,NAME\n", "appears twice", id="csv-duplicate-column"),
        pytest.param("c.csv", "name,main_url\n", "contains no cameras", id="csv-header-only"),
        pytest.param(
            "c.csv", 'name,main_url\nA,"rtsp://x"y\n', "not valid CSV (line 2", id="csv-bad-quoting"
        ),
        pytest.param(
            "c.csv",
            "name,main_url\nCaf\xe9,rtsp://x\n".encode("latin-1"),
            "not UTF-8",
            id="latin-1",
        ),
    ],
)
def test_import_rejects_a_malformed_file_as_a_whole(
    tmp_path: Path, name: str, content: str | bytes, fragment: str
) -> None:
    with pytest.raises(ImportFileError) as info:
        parse_import(_write(tmp_path, name, content))
    assert fragment in info.value.user_message
    assert info.value.errors == ()


def test_import_rejects_a_file_over_10_mb(tmp_path: Path) -> None:
    path = _write(tmp_path, "c.csv", HEADER + "\n" + "#" * MAX_IMPORT_BYTES)
    with pytest.raises(ImportFileError, match="larger than 10 MB"):
        parse_import(path)


def test_import_of_a_missing_file_says_it_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="cannot be read"):
        parse_import(tmp_path / "missing.csv")


# -- line errors ----------------------------------------------------------------------------------------------


def _line_errors(path: Path) -> list[tuple[int, str, str]]:
    with pytest.raises(ImportFileError) as info:
        parse_import(path)
    assert "nothing was imported" in info.value.user_message
    return [(e.line, e.field, e.message) for e in info.value.errors]


CSV_CASE_FIELDS = [
    "name", "main_url", "sub_url", "username", "group", "tags", "location", "enabled",
    "recording_enabled", "recording_stream", "recording_max_age_days", "recording_max_bytes",
]  # fmt: skip
CSV_CASE_HEADER = ",".join(CSV_CASE_FIELDS) + "\n"


def _row(**cells: str) -> str:
    """One CSV line with `cells` in their header columns, quoted where needed, the rest empty."""
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerow([cells.get(f, "") for f in CSV_CASE_FIELDS])
    return out.getvalue()


GATE = {"name": "Gate", "main_url": "rtsp://a/x"}
CSV_CASES = [
    pytest.param(
        _row(**GATE) + _row(main_url="rtsp://b/x"), [(3, "name", "is required")], id="missing-name"
    ),
    pytest.param(
        _row(**GATE) + _row(**GATE), [(3, "name", "is already used on line 2")], id="duplicate-name"
    ),
    pytest.param(_row(name="Gate"), [(2, "main_url", "is required")], id="missing-url"),
    pytest.param(
        _row(name="Gate", main_url="http://a/x"),
        [(2, "main_url", "Not an RTSP URL")],
        id="http-url",
    ),
    pytest.param(
        _row(name="Gate", main_url="cam/x"), [(2, "main_url", "is not a URL")], id="not-a-url"
    ),
    pytest.param(
        _row(name="Gate", main_url="rtsp://a:0/x"),
        [(2, "main_url", "from 1 to 65535")],
        id="bad-port",
    ),
    pytest.param(
        _row(**GATE, sub_url="rtsp://b_b/x"),
        [(2, "sub_url", "not a valid host name")],
        id="bad-sub-url",
    ),
    pytest.param(
        _row(**GATE, enabled="maybe"), [(2, "enabled", "is not true/false")], id="bad-enabled"
    ),
    pytest.param(
        _row(**GATE, recording_enabled="on"),
        [(2, "recording_enabled", "is not true/false")],
        id="bad-rec",
    ),
    pytest.param(
        _row(**GATE, recording_stream="side"),
        [(2, "recording_stream", "is not 'main' or 'sub'")],
        id="bad-stream",
    ),
    pytest.param(
        _row(**GATE, recording_stream="sub"),
        [(2, "recording_stream", "has no sub_url")],
        id="sub-without-url",
    ),
    pytest.param(
        _row(**GATE, recording_max_age_days="0", recording_max_bytes="1e9"),
        [
            (2, "recording_max_age_days", "at least 1"),
            (2, "recording_max_bytes", "is not a whole number"),
        ],
        id="bad-limits",
    ),
    pytest.param(
        _row(**GATE).rstrip("\n") + ",extra\n",
        [(2, "", "has 13 values but the header has 12 columns")],
        id="long-row",
    ),
    pytest.param(
        _row(name="A", main_url="rtsp://a/x", location="two\nlines")
        + "\n"
        + _row(name="B", main_url="ftp://b"),
        [(5, "main_url", "Not an RTSP URL")],
        id="multiline-cell-and-blank-line",
    ),
    pytest.param(
        _row(name="Gate", main_url="rtsp://root:x@a/x", username="admin"),
        [(2, "main_url", "the username in the URL differs from the username column")],
        id="conflicting-user",
    ),
]


@pytest.mark.parametrize(("rows", "expected"), CSV_CASES)
def test_csv_import_reports_each_problem_by_line_and_field(
    tmp_path: Path, rows: str, expected: list[tuple[int, str, str]]
) -> None:
    errors = _line_errors(_write(tmp_path, "c.csv", CSV_CASE_HEADER + rows))
    assert [(line, field) for line, field, _ in errors] == [
        (line, field) for line, field, _ in expected
    ]
    for (_, _, message), (_, _, fragment) in zip(errors, expected, strict=True):
        assert fragment in message


JSON_CASES = [
    pytest.param(
        '[\n  {"name": "A", "main_url": "rtsp://a/x"},\n  42\n]',
        [(3, "", "is not a camera object")],
        id="not-object",
    ),
    pytest.param(
        '{\n "cameras": [\n  {\n   "name": "A",\n   "main_url": "rtsp://a/x",\n   "colour": "red"\n  }\n ]\n}',
        [(3, "colour", "is not a known field")],
        id="unknown-key-line-of-brace",
    ),
    pytest.param(
        '[{"name": 5, "main_url": "rtsp://a/x"}]', [(1, "name", "must be text")], id="name-not-text"
    ),
    pytest.param(
        '[{"name": "A", "main_url": "rtsp://a/x", "tags": ["a", 3]}]',
        [(1, "tags", "list of text")],
        id="tags-not-text",
    ),
    pytest.param(
        '[{"name": "A", "main_url": "rtsp://a/x", "enabled": "maybe"}]',
        [(1, "enabled", "not true/false")],
        id="bad-enabled",
    ),
    pytest.param(
        '[{"name": "A", "main_url": "rtsp://a/x", "recording_max_bytes": 1.5}]',
        [(1, "recording_max_bytes", "not a whole number")],
        id="float-limit",
    ),
    pytest.param(
        '[\n{"name": "A", "main_url": "rtsp://a/x"},\n{"name": "A", "main_url": "rtsp://b/x"}\n]',
        [(3, "name", "already used on line 2")],
        id="duplicate-name",
    ),
]


@pytest.mark.parametrize(("content", "expected"), JSON_CASES)
def test_json_import_reports_each_problem_at_the_line_of_its_object(
    tmp_path: Path, content: str, expected: list[tuple[int, str, str]]
) -> None:
    errors = _line_errors(_write(tmp_path, "c.json", content))
    assert [(line, field) for line, field, _ in errors] == [
        (line, field) for line, field, _ in expected
    ]
    for (_, _, message), (_, _, fragment) in zip(errors, expected, strict=True):
        assert fragment in message


def test_json_import_accepts_null_limits_as_unlimited(tmp_path: Path) -> None:
    content = '[{"name": "A", "main_url": "rtsp://a/x", "recording_max_age_days": null, "enabled": false}]'
    spec = parse_import(_write(tmp_path, "c.json", content)).specs[0]
    assert (spec.recording.max_age_days, spec.enabled) == (None, False)


def test_import_collects_every_problem_and_imports_nothing(tmp_path: Path) -> None:
    content = (
        HEADER
        + "\nGood,rtsp://a/x,,,,,,,\n,rtsp://b/x,,,,,,,\nBad,ftp://c,,,,,,,nope\nAlso good,rtsp://d/x,,,,,,,\n"
    )
    errors = _line_errors(_write(tmp_path, "c.csv", content))
    assert [(line, field) for line, field, _ in errors] == [
        (3, "name"),
        (4, "main_url"),
        (4, "enabled"),
    ]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param(
            "c.csv",
            f"{HEADER}\nGate,rtsp://cam/x,,admin,{SECRET},,,,maybe\n",
            id="csv-password-column",
        ),
        pytest.param(
            "c.csv", f"{HEADER}\nGate,rtsp://admin:{SECRET}@cam:0/x,,,,,,,\n", id="csv-url-bad-port"
        ),
        pytest.param(
            "c.csv", f"{HEADER}\nGate,rtsp://admin:{SECRET} x@cam/x,,,,,,,\n", id="csv-url-space"
        ),
        pytest.param(
            "c.csv",
            f"{HEADER}\nGate,rtsp://root:{SECRET}@cam/x,,admin,,,,,\n",
            id="csv-url-conflict",
        ),
        pytest.param(
            "c.csv",
            f"{HEADER}\nGate,rtsp://a:{SECRET}@cam/x,,a,other{SECRET},,,,\n",
            id="csv-password-conflict",
        ),
        pytest.param(
            "c.json",
            json.dumps(
                [{"name": "", "main_url": "rtsp://cam/x", "password": SECRET, "enabled": SECRET}]
            ),
            id="json-password-echoed-in-other-field",
        ),
        pytest.param(
            "c.json",
            json.dumps(
                [{"name": "G", "main_url": f"rtsp://admin:{SECRET}@-cam/x", "sub_url": SECRET}]
            ),
            id="json-url-bad-host",
        ),
    ],
)
def test_import_errors_never_contain_a_password(tmp_path: Path, name: str, content: str) -> None:
    with pytest.raises(ImportFileError) as info:
        parse_import(_write(tmp_path, name, content))
    assert info.value.errors
    shown = " ".join(
        [str(info.value), info.value.user_message, info.value.detail, *map(str, info.value.errors)]
    )
    assert SECRET not in shown
    assert "hunter2" not in shown
