"""PostgreSQL as Sésame's store (SESAME_DATABASE_URL), for several hosts sharing one state.

The product's SQL is written once, in the portable subset SQLite and PostgreSQL share,
with SQLite's `?` and `:name` placeholders. This module is the one place that knows
what differs:

- `translate` turns those placeholders into psycopg's (`%s`, `%(name)s`);
- `PgDatabase` / `PgTable` offer the few sqlite-utils calls the stores and the
  migrations use (insert, update, upsert, create, create_index, add_column), so the
  same named migrations build both schemas (Python types: int → bigint, str → text,
  float → double precision; an `id` primary key is an identity column);
- `FUNCTIONS` defines in SQL what SQLite gets from Python (`fold`, for search).

Transactions are PostgreSQL's READ COMMITTED. The rules that need more say so where
they are: `Store.lock(key)` (an advisory lock held to the end of the transaction, one
key per throttled subject) and `FOR UPDATE SKIP LOCKED` (the outbox's claim), while a
code is used once by a conditional UPDATE whose row count tells who won."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import psycopg
from psycopg import sql as pgsql
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import dict_row

PG_TYPES = {int: "bigint", str: "text", float: "double precision", bytes: "bytea", bool: "bigint"}

# ascii_fold (pwa/names.py) in SQL: NFKC, the same ligatures, NFKD, non-ASCII dropped,
# lower case. The database must be UTF8 (normalize() needs it).
FUNCTIONS = r"""
create or replace function fold(v text) returns text language sql immutable parallel safe as $$
  select lower(regexp_replace(normalize(
    replace(replace(replace(replace(replace(normalize(coalesce(v, ''), NFKC),
      'œ', 'oe'), 'Œ', 'OE'), 'æ', 'ae'), 'Æ', 'AE'), 'ß', 'ss'),
    NFKD), '[^\x01-\x7f]', '', 'g'))
