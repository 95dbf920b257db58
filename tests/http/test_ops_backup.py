"""`sesame backup` while the app writes, and `sesame restore` with its checks
(pwa/ops/backup.py), through the real command on real SQLite files."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.ops_backup import WRITER, consistent, sesame
from support.web import STAFF_CSV


@pytest.fixture
def database(tmp_path) -> Path:
    """A Sésame database with its staff."""
    csv = tmp_path / "agents.csv"
    csv.write_bytes(STAFF_CSV.encode())
    db = tmp_path / "sesame.db"
    assert sesame("import", "--oui", str(csv), db=db, cwd=tmp_path).returncode == 0
    return db


def grow(db: Path, rows: int) -> None:
    """Some history, so the copy takes a while (300 bytes a row)."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN")
    conn.executemany(
        "insert into audit (at, event, details) values (?, 'login.succeeded', ?)", ((i, "y" * 300) for i in range(rows))
    )
    conn.execute("COMMIT")
    conn.close()


def test_backup_while_writes_go_on_then_restore(database, tmp_path):
    grow(database, 120_000)
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(database), str(stop)], stdout=subprocess.PIPE, text=True
    )
    try:
        time.sleep(0.5)
        before = consistent(database)
        made = sesame("backup", str(tmp_path / "copie.db"), db=database, cwd=tmp_path)
        after = consistent(database)
    finally:
        stop.touch()
        out, _ = writer.communicate(timeout=30)
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith(f"Sauvegarde vérifiée : {tmp_path / 'copie.db'}")
    copy = tmp_path / "copie.db"
    in_copy = consistent(copy)
    assert before < after and before <= in_copy <= after, (before, in_copy, after)  # writes went on
    assert oct(copy.stat().st_mode & 0o777) == "0o600"
    assert not list(tmp_path.glob("*.partielle"))
    total, slowest_ms = out.split()
    print(
        f"\nbackup of {database.stat().st_size / 1e6:.1f} MB: {made.stdout.strip()}\n"
        f"writer: {total} transactions in all, slowest {slowest_ms} ms; {after - before} during the backup"
    )

    # Restore into a new place, then over a database (kept aside), and the app reads it.
    fresh = tmp_path / "restauree.db"
    restored = sesame("restore", str(copy), db=fresh, cwd=tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert "intégrité vérifiée" in restored.stdout and consistent(fresh) == in_copy
    refused = sesame("restore", str(copy), db=database, cwd=tmp_path)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    replaced = sesame("restore", "--yes", str(copy), db=database, cwd=tmp_path)
    assert replaced.returncode == 0, replaced.stderr
    assert consistent(database) == in_copy
    kept = list(tmp_path.glob("sesame.db.avant-restauration-*"))
    assert len(kept) == 1 and consistent(kept[0]) == int(total)
    roles = sesame("roles", db=database, cwd=tmp_path)
    assert roles.returncode == 0 and roles.stdout.strip() == "Aucun rôle attribué."


def test_restore_refuses_a_damaged_copy(database, tmp_path):
    grow(database, 2_000)
    copy = tmp_path / "copie.db"
    assert sesame("backup", str(copy), db=database, cwd=tmp_path).returncode == 0
    data = bytearray(copy.read_bytes())
    middle = len(data) // 2 // 4096 * 4096
    data[middle : middle + 4096] = bytes(4096)  # one page of the audit table lost
    copy.write_bytes(bytes(data))
    size = database.stat().st_size
    result = sesame("restore", "--yes", str(copy), db=database, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "abîmé" in result.stderr and "la base n'a pas été touchée" in result.stderr
    assert database.stat().st_size == size and not list(tmp_path.glob("*.avant-restauration-*"))


def test_restore_refuses_what_is_not_a_sesame_backup(tmp_path):
    other = tmp_path / "autre.db"
    sqlite3.connect(other).execute("create table t (x)").connection.close()
    result = sesame("restore", str(other), db=tmp_path / "s.db", cwd=tmp_path)
    assert result.returncode == 2 and "n'est pas une sauvegarde de Sésame" in result.stderr
    text = tmp_path / "notes.txt"
    text.write_text("bonjour " * 1000)
    result = sesame("restore", str(text), db=tmp_path / "s.db", cwd=tmp_path)
    assert result.returncode == 2 and "n'est pas une base SQLite :" in result.stderr
    assert not (tmp_path / "s.db").exists()


def test_restore_refuses_a_copy_made_under_another_key(database, tmp_path):
    copy = tmp_path / "copie.db"
    assert sesame("backup", str(copy), db=database, cwd=tmp_path).returncode == 0
    result = sesame("restore", "--yes", str(copy), db=tmp_path / "s.db", key="z" * 48, cwd=tmp_path)
    assert result.returncode == 2 and "autre SESAME_SECRET_KEY" in result.stderr
    assert not (tmp_path / "s.db").exists()


def test_backup_of_a_missing_database_is_explained(tmp_path):
    result = sesame("backup", str(tmp_path / "copie.db"), db=tmp_path / "absente.db", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.startswith("Erreur : la base") and "SESAME_DB" in result.stderr
