"""The project's own harness, short version: hostile requests generated from the
route table against the real server (reliability/fuzz.py). The full run and its
figures are in the README."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_two_thousand_hostile_requests_get_no_5xx_and_no_server_error():
    result = subprocess.run(
        [sys.executable, str(ROOT / "reliability" / "fuzz.py"), "--requests", "2000", "--seed", "7"],
        capture_output=True,
        text=True,
        timeout=600,
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
        capture_output=True,
        text=True,
        timeout=600,
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


def test_twenty_people_for_twenty_seconds_get_no_error_and_workers_stay_small():
    """Full journeys (home, guide, sign-in page, sign-in, Mon compte, sign out) on two
    workers: only 503 "busy" may refuse a step, no server error, and each worker's
    memory stays bounded (argon2 buffers are given back: before, 365 MiB in 10 s)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "reliability" / "load.py"), "--users", "20", "--seconds", "20"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "errors other than 503: 0" in result.stdout
    assert "5xx other than 503: 0" in result.stdout
    assert "server log errors: 0" in result.stdout
    journeys = int(re.search(r"journeys completed: (\d+)", result.stdout).group(1))
    assert journeys >= 20, result.stdout
    rss = int(re.search(r"RSS peak max MiB: (\d+)", result.stdout).group(1))
    assert rss < 300, result.stdout


def test_guesses_from_a_hundred_forwarded_addresses_evaluate_at_most_twenty_five():
    """Wrong passwords and wrong NUMENs for one account from 100 addresses a trusted
    proxy forwards, 64 at a time: nothing succeeds and the CNIL cap holds."""
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "reliability" / "bruteforce.py"),
            "--guesses",
            "200",
            "--addresses",
            "100",
            "--concurrency",
            "64",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "successes: 0 (audit: 0)" in result.stdout
    evaluated = int(re.search(r"evaluated guesses \(throttle failure rows\): (\d+)", result.stdout).group(1))
    assert 0 < evaluated <= 25, result.stdout
    assert "verdict: ok" in result.stdout