$$
"""


def where(url: str) -> str:
    """host:port/dbname of a URL, for messages: never its password."""
    info = conninfo_to_dict(url)
    return f"{info.get('host') or 'localhost'}:{info.get('port') or 5432}/{info.get('dbname', '')}"


_TOKENS = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|\?|(?<!:):([A-Za-z_][A-Za-z0-9_]*)|%")


@functools.lru_cache(maxsize=1024)
def translate(sql: str) -> str:
    """SQLite placeholders to psycopg's, leaving quoted literals and names alone."""

    def swap(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "?":
            return "%s"
        if token == "%":
            return "%%"
        if match.group(1):
            return f"%({match.group(1)})s"
        return token.replace("%", "%%")  # a quoted literal or name: psycopg reads every %

    return _TOKENS.sub(swap, sql)


def adapt(params: Sequence[Any] | Mapping[str, Any]) -> Sequence[Any] | Mapping[str, Any]:
    """Booleans become 0/1, as SQLite stores them (the columns are integers)."""
    if isinstance(params, Mapping):
        return {k: int(v) if isinstance(v, bool) else v for k, v in params.items()}
    return [int(v) if isinstance(v, bool) else v for v in params]


class Result:
    """What `execute` returns: rows fetched at once (tuples, as sqlite3 gives) and the count."""

    def __init__(self, rows: list[tuple], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def fetchone(self) -> tuple | None:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[tuple]:
        return list(self._rows)

    def __iter__(self) -> Iterator[tuple]:
        return iter(self._rows)


class PgDatabase:
    """One connection (a transaction's, or one borrowed per statement outside any)."""

    def __init__(self, runner: Any) -> None:
        self._run = runner  # callable(fn) running fn(connection)

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> Result:
        def run(conn: psycopg.Connection) -> Result:
            with conn.cursor() as cur:
                cur.execute(translate(sql), adapt(params))
                rows = cur.fetchall() if cur.description else []
                return Result(rows, cur.rowcount)

        result: Result = self._run(run)
        return result

    def query(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[dict]:
        def run(conn: psycopg.Connection) -> list[dict]:
            with conn.cursor(row_factory=dict_row) as cur:
                cur.execute(translate(sql), adapt(params))
                return cur.fetchall() if cur.description else []

        rows: list[dict] = self._run(run)
        return rows

    def table(self, name: str) -> PgTable:
        return PgTable(self, name)

    __getitem__ = table

    def table_names(self) -> list[str]:
        rows = self.query("select tablename from pg_tables where schemaname = current_schema() order by tablename")
        return [r["tablename"] for r in rows]


def _primary_key(db: PgDatabase, table: str) -> tuple[str, ...]:
    rows = db.query(
        "select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid"
        " and a.attnum = any(i.indkey) where i.indrelid = cast(? as regclass) and i.indisprimary",
        (table,),
    )
    return tuple(r["attname"] for r in rows)


_PKS: dict[str, tuple[str, ...]] = {}


class PgTable:
    """The sqlite-utils Table calls the product uses, in PostgreSQL."""

    def __init__(self, db: PgDatabase, name: str) -> None:
        self.db = db
        self.name = name
        self.last_pk: Any = None

    @property
    def pks(self) -> tuple[str, ...]:
        pk = _PKS.get(self.name)
        if pk is None:
            pk = _PKS[self.name] = _primary_key(self.db, self.name)
        return pk

    @property
    def rows(self) -> Iterator[dict]:
        return iter(self.db.query(f'select * from "{self.name}"'))

    @property
    def count(self) -> int:
        return int(self.db.execute(f'select count(*) from "{self.name}"').fetchone()[0])  # type: ignore[index]

    def insert(self, record: Mapping[str, Any]) -> PgTable:
        columns = list(record)
        pk = self.pks
        query = pgsql.SQL("insert into {} ({}) values ({}) returning {}").format(
            pgsql.Identifier(self.name),
            pgsql.SQL(", ").join(map(pgsql.Identifier, columns)),
            pgsql.SQL(", ").join(pgsql.Placeholder() * len(columns)),
            pgsql.SQL(", ").join(map(pgsql.Identifier, pk)),
        )
        row = self._exec(query, [record[c] for c in columns])
        self.last_pk = row[0] if row and len(pk) == 1 else row
        return self

    def update(self, pk_value: Any, updates: Mapping[str, Any]) -> PgTable:
        if not updates:
            return self
        (pk,) = self.pks
        query = pgsql.SQL("update {} set {} where {} = %s").format(
            pgsql.Identifier(self.name),
            pgsql.SQL(", ").join(pgsql.SQL("{} = %s").format(pgsql.Identifier(c)) for c in updates),
            pgsql.Identifier(pk),
        )
        self._exec(query, [*updates.values(), pk_value], fetch=False)
        self.last_pk = pk_value
        return self

    def upsert(self, record: Mapping[str, Any], pk: str) -> PgTable:
        columns = list(record)
        others = [c for c in columns if c != pk]
        action = (
            pgsql.SQL("do update set {}").format(
                pgsql.SQL(", ").join(pgsql.SQL("{0} = excluded.{0}").format(pgsql.Identifier(c)) for c in others)
            )
            if others
            else pgsql.SQL("do nothing")
        )
        query = pgsql.SQL("insert into {} ({}) values ({}) on conflict ({}) {}").format(
            pgsql.Identifier(self.name),
            pgsql.SQL(", ").join(map(pgsql.Identifier, columns)),
            pgsql.SQL(", ").join(pgsql.Placeholder() * len(columns)),
            pgsql.Identifier(pk),
            action,
        )
        self._exec(query, [record[c] for c in columns], fetch=False)
        self.last_pk = record[pk]
        return self

    # -- schema (the named migrations) ----------------------------------------------------
    def create(
        self,
        columns: Mapping[str, type],
        *,
        pk: str,
        not_null: set[str] | None = None,
        defaults: Mapping[str, Any] | None = None,
        foreign_keys: Sequence[tuple[str, str, str]] = (),
    ) -> PgTable:
        references = {column: (other, key) for column, other, key in foreign_keys}
        parts = []
        for column, kind in columns.items():
            part = pgsql.SQL("{} {}").format(pgsql.Identifier(column), pgsql.SQL(PG_TYPES[kind]))
            if column == pk:
                # the database hands out an `id` key, as SQLite's INTEGER PRIMARY KEY does
                identity = " generated by default as identity" if pk == "id" and kind is int else ""
                part += pgsql.SQL(identity + " primary key")
            if column in (not_null or ()):
                part += pgsql.SQL(" not null")
            if defaults and column in defaults:
                part += pgsql.SQL(" default {}").format(pgsql.Literal(defaults[column]))
            if column in references:
                other, key = references[column]
                part += pgsql.SQL(" references {} ({})").format(pgsql.Identifier(other), pgsql.Identifier(key))
            parts.append(part)
        query = pgsql.SQL("create table {} ({})").format(pgsql.Identifier(self.name), pgsql.SQL(", ").join(parts))
        self._exec(query, [], fetch=False)
        return self

    def create_index(self, columns: Sequence[str], *, unique: bool = False) -> PgTable:
        # sqlite-utils' naming, so both schemas list the same indexes
        name = "idx_{}_{}".format(self.name, "_".join(columns))
        query = pgsql.SQL("create {}index {} on {} ({})").format(
            pgsql.SQL("unique " if unique else ""),
            pgsql.Identifier(name),
            pgsql.Identifier(self.name),
            pgsql.SQL(", ").join(map(pgsql.Identifier, columns)),
        )
        self._exec(query, [], fetch=False)
        return self

    def add_column(self, name: str, kind: type) -> PgTable:
        query = pgsql.SQL("alter table {} add column {} {}").format(
            pgsql.Identifier(self.name), pgsql.Identifier(name), pgsql.SQL(PG_TYPES[kind])
        )
        self._exec(query, [], fetch=False)
        return self

    def _exec(self, query: pgsql.Composed, params: list[Any], *, fetch: bool = True) -> tuple | None:
        def run(conn: psycopg.Connection) -> tuple | None:
            with conn.cursor() as cur:
                cur.execute(query, adapt(params))
                return cur.fetchone() if fetch and cur.description else None

        result: tuple | None = self.db._run(run)
        return result
