"""The database: connections, transactions and the one clock. `Store` is the embedded
SQLite file (the default); `pwa.pg_store.PostgresStore` the same interface on PostgreSQL
(SESAME_DATABASE_URL), for several hosts. `open_store` picks one from the settings."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from pwa.migrations import migrations
from pwa.names import ascii_fold

BUSY_TIMEOUT_MS = 5000
PARIS = ZoneInfo("Europe/Paris")


class DatabaseUnavailable(RuntimeError):
    """The database server does not answer (PostgreSQL down, pool exhausted): a 503 page."""


class Store:
    """One per app. Each thread gets its own connection (SQLite connections must
    not be shared across threads mid-transaction); every process opens its own,
    so several uvicorn workers share the file safely through WAL."""

    engine = "sqlite"
    # Appended to a SELECT that claims rows for one worker (the outbox): SQLite's
    # BEGIN IMMEDIATE already keeps other writers out, PostgreSQL skips locked rows.
    skip_locked = ""
    integrity_errors: tuple[type[Exception], ...] = (sqlite3.IntegrityError,)
    unavailable_errors: tuple[type[Exception], ...] = (sqlite3.Error,)

    def __init__(self, path: Path | str, *, clock=time.time) -> None:
        self.path = Path(path)
        self.clock = clock
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    @property
    def db(self) -> Database:
        db = getattr(self._local, "db", None)
        if db is None:
            conn = sqlite3.connect(
                self.path, check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000
            )
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            # Case- and accent-insensitive search (pwa.pg.FUNCTIONS is PostgreSQL's own)
            conn.create_function("fold", 1, lambda v: ascii_fold(v or ""), deterministic=True)
            db = Database(conn)
            self._local.db = db
            with self._lock:
                self._all.append(conn)
        return db

    def now(self) -> float:
        """The one clock of the app (tests set `clock`): nothing else reads the wall clock."""
        return self.clock()

    def today(self) -> dt.date:
        """Today in Paris, by the same clock."""
        return dt.datetime.fromtimestamp(self.now(), PARIS).date()

    @contextlib.contextmanager
    def write(self) -> Iterator[Database]:
        """A write transaction taken at once (BEGIN IMMEDIATE), so two workers
        never deadlock upgrading read locks; nested calls become savepoints, so a
        service wraps several writes (a state change, its audit event, its notice)
        in one `with store.write():` and they commit together or not at all."""
        db = self.db
        if db.conn.in_transaction:
            with db.atomic():
                yield db
            return
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.conn.execute("ROLLBACK")
            self._local.__dict__.pop("after_commit", None)
            raise
        else:
            db.conn.execute("COMMIT")
            for callback in self._local.__dict__.pop("after_commit", []):
                callback()

    def lock(self, *keys: str) -> None:
        """Inside `write()`: make concurrent writers that name the same key wait for this
        transaction's end (a throttled subject). SQLite's BEGIN IMMEDIATE already lets one
        writer in at a time, so nothing more is needed here."""
        assert self.in_transaction(), "lock() is for a write transaction"

    def in_transaction(self) -> bool:
        return bool(self.db.conn.in_transaction)

    def after_commit(self, callback) -> None:
        """Run `callback` once this thread's write transaction commits (at once when
        none is open); forgotten when it rolls back."""
        if not self.in_transaction():
            callback()
            return
        self._local.__dict__.setdefault("after_commit", []).append(callback)

    def query(self, sql: str, params: tuple | dict = ()) -> list[dict]:
        return list(self.db.query(sql, params))

    def one(self, sql: str, params: tuple | dict = ()) -> dict | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def ping(self) -> None:
        """The database answers (health check)."""
        self.db.execute("select 1")

    def describe(self) -> str:
        """Where the data lives, for messages (never a password)."""
        return str(self.path)

    def migrate(self) -> list[str]:
        """Apply pending migrations; returns their names."""
        pending = [m.name for m in migrations.pending(self.db)]
        migrations.apply(self.db)
        return pending

    def get_meta(self, key: str) -> str | None:
        row = self.one("select value from meta where key = ?", (key,))
        return row["value"] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.write() as db:
            db.table("meta").upsert({"key": key, "value": value}, pk="key")

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._all.clear()
        self._local = threading.local()


def open_store(settings, *, clock=time.time) -> Store:
    """SESAME_DATABASE_URL's PostgreSQL when set, else the SQLite file SESAME_DB."""
    if settings.database_url:
        from pwa.pg_store import PostgresStore

        return PostgresStore(settings.database_url, clock=clock, pool_size=settings.database_pool)
    return Store(settings.db_path, clock=clock)
