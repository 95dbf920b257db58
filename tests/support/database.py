"""What tests need to look at the database the same way on both engines: the SQLite file
(SESAME_DB) or PostgreSQL (SESAME_DATABASE_URL)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from pwa.settings import Settings
from pwa.store import Store


def cli_env(settings: Settings) -> dict[str, str]:
    """The variables that point a `sesame` command at the test's database."""
    return {"SESAME_DB": str(settings.db_path), "SESAME_DATABASE_URL": settings.database_url}


def dump(store: Store) -> str:
    """Every row of every table, as text (what a dump of the database would show)."""
    if store.engine == "sqlite":
        return "\n".join(store.db.iterdump())  # type: ignore[attr-defined]
    lines = []
    for row in store.query("select tablename from pg_tables where schemaname = current_schema()"):
        lines += [repr(r) for r in store.query(f'select * from "{row["tablename"]}"')]
    return "\n".join(lines)


def stored_bytes(store: Store, settings: Settings) -> bytes:
    """What lies on disk: the SQLite file and its WAL, or, with PostgreSQL, every row."""
    if store.engine == "sqlite":
        store.db.conn.execute("PRAGMA wal_checkpoint(FULL)")  # type: ignore[attr-defined]
        return b"".join(p.read_bytes() for p in settings.db_path.parent.glob(settings.db_path.name + "*"))
    return dump(store).encode()


@contextlib.contextmanager
def write_lock_held(settings: Settings) -> Iterator[None]:
    """Another process holds the write lock on `meta` (SQLite: the whole file) meanwhile."""
    if not settings.database_url:
        blocker = sqlite3.connect(settings.db_path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        return
    import psycopg

    with psycopg.connect(settings.database_url) as conn:
        conn.execute("lock table meta in exclusive mode")
        yield
        conn.rollback()
