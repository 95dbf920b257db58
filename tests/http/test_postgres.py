"""PostgreSQL as the shared store (SESAME_DATABASE_URL): the same schema from the same named
migrations, migrations that two hosts may start at once, a French 503 page while the server
does not answer (and service back without a restart), and one French line on the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from support.journeys import GOOD, login, set_password_with_numen
from support.web import JEAN, SECRET

from pwa.mail.demo_smtp import free_port
from pwa.pg_store import PostgresStore
from pwa.store import Store

pytestmark = pytest.mark.sqlite_only  # each test chooses its engines itself

ROOT = Path(__file__).resolve().parents[2]


def sqlite_schema(store: Store) -> dict[str, dict[str, str]]:
    tables = [t for t in store.db.table_names() if not t.startswith("_sqlite")]  # type: ignore[attr-defined]
    return {t: {c.name: c.type.lower() for c in store.db[t].columns} for t in tables}  # type: ignore[attr-defined]


def pg_schema(store: PostgresStore) -> dict[str, dict[str, str]]:
    rows = store.query(
        "select table_name as t, column_name as c, data_type as type from information_schema.columns"
        " where table_schema = current_schema() and table_name != 'sesame_migrations'"
    )
    schema: dict[str, dict[str, str]] = {}
    for row in rows:
        schema.setdefault(row["t"], {})[row["c"]] = row["type"]
    return schema


def indexes(store: Store) -> set[str]:
    if store.engine == "sqlite":
        rows = store.query(
            "select name from sqlite_master where type = 'index' and name like 'idx_%' and name not like 'idx__sqlite%'"
        )
    else:
        rows = store.query("select indexname as name from pg_indexes where indexname like 'idx_%'")
    return {r["name"] for r in rows}


def test_both_engines_get_the_same_schema_from_the_same_named_migrations(tmp_path, postgres):
    sqlite = Store(tmp_path / "s.db")
    pg = PostgresStore(postgres.database())
    try:
        assert sqlite.migrate() == pg.migrate()
        assert sqlite.migrate() == pg.migrate() == []  # applied once, remembered by name
        same_type = {"integer": "bigint", "text": "text", "float": "double precision", "real": "double precision"}
        expected = {t: {c: same_type[kind] for c, kind in cols.items()} for t, cols in sqlite_schema(sqlite).items()}
        assert pg_schema(pg) == expected
        assert indexes(pg) == indexes(sqlite) and len(indexes(pg)) > 10
    finally:
        sqlite.close()
        pg.close()


def test_two_hosts_starting_at_once_apply_each_migration_once(postgres):
    url = postgres.database()
    stores = [PostgresStore(url), PostgresStore(url)]
    try:
        with ThreadPoolExecutor(2) as pool:
            applied = list(pool.map(lambda store: store.migrate(), stores))
        assert sorted(len(names) for names in applied) == [0, len(max(applied, key=len))] and max(applied, key=len)
        assert stores[0].one("select count(*) as n from sesame_migrations")["n"] == len(max(applied, key=len))
    finally:
        for store in stores:
            store.close()


@pytest.fixture
def engine() -> str:
    """The app fixtures (settings, app, client, people) on PostgreSQL in this module."""
    return "postgresql"


def test_a_postgresql_that_stops_answering_gives_the_french_503_page_then_service_resumes(
    postgres, settings, client, people
):
    set_password_with_numen(client, JEAN, GOOD)
    client.cookies.clear()
    assert login(client, "jdupont", GOOD).h1 == "Mon compte"
    with postgres.refusing(settings.database_url):
        down = client.get("/compte")
        ready = client.get("/readyz")
    assert down.status_code == 503 and down.headers["retry-after"]
    assert "momentanément indisponible" in down.text and "Rien n'a été modifié" in down.text
    assert "Traceback" not in down.text and "psycopg" not in down.text
    assert ready.status_code == 503 and ready.json()["checks"]["database"].startswith("not writable")
    back = client.get("/compte")  # the pool opens new connections by itself
    assert back.status_code == 200 and "Mon compte" in back.text


def test_the_command_line_says_in_one_french_line_that_postgresql_does_not_answer(tmp_path):
    url = f"postgresql://sesame:Mot-De-Passe-Base-42@127.0.0.1:{free_port()}/sesame"  # nothing listens there
    env = {**os.environ, "SESAME_DATABASE_URL": url, "SESAME_SECRET_KEY": SECRET, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-m", "pwa", "migrate"], env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0 and "Traceback" not in out.stderr
    assert (
        "PostgreSQL 127.0.0.1:" in out.stderr
        and "ne répond pas ou refuse la connexion (Connection refused)" in out.stderr
    )
    assert "Mot-De-Passe-Base-42" not in out.stderr + out.stdout


def test_a_busy_pool_makes_a_request_wait_then_503_without_dropping_the_others(postgres):
    """Every connection lent (a long transaction): another request waits POOL_WAIT_SECONDS,
    then gets DatabaseUnavailable (the 503 page); the pool is kept, and the long transaction
    commits. Only a pool with no connection at all is replaced (after an outage)."""
    import threading

    from pwa.store import DatabaseUnavailable

    store = PostgresStore(postgres.database(), pool_size=1)
    store.migrate()
    pool = store.pool
    inside, release = threading.Event(), threading.Event()

    def long_transaction() -> None:
        with store.write():
            store.set_meta("long", "1")
            inside.set()
            release.wait(30)

    holder = threading.Thread(target=long_transaction)
    holder.start()
    try:
        assert inside.wait(10)
        with pytest.raises(DatabaseUnavailable):
            store.get_meta("long")
        assert store.pool is pool and not pool.closed
    finally:
        release.set()
        holder.join(30)
    assert store.get_meta("long") == "1"
    store.close()
