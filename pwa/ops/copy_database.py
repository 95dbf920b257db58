"""`sesame copy-database --to postgresql://…`: an SQLite installation moved to PostgreSQL.

The source is read in one read transaction (WAL: a running Sésame goes on serving, but
what it writes after that instant is not copied). The target is migrated with the same
named migrations, then every table of the schema is copied in ONE transaction, parents
before the tables that reference them; identity sequences are moved past the copied ids;
every row is compared with the source's, table by table in key order, before COMMIT. Any
difference rolls everything back. A target that already holds rows is refused, unless
they are exactly the source's (a second run changes nothing).

The tables are read from the schema itself (sqlite_master, PRAGMA foreign_key_list):
this module names none of them. Values never appear in messages (they may be secrets);
a difference is told by its table and its row (an integer key, or its rank)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql as pgsql

from pwa.migrations import migrations
from pwa.ops.backup import KEY_CHECK, key_check
from pwa.pg import where

SKIPPED = ("_sqlite_migrations", "sesame_migrations")  # each engine's own record of the migrations
META = "meta"  # its backup key check (pwa/ops/backup.py) belongs to a backup file, not to a store
BATCH = 2000
COPY_LOCK = 0x5E5A3F  # two copies to one target at once: one after the other


class CopyError(RuntimeError):
    """A French sentence for the operator; `status` is the exit status (2: refused, 1: failed)."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Outcome:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    already: bool = False  # the target already held exactly the source's rows


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    identity: bool  # an integer `id` key: PostgreSQL's identity sequence must move past it
    text_key: tuple[bool, ...]  # which key columns hold text (ordered by bytes on both engines)


def _source(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise CopyError(f"la base {path} n'existe pas (SESAME_DB ou --from).")
    with open(path, "rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            raise CopyError(f"{path} n'est pas une base SQLite.")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None, timeout=30)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("BEGIN")  # one snapshot for the copy and the comparison
    return conn


def _tables(conn: sqlite3.Connection, path: Path) -> list[Table]:
    """The schema's tables, each after the tables it references."""
    names = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table' order by name")]
    if "_sqlite_migrations" not in names or META not in names:
        raise CopyError(f"{path} n'est pas une base de Sésame.")
    applied = {r[0] for r in conn.execute("select name from _sqlite_migrations where migration_set = 'sesame'")}
    if any(m.name not in applied for m in migrations._migrations):
        raise CopyError(f"la base {path} n'est pas à jour : lancez d'abord « sesame migrate » (Sésame arrêté).")
    found: dict[str, Table] = {}
    parents: dict[str, set[str]] = {}
    for name in names:
        if name in SKIPPED or name.startswith("sqlite_"):
            continue
        info = list(conn.execute(f'PRAGMA table_info("{name}")'))
        key = tuple(r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5]))
        identity = key == ("id",) and any(r[1] == "id" and r[2].upper() == "INTEGER" for r in info)
        kinds = {r[1]: r[2].upper() for r in info}
        text_key = tuple(kinds[k] == "TEXT" for k in key)
        found[name] = Table(name, tuple(r[1] for r in info), key, identity, text_key)
        parents[name] = {r[2] for r in conn.execute(f'PRAGMA foreign_key_list("{name}")')} - {name}
    ordered: list[Table] = []
    while parents:
        ready = sorted(n for n, p in parents.items() if not p - {t.name for t in ordered})
        if not ready:
            raise CopyError("les références entre tables forment une boucle : copie impossible.")
        for n in ready:
            ordered.append(found[n])
            del parents[n]
    return ordered


def _target_tables(cur: psycopg.Cursor) -> dict[str, tuple[str, ...]]:
    cur.execute(
        "select table_name, array_agg(column_name::text order by ordinal_position) from information_schema.columns"
        " where table_schema = current_schema() group by table_name"
    )
    return {name: tuple(columns) for name, columns in cur.fetchall() if name not in SKIPPED}


def _select(table: Table, *, postgres: bool = False, count: bool = False) -> str:
    """Every row in key order (or their count); PostgreSQL's text keys by bytes ("C"), as SQLite's BINARY."""
    quoted = "count(*)" if count else ", ".join(f'"{c}"' for c in table.columns)
    order = ", ".join(
        f'"{k}"' + (' collate "C"' if postgres and text else "")
        for k, text in zip(table.key, table.text_key, strict=True)
    )
    skip = f" where key <> '{KEY_CHECK}'" if table.name == META else ""
    order = "" if count else f" order by {order}"
    return f'select {quoted} from "{table.name}"{skip}{order}'  # noqa: S608 (names from the schema)


def _rows(cursor: Any, sql: str) -> Iterator[tuple]:
    cursor.execute(sql)
    while batch := cursor.fetchmany(BATCH):
        yield from batch


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b  # 1 is not 1.0, None only equals None


def _difference(table: Table, source: sqlite3.Connection, target: psycopg.Connection) -> str | None:
    """Where the first difference is (no value), or None."""
    with target.cursor(name=f"compare_{table.name}") as cur:
        theirs = _rows(cur, _select(table, postgres=True))
        for rank, mine in enumerate(_rows(source.cursor(), _select(table, postgres=False)), start=1):
            other = next(theirs, None)
            place = f"clé {mine[table.columns.index('id')]}" if table.identity else f"ligne n° {rank} par clé"
            if other is None:
                return f"table {table.name} : {place} absente de PostgreSQL"
            if len(other) != len(mine) or not all(map(_same, mine, other)):
                return f"table {table.name} : {place} différente"
        if next(theirs, None) is not None:
            return f"table {table.name} : PostgreSQL a des lignes en trop"
    return None


