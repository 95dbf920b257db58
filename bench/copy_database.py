"""`sesame copy-database` at académie scale: an SQLite installation of 20,000 imported people
with some history (5 audit events each) copied to a real PostgreSQL 15, in rows/s, against
`sesame backup` of the same file (SQLite to SQLite) measured in the same run.

    python3 bench/copy_database.py                 # 20,000 people; about a minute on 2 shared cores
    python3 bench/copy_database.py --people 2000   # a quick look

Three figures: the copy (migrations, COPY of every table, sequences, the row-by-row check,
one transaction), a second run on the same target (the check alone: "déjà copiée,
identique"), and the backup. The PostgreSQL server is tests/support/postgres.py's (run as
root: it starts the server as the postgres user). Figures are this machine's; quote ratios.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import support.postgres as fixture  # noqa: E402  (tests/support/postgres.py)

_spec = importlib.util.spec_from_file_location("bench_ldap", ROOT / "bench/ldap.py")
assert _spec is not None and _spec.loader is not None
bench_ldap = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_ldap)  # bench/ldap.py: the same staff files

from pwa.context import Sesame  # noqa: E402
from pwa.importer import import_staff, parse_staff_csv  # noqa: E402
from pwa.ops.backup import backup  # noqa: E402
from pwa.ops.copy_database import copy_database  # noqa: E402
from pwa.settings import Settings  # noqa: E402


def installation(folder: Path, people: int) -> Path:
    settings = Settings(db_path=folder / "sesame.db", secret_key=bench_ldap.SECRET, run_outbox_worker=False)
    sesame = Sesame.build(settings)
    parsed = parse_staff_csv(bench_ldap.staff_csv(people, with_identifiant=False).encode())
    print(f"  importing {people} people…", file=sys.stderr, flush=True)
    import_staff(parsed.rows, store=sesame.store, directory=sesame.directory, keys=sesame.keys)
    sesame.store.close()
    conn = sqlite3.connect(settings.db_path, isolation_level=None)
    conn.execute("BEGIN")
    details = json.dumps({"client": "203.0.113.7", "ua": "Mozilla/5.0 (Linux; Android 14)"})
    conn.executemany(
        "insert into audit (at, event, account_id, actor, client, details) values (?, 'login.succeeded', ?, ?, ?, ?)",
        ((1.8e9 + i * 0.37, 1 + i % people, "self", "203.0.113.7", details) for i in range(people * 5)),
    )
    conn.execute("COMMIT")
    conn.close()
    return settings.db_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=20_000, help="people imported (default 20,000)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sesame-bench-copy-"))
    folder.chmod(0o755)  # the postgres user reaches its data folder inside
    db = installation(folder, args.people)
    bin_dir = fixture._bin_dir()
    assert bin_dir is not None, "PostgreSQL is not installed (Debian package postgresql)"
    (folder / "pg").mkdir()
    server = fixture.build(folder / "pg", bin_dir)
    server.start()
    try:
        server.admin(f"create role {fixture.ROLE} login password '{fixture.ROLE_PW}'")
        url = server.database()
        print("  copying…", file=sys.stderr, flush=True)
        first = copy_database(db, url)
        again = copy_database(db, url)
        assert again.already and not first.already
    finally:
        server.stop()
        shutil.rmtree(folder / "pg", ignore_errors=True)
    started = time.perf_counter()
    backup(db, folder / "copie.db")
    baseline = time.perf_counter() - started
    rows, size = sum(first.counts.values()), db.stat().st_size / 1e6
    print(f"copy-database: {args.people:,} people, {rows:,} rows in {len(first.counts)} tables, {size:.1f} MB")
    print(f"{'':46}{'seconds':>9}{'rows/s':>10}{'vs backup':>11}")
    for label, seconds in (
        ("copy + row-by-row check, one transaction", first.seconds),
        ("second run: row-by-row check only", again.seconds),
        ("sesame backup (SQLite online copy, checked)", baseline),
    ):
        print(f"{label:46}{seconds:>9.2f}{rows / seconds:>10.0f}{seconds / baseline:>11.1f}")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
