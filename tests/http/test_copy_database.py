"""`sesame copy-database --to postgresql://…` (pwa/ops/copy_database.py): a real SQLite
installation moved to a real PostgreSQL through the real command, then the app served from
PostgreSQL. These tests use both engines themselves, so they run once (sqlite_only)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import psycopg
import pytest
from starlette.testclient import TestClient
from support.dovecot import free_port
from support.helpdesk import sign_in
from support.journeys import login
from support.ops_backup import ROOT, sesame
from support.postgres import ROLE_PW
from support.web import SECRET, Clock, fast_hashing, make_settings

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def source(settings, sesame, agent, client, clock):
    """Sésame's SQLite file after some life: staff imported, an agent with a password,
    a role and an OTP app signed in (a session, audit events), a failed login, a one-time
    code, a queued mail (encrypted)."""
    client.cookies.clear()  # the agent's session stays in the database
    login(client, "jdupont", "pas-le-bon-mot-de-passe")
    sesame.codes.issue(sesame.directory.by_login("jdupont").id, "helpdesk", issued_by=agent.id)
    sesame.outbox.enqueue("jean.perso@exemple.fr", "Votre code", "Bonjour, votre code : 123 456.")
    return settings.db_path


def rows(conn, table: str) -> list[tuple]:
    return list(conn.execute(f'select * from "{table}" order by 1'))  # noqa: S608 (test's own names)


TABLES = ("accounts", "audit", "authenticators", "codes", "etablissements", "failures", "outbox", "roles", "sessions")


def snapshot(url: str) -> dict[str, list[tuple]]:
    with psycopg.connect(url) as conn:
        return {t: rows(conn, t) for t in TABLES}


def test_copy_then_serve_from_postgresql_then_again(source, postgres, tmp_path, clock):
    url = postgres.database()
    copied = sesame("copy-database", "--to", url, db=source, cwd=tmp_path)
    assert copied.returncode == 0, copied.stderr
    assert "vérifié ligne à ligne" in copied.stdout and "SESAME_DATABASE_URL" in copied.stdout
    assert "accounts : 3 ligne(s) copiée(s)" in copied.stderr and "Vérifié ligne à ligne." in copied.stderr
    sqlite = sqlite3.connect(source)
    before = snapshot(url)
    for table in TABLES:
        assert [tuple(r) for r in rows(sqlite, table)] == before[table], table
    assert before["outbox"] and before["codes"] and before["failures"] and before["sessions"]

    again = sesame("copy-database", "--to", url, db=source, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "déjà copiée, identique : rien à faire" in again.stdout
    assert snapshot(url) == before

    # The app on PostgreSQL: the agent signs in with the password and the OTP app of before,
    # and the rows it writes get new ids.
    app = _app(tmp_path, url)
    app.state.sesame.store.clock = Clock(clock.now + 600)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        sign_in(client, app.state.sesame.store.clock)
        assert app.state.sesame.authenticators.has_factor(app.state.sesame.directory.by_login("jdupont1").id)
    after = snapshot(url)
    new_audit = [r for r in after["audit"] if r not in before["audit"]]
    assert new_audit and min(r[0] for r in new_audit) > max(r[0] for r in before["audit"])
    assert len(after["sessions"]) > len(before["sessions"])

    # Now the target holds rows the file does not: refused, nothing changed.
    refused = sesame("copy-database", "--to", url, db=source, cwd=tmp_path)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "n'est pas vide" in refused.stderr and "audit" in refused.stderr
    assert snapshot(url) == after
    for result in (copied, again, refused):
        assert ROLE_PW not in result.stdout + result.stderr


def _app(tmp_path, url):
    from pwa.app import create_app

    return create_app(make_settings(tmp_path / "pg", database_url=url), hashing=fast_hashing())


def test_a_difference_found_by_the_check_cancels_everything(source, postgres, tmp_path):
    """A trigger on the target alters what it stores: the row-by-row check sees it."""
    url = postgres.database()
    from pwa.pg_store import PostgresStore

    store = PostgresStore(url, pool_size=1)
    store.migrate()
    store.close()
    dbname = url.rsplit("/", 1)[1]
    postgres.admin(
        "create function alter_details() returns trigger language plpgsql as $$"
        " begin new.details := coalesce(new.details, '') || ' '; return new; end $$",
        dbname=dbname,
    )
    postgres.admin(
        "create trigger alter_details before insert on audit for each row execute function alter_details()",
        dbname=dbname,
    )
    first = sqlite3.connect(source).execute("select min(id) from audit").fetchone()[0]
    result = sesame("copy-database", "--to", url, db=source, cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"vérification ligne à ligne : table audit : clé {first} différente ; tout a été annulé" in result.stderr
    assert all(not table for table in snapshot(url).values())
    postgres.admin("drop trigger alter_details on audit", dbname=dbname)
    assert sesame("copy-database", "--to", url, db=source, cwd=tmp_path).returncode == 0


def test_dry_run_writes_nothing(source, postgres, tmp_path):
    url = postgres.database()
    result = sesame("copy-database", "--dry-run", "--to", url, db=source, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Essai : ") and "accounts : 3 ligne(s) à copier" in result.stderr
    dbname = url.rsplit("/", 1)[1]
    assert postgres.admin("select count(*) from pg_tables where schemaname = 'public'", dbname=dbname) == [(0,)]


def test_the_target_may_come_from_sesame_database_url_keeping_its_password_off_the_command_line(
    source, postgres, tmp_path
):
    url = postgres.database()
    result = sesame("copy-database", "--dry-run", db=source, cwd=tmp_path, SESAME_DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Essai : ") and url.rsplit("/", 1)[1] in result.stdout
    assert ROLE_PW not in result.stdout + result.stderr
    nowhere = sesame("copy-database", db=source, cwd=tmp_path)
    assert nowhere.returncode == 2 and "SESAME_DATABASE_URL" in nowhere.stderr and "--to" in nowhere.stderr
    assert nowhere.stderr.strip().count("\n") == 0 and "Traceback" not in nowhere.stderr


def test_bad_target_or_source_is_one_french_line(source, postgres, tmp_path):
    down = f"postgresql://sesame:{ROLE_PW}@127.0.0.1:{free_port()}/sesame"
    cases = [
        (down, 1, "ne répond pas ou refuse la connexion"),
        ("mysql://sesame@localhost/sesame", 2, "Erreur : --to n'est pas une adresse PostgreSQL"),
        (f"postgresql://sesame:{ROLE_PW}@bdd.exemple.fr/sesame", 2, "Erreur : --to joint bdd.exemple.fr sans"),
        (postgres.url("pas_de_base"), 1, "PostgreSQL 127.0.0.1:"),
    ]
    for url, status, message in cases:
        result = sesame("copy-database", "--to", url, db=source, cwd=tmp_path)
        assert result.returncode == status, (url, result.stderr)
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "Traceback" not in result.stderr and ROLE_PW not in result.stdout + result.stderr

    url = postgres.database()
    missing = sesame("copy-database", "--to", url, "--from", str(tmp_path / "absente.db"), db=source, cwd=tmp_path)
    assert missing.returncode == 2 and "absente.db n'existe pas" in missing.stderr
    other = tmp_path / "autre.db"
    sqlite3.connect(other).execute("create table t (x)").connection.close()
    foreign = sesame("copy-database", "--to", url, "--from", str(other), db=source, cwd=tmp_path)
    assert foreign.returncode == 2 and "n'est pas une base de Sésame" in foreign.stderr
    conn = sqlite3.connect(source)
    conn.execute("delete from _sqlite_migrations where name = '0010_leavers'")
    conn.commit()
    late = sesame("copy-database", "--to", url, db=source, cwd=tmp_path)
    assert late.returncode == 2 and "lancez d'abord « sesame migrate »" in late.stderr
    dbname = url.rsplit("/", 1)[1]
    assert postgres.admin("select count(*) from pg_tables where schemaname = 'public'", dbname=dbname) == [(0,)]


def test_a_backup_made_under_another_key_is_refused(source, postgres, tmp_path):
    """A `sesame backup` file records a keyed check value (meta): copied, it must match the key in use;
    the check value itself stays with the backup file."""
    copy = tmp_path / "copie.db"
    assert sesame("backup", str(copy), db=source, cwd=tmp_path).returncode == 0
    url = postgres.database()
    wrong = sesame("copy-database", "--to", url, "--from", str(copy), db=source, key="z" * 48, cwd=tmp_path)
    assert wrong.returncode == 2 and "autre SESAME_SECRET_KEY" in wrong.stderr
    right = sesame("copy-database", "--to", url, "--from", str(copy), db=source, cwd=tmp_path)
    assert right.returncode == 0, right.stderr
    with psycopg.connect(url) as conn:
        keys = [r[0] for r in conn.execute("select key from meta")]
    assert "backup_key_check" not in keys


def test_a_copy_killed_midway_leaves_nothing_and_runs_again(source, postgres, tmp_path):
    conn = sqlite3.connect(source, isolation_level=None)
    conn.execute("BEGIN")
    conn.executemany(
        "insert into audit (at, event, details) values (?, 'login.succeeded', ?)",
        ((i, "y" * 200) for i in range(200_000)),
    )
    conn.execute("COMMIT")
    url = postgres.database()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SESAME_")}
    env.update(SESAME_DB=str(source), SESAME_SECRET_KEY=SECRET, PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "pwa", "copy-database", "--to", url]
    proc = subprocess.Popen(command, env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("audit : 200"):  # the big table is in, the transaction still open
            proc.kill()
            break
    assert proc.wait(timeout=30) == -signal.SIGKILL
    deadline = time.monotonic() + 10  # the server sees the client gone and rolls back
    gone = "select count(*) from pg_stat_activity where application_name = 'sesame-copy-database'"
    while postgres.admin(gone) != [(0,)]:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert all(not table for table in snapshot(url).values())
    again = sesame("copy-database", "--to", url, db=source, cwd=tmp_path)
    assert again.returncode == 0 and "vérifié ligne à ligne" in again.stdout, again.stderr
    assert len(snapshot(url)["audit"]) > 200_000