def _connect(url: str) -> psycopg.Connection:
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=5, application_name="sesame-copy-database")
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        password = psycopg.conninfo.conninfo_to_dict(url).get("password")
        if password:
            reason = reason.replace(str(password), "***")
        raise CopyError(f"PostgreSQL {where(url)} ne répond pas ou refuse la connexion ({reason}).", 1) from exc


def copy_database(
    path: Path,
    url: str,
    *,
    secret_key: str = "",
    dry_run: bool = False,
    say: Callable[[str], None] = lambda line: None,
) -> Outcome:
    from pwa.store import DatabaseUnavailable

    start = time.perf_counter()
    try:
        source = _source(path)
        try:
            tables = _tables(source, path)
            check = source.execute(f"select value from {META} where key = ?", (KEY_CHECK,)).fetchone()
            if check and secret_key and check[0] != key_check(secret_key):
                raise CopyError("cette base a été écrite avec une autre SESAME_SECRET_KEY : remettez la clé d'origine.")
            outcome = Outcome(counts={t.name: source.execute(_select(t, count=True)).fetchone()[0] for t in tables})
            with _connect(url) as target:
                if not dry_run:
                    _migrate(url)
                _fill(source, target, tables, outcome, dry_run=dry_run, say=say)
        finally:
            source.close()
    except sqlite3.Error as exc:
        raise CopyError(f"lecture de {path} impossible : {exc}.", 1) from exc
    except (psycopg.OperationalError, DatabaseUnavailable) as exc:
        raise CopyError(f"PostgreSQL {where(url)} ne répond plus ; rien n'a été copié.", 1) from exc
    except psycopg.Error as exc:
        raise CopyError(
            f"PostgreSQL {where(url)} refuse la copie ({type(exc).__name__}) ; rien n'a été copié.", 1
        ) from exc
    outcome.seconds = time.perf_counter() - start
    return outcome


def _migrate(url: str) -> None:
    from pwa.pg_store import PostgresStore

    store = PostgresStore(url, pool_size=1)
    try:
        store.migrate()
    finally:
        store.close()


def _fill(
    source: sqlite3.Connection,
    target: psycopg.Connection,
    tables: list[Table],
    outcome: Outcome,
    *,
    dry_run: bool,
    say: Callable[[str], None],
) -> None:
    with target.transaction(), target.cursor() as cur:
        cur.execute("set local statement_timeout = 0")
        cur.execute("select pg_advisory_xact_lock(%s)", (COPY_LOCK,))  # a second run waits, then finds the copy
        present = _target_tables(cur)
        if dry_run:
            for t in tables:
                say(f"{t.name} : {outcome.counts[t.name]} ligne(s) à copier")
            return
        for t in tables:
            if present.get(t.name) != t.columns:
                raise CopyError(f"la table {t.name} n'a pas les mêmes colonnes dans PostgreSQL : copie impossible.")
        extra = sorted(set(present) - {t.name for t in tables})
        if extra:
            raise CopyError(f"PostgreSQL a des tables que la base n'a pas ({', '.join(extra)}) : copie impossible.")
        filled = []
        for t in tables:
            cur.execute(pgsql.SQL("select exists (select from {})").format(pgsql.Identifier(t.name)))
            if cur.fetchone()[0]:  # type: ignore[index]
                filled.append(t.name)
        if filled:
            differences = [d for t in tables if (d := _difference(t, source, target))]
            if differences:
                raise CopyError(
                    f"la base PostgreSQL n'est pas vide (tables {', '.join(filled)}) et ne contient pas la même "
                    "chose : rien n'a été copié. Donnez une base vide."
                )
            outcome.already = True
            return
        for t in tables:
            columns = pgsql.SQL(", ").join(map(pgsql.Identifier, t.columns))
            statement = pgsql.SQL("copy {} ({}) from stdin").format(pgsql.Identifier(t.name), columns)
            try:
                with cur.copy(statement) as copy:
                    for row in _rows(source.cursor(), _select(t, postgres=False)):
                        copy.write_row(row)
            except (psycopg.errors.DataError, psycopg.errors.IntegrityError) as exc:
                raise CopyError(
                    f"table {t.name} : PostgreSQL refuse une ligne ({type(exc).__name__}) ; tout a été annulé.",
                    1,
                ) from exc
            if t.identity:
                cur.execute(
                    pgsql.SQL("select setval(pg_get_serial_sequence({}, 'id'), max(id)) from {}").format(
                        pgsql.Literal(t.name), pgsql.Identifier(t.name)
                    )
                )
            say(f"{t.name} : {outcome.counts[t.name]} ligne(s) copiée(s)")
        for t in tables:
            difference = _difference(t, source, target)
            if difference:
                raise CopyError(f"vérification ligne à ligne : {difference} ; tout a été annulé.", 1)
        say("Vérifié ligne à ligne.")
