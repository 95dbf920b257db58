"""The `sesame` command line, run as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from conftest import SECRET, STAFF_CSV

from pwa.cli import main


def env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"SESAME_DB": str(tmp_path / "s.db"), "SESAME_SECRET_KEY": SECRET, **extra}


def test_migrate_then_nothing_pending(tmp_path):
    runner = CliRunner()
    first = runner.invoke(main, ["migrate"], env=env(tmp_path))
    from pwa.migrations import migrations

    assert first.exit_code == 0
    for name in ("0001_directory", "0002_security", "0004_authenticators"):
        assert name in first.output
    again = runner.invoke(main, ["migrate"], env=env(tmp_path))
    assert "0 migration(s) appliquée(s)." in again.output


def test_import_command_reports_in_french(tmp_path):
    csv = tmp_path / "agents.csv"
    csv.write_bytes(STAFF_CSV.encode())
    result = CliRunner().invoke(main, ["import", str(csv)], env=env(tmp_path))
    assert result.exit_code == 0, result.output
    assert "3 personnes importées : 3 nouvelles, 0 mise à jour." in result.output


def test_python_dash_m_works(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "pwa", "--help"], capture_output=True, text=True, check=True
    )
    assert "serve" in out.stdout and "import" in out.stdout and "migrate" in out.stdout


def test_serve_refuses_without_secret(tmp_path):
    result = CliRunner().invoke(main, ["serve"], env={"SESAME_DB": str(tmp_path / "s.db"), "SESAME_SECRET_KEY": ""})
    assert result.exit_code == 2 and "SESAME_SECRET_KEY" in result.output


def test_demo_refuses_a_real_database(tmp_path):
    csv = tmp_path / "agents.csv"
    csv.write_bytes(STAFF_CSV.encode())
    CliRunner().invoke(main, ["import", str(csv)], env=env(tmp_path))
    environ = {**os.environ, **env(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-m", "pwa", "serve", "--demo", "--port", "1"],
        capture_output=True, text=True, env=environ, timeout=60, cwd=tmp_path,
    )
    assert out.returncode == 2
    assert "demo mode only runs on a demo database" in out.stderr
