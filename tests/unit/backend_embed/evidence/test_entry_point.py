"""The `vas-verify-export` command is declared and resolves to the verifier's main()."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib.metadata import entry_points
from pathlib import Path

from backend_embed.evidence import verify

ROOT = Path(__file__).resolve().parents[4]


def test_pyproject_declares_the_script() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["vas-verify-export"] == "backend_embed.evidence.verify:main"


def test_installed_entry_point_loads_the_verifier_main() -> None:
    (point,) = entry_points(group="console_scripts", name="vas-verify-export")
    assert point.load() is verify.main


def test_installed_script_runs_and_says_not_valid_for_an_empty_folder(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "vas-verify-export"
    done = subprocess.run(
        [str(script), str(tmp_path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1
    assert "NOT VALID" in done.stdout
