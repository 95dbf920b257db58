"""The project's own harness, short version: hostile requests generated from the
route table against the real server (reliability/fuzz.py). The full run and its
figures are in the README."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_two_thousand_hostile_requests_get_no_5xx_and_no_server_error():
    result = subprocess.run(
        [sys.executable, str(ROOT / "reliability" / "fuzz.py"), "--requests", "2000", "--seed", "7"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "responses >= 500 (503 'busy' excepted): 0" in result.stdout
    assert "server log errors: 0" in result.stdout
    assert "still signed in at the end: utilisateur yes, assistance yes" in result.stdout
