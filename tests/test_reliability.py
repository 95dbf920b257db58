"""The project's own harness, short version: hostile requests generated from the
route table against the real server (reliability/fuzz.py). The full run and its
figures are in the README."""

from __future__ import annotations

import re
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


def test_five_kills_mid_traffic_lose_nothing_and_break_no_invariant():
    """reliability/kill.py: SIGKILL while people set passwords with letter and help-desk
    codes, restart, and check the file (integrity, codes, audit events, notices, and
    every acknowledged password still the one that opens the account)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "reliability" / "kill.py"), "--kills", "5", "--seed", "3"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "kills (SIGKILL mid-traffic, then restart): 5" in result.stdout
    # Each kill came while passwords were being set: answered, or cut off mid-request.
    acknowledged = int(re.search(r"password sets acknowledged before a kill: (\d+)", result.stdout)[1])
    in_flight = int(re.search(r"password sets in flight at a kill: (\d+)", result.stdout)[1])
    assert acknowledged + in_flight >= 5, result.stdout
    assert "invariant violations: 0" in result.stdout
    assert "lost acknowledged writes: 0" in result.stdout
    assert "server log errors: 0" in result.stdout
