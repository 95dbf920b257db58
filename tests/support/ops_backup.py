"""Helpers of the ops_backup tests, shared with other test modules."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from support.web import SECRET

ROOT = Path(__file__).resolve().parents[2]


# A second process writing as the app does (WAL, busy_timeout, short transactions):
# each transaction adds an audit row and moves a counter in `meta`, so a consistent
# copy always has counter == number of those rows.
WRITER = textwrap.dedent(
    """
    import sqlite3, sys, time, pathlib
    db, stop = sys.argv[1], pathlib.Path(sys.argv[2])
    conn = sqlite3.connect(db, isolation_level=None, timeout=30)
    conn.execute("PRAGMA busy_timeout = 30000"); conn.execute("PRAGMA journal_mode = WAL")
    n, slowest = 0, 0.0
    while not stop.exists():
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("insert into audit (at, event, details) values (?, 'backup.writer', ?)", (time.time(), "x" * 200))
        conn.execute("insert into meta (key, value) values ('writes', '1') on conflict (key)"
                     " do update set value = cast(value as integer) + 1")
        conn.execute("COMMIT")
        n += 1
        slowest = max(slowest, time.perf_counter() - start)
    print(n, round(slowest * 1000, 1))
    """
)


def sesame(*args: str, db: Path, key: str = SECRET, cwd: Path, **environ: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SESAME_")}
    env.update(SESAME_DB=str(db), SESAME_SECRET_KEY=key, PYTHONPATH=str(ROOT), **environ)
    return subprocess.run(
        [sys.executable, "-m", "pwa", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def consistent(path: Path) -> int:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.execute("BEGIN")  # one snapshot for both reads: the writer may go on meanwhile
        row = conn.execute("select value from meta where key = 'writes'").fetchone()
        writes = int(row[0]) if row else 0
        assert (
            conn.execute("select count(*) from audit where event = 'backup.writer' and account_id is null").fetchone()[
                0
            ]
            == writes
        )
        return writes
    finally:
        conn.close()
