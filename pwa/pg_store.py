"""The Store interface on PostgreSQL (SESAME_DATABASE_URL): a psycopg connection pool
shared by the process's threads. A write transaction holds one connection from BEGIN to
COMMIT; a read outside any borrows one for that statement. Several Sésame instances on
several hosts share the server, so every rule that must hold across them is the
database's: transactions, advisory locks (`lock`), `FOR UPDATE SKIP LOCKED`."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from pwa.migrations import migrations
from pwa.pg import FUNCTIONS, PgDatabase, where
from pwa.store import DatabaseUnavailable, Store

T = TypeVar("T")

POOL_WAIT_SECONDS = 5.0  # a request waits this long for a free connection, then gets the 503 page
CONNECT_TIMEOUT_SECONDS = 5
STATEMENT_TIMEOUT_MS = 15_000  # nothing Sésame asks takes more; a stuck lock gives a 503, not a hung page
LOCK_TIMEOUT_MS = 5_000  # as SQLite's busy timeout: a write waiting longer gives the 503 page
IDLE_IN_TRANSACTION_MS = 30_000  # a transaction left open (a hung thread) is ended by the server
RENEW_SECONDS = 1.0


def reason(error: Exception) -> str:
    """The server's own words, short: the end of the first line (never holds a password)."""
    first = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return first.rsplit(": ", 1)[-1].strip() or type(error).__name__


class PostgresStore(Store):
    engine = "postgresql"
    skip_locked = " for update skip locked"
    integrity_errors = (psycopg.errors.IntegrityError,)
    unavailable_errors = (psycopg.Error, PoolTimeout, DatabaseUnavailable)

    def __init__(self, url: str, *, clock: Callable[[], float] = time.time, pool_size: int = 8) -> None:
        self.url = url
        self.clock = clock
        self._local = threading.local()
        self._opening = threading.Lock()
        self._renewed_at = 0.0
        self._counting = threading.Lock()
        self._lent = 0  # connections this process's threads hold right now
        self.pool_size = pool_size
        try:  # one connection first, so that a wrong address or password is said at once
            psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_SECONDS).close()
        except psycopg.Error as exc:
            raise DatabaseUnavailable(f"ne répond pas ou refuse la connexion ({reason(exc)})") from None
        self.pool = self._new_pool()
        self.pool.open(wait=True, timeout=CONNECT_TIMEOUT_SECONDS * 2)

    def _new_pool(self) -> ConnectionPool:
        return ConnectionPool(
            self.url,
            min_size=1,
            max_size=self.pool_size,
            kwargs={
                "autocommit": True,
                "connect_timeout": CONNECT_TIMEOUT_SECONDS,
                "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout={LOCK_TIMEOUT_MS}"
                f" -c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_MS} -c TimeZone=UTC",
                "application_name": "sesame",
            },
            timeout=POOL_WAIT_SECONDS,
            open=False,
            name="sesame",
        )

    @property
    def path(self) -> str:  # type: ignore[override]
        return self.describe()

    def describe(self) -> str:
        """host:port/dbname, never the password."""
        return where(self.url)

    # -- connections ----------------------------------------------------------------------
    @contextlib.contextmanager
    def _borrow(self) -> Iterator[psycopg.Connection]:
        pool = self.pool
        if pool.closed:  # closed by an app's shutdown: the next use opens a new one
            pool = self._renew(pool)
        lost = False
        try:
            with pool.connection() as conn:
                with self._counting:
                    self._lent += 1
                try:
                    yield conn
                except psycopg.OperationalError:
                    lost = conn.broken  # the server went away (restart, failover, network)
                    raise
                finally:
                    with self._counting:
                        self._lent -= 1
        except PoolTimeout as exc:
            # No connection for POOL_WAIT_SECONDS. With none lent either, the pool has none at
            # all: its own retries back off (1, 2, 4 … seconds) after an outage, and a fresh
            # pool tries at once, so service resumes soon after the server. With some lent,
            # the pool is only busy: keep it.
            if not self._lent:
                self._renew(pool)
            raise DatabaseUnavailable(f"PostgreSQL {self.describe()} : {reason(exc)}") from exc
        except psycopg.OperationalError as exc:
            if lost:
                pool.check()  # its other idle connections are likely dead too: test them now
            raise DatabaseUnavailable(f"PostgreSQL {self.describe()} : {reason(exc)}") from exc

    def _renew(self, stale: ConnectionPool) -> ConnectionPool:
        """Replace a closed or starved pool, at most once per RENEW_SECONDS."""
        with self._opening:
            now = time.monotonic()
            if self.pool is stale and (stale.closed or now - self._renewed_at >= RENEW_SECONDS):
                self.pool = self._new_pool()
                self.pool.open(wait=False)
                self._renewed_at = now
                if not stale.closed:
                    stale.close(timeout=0)
            return self.pool

    def _run(self, fn: Callable[[psycopg.Connection], T]) -> T:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return fn(conn)
        with self._borrow() as borrowed:
            return fn(borrowed)

    @property
    def db(self) -> PgDatabase:  # type: ignore[override]
        return PgDatabase(self._run)

    def in_transaction(self) -> bool:
        return getattr(self._local, "conn", None) is not None

    @contextlib.contextmanager
    def write(self) -> Iterator[PgDatabase]:  # type: ignore[override]
        """One transaction on one connection; nested calls become savepoints."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            with conn.transaction():
                yield self.db
            return
        with self._borrow() as conn:
            self._local.conn = conn
            try:
                with conn.transaction():
                    yield self.db
            except BaseException:
                self._local.__dict__.pop("after_commit", None)
                raise
            finally:
                self._local.conn = None
        for callback in self._local.__dict__.pop("after_commit", []):
            callback()

    def lock(self, *keys: str) -> None:
        """Transaction-scoped advisory locks, taken in one order so two writers never deadlock."""
        assert self.in_transaction(), "lock() is for a write transaction"
        for key in sorted(set(keys)):
            self.db.execute("select pg_advisory_xact_lock(hashtextextended(?, 0))", (key,))

    def migrate(self) -> list[str]:
        """The same named migrations as SQLite's, recorded in `sesame_migrations`."""
        with self.write() as db:
            self.lock("migrations")  # two instances starting at once migrate one after the other
            db.execute(
                "create table if not exists sesame_migrations"
                " (name text primary key, applied_at double precision not null)"
            )
            done = {r["name"] for r in db.query("select name from sesame_migrations")}
            db.execute(FUNCTIONS)
            pending = [m for m in migrations._migrations if m.name not in done]  # the set's own order
            for migration in pending:
                migration.fn(db)  # type: ignore[arg-type]
                db.execute(
                    "insert into sesame_migrations (name, applied_at) values (?, ?)", (migration.name, self.now())
                )
        return [m.name for m in pending]

    def close(self) -> None:
        """Close every connection (an app's shutdown); a later use opens the pool again."""
        self.pool.close()
        self._local = threading.local()
