"""A real PostgreSQL server (Debian's postgresql package) on loopback for the tests.

One server per test session (`postgres` fixture), started in the foreground as the
`postgres` user from a throw-away data folder; each test takes a database of its own
(`Postgres.database()`), so tests never see each other's rows. Sésame connects as a
plain role that owns its database; Dovecot reads through a read-only role
(`dovecot_ro`) granted by docs/dovecot/dovecot-pgsql-reader.sql, over TLS checked against
a throw-away CA (sslmode=verify-full, as the shipped snippet). Both roles log in with their
password (scram-sha-256); the `postgres` superuser is trusted on loopback. Without
PostgreSQL the tests are skipped, except when ``CI`` is set: then they fail."""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from support.certs import make_ca
from support.dovecot import HOST, free_port, missing

ROOT = Path(__file__).resolve().parents[2]
ROLE, ROLE_PW = "sesame", "sesame-secret-for-tests"
READER, READER_PW = "dovecot_ro", "dovecot-secret-for-tests"


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    return Path(found[-1]).parent if found else None


@dataclass
class Postgres:
    folder: Path
    port: int
    bin: Path
    ca_file: Path
    proc: subprocess.Popen | None = None
    _names: Iterator[int] = field(default_factory=itertools.count)

    def _as_postgres(self) -> dict:
        return {"user": "postgres", "group": "postgres", "extra_groups": []}

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                str(self.bin / "postgres"),
                *("-D", str(self.folder / "data"), "-p", str(self.port)),
                *("-c", f"listen_addresses={HOST}", "-c", f"unix_socket_directories={self.folder / 'sock'}"),
                # Throw-away data: no durability work (the kill test checks acknowledged writes
                # reach the server, not the disk), room for two instances' pools.
                *("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"),
                *("-c", "shared_buffers=32MB", "-c", "max_connections=200"),
                # TLS for Dovecot's connection (sslmode=verify-full in docs/dovecot/dovecot-pgsql*.conf.ext).
                *("-c", "ssl=on", "-c", f"ssl_cert_file={self.folder / 'tls/server.pem'}"),
                *("-c", f"ssl_key_file={self.folder / 'tls/server.key'}"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=open(self.folder / "server.log", "ab"),  # noqa: SIM115 (closed with the process)
            **self._as_postgres(),
        )
        deadline = time.monotonic() + 15
        import psycopg

        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("postgres exited: " + (self.folder / "server.log").read_text()[-2000:])
            try:
                psycopg.connect(self.admin_url("postgres"), connect_timeout=1).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # fast shutdown (SIGTERM waits for every client)
            self.proc.wait(timeout=15)

    def admin_url(self, dbname: str) -> str:
        return f"postgresql://postgres@{HOST}:{self.port}/{dbname}"

    def url(self, dbname: str, *, role: str = ROLE, password: str = ROLE_PW) -> str:
        return f"postgresql://{role}:{password}@{HOST}:{self.port}/{dbname}"

    def admin(self, sql: str, *params: object, dbname: str = "postgres") -> list[tuple]:
        import psycopg

        with psycopg.connect(self.admin_url(dbname), autocommit=True) as conn:
            cur = conn.execute(sql, params or None)  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else []

    def database(self) -> str:
        """A new empty database owned by Sésame's role; its URL."""
        name = f"sesame_{os.getpid()}_{next(self._names)}"
        self.admin(f'create database "{name}" owner {ROLE}')
        return self.url(name)

    @contextlib.contextmanager
    def refusing(self, database_url: str) -> Iterator[None]:
        """Meanwhile the server answers nothing for this database: new connections are
        refused and the open ones are cut, as when PostgreSQL is down or unreachable."""
        name = database_url.rsplit("/", 1)[1]
        self.admin(f'alter database "{name}" allow_connections false')
        self.admin("select pg_terminate_backend(pid) from pg_stat_activity where datname = %s", name)
        try:
            yield
        finally:
            self.admin(f'alter database "{name}" allow_connections true')

    def grant_reader(self, dbname: str) -> None:
        """Dovecot's read-only role may read the columns the passdb queries read: the shipped
        docs/dovecot/dovecot-pgsql-reader.sql, run as Sésame's role after its migrations."""
        import psycopg

        sql = (ROOT / "docs/dovecot/dovecot-pgsql-reader.sql").read_text()
        with psycopg.connect(self.url(dbname), autocommit=True) as conn:
            conn.execute(sql)  # grants to READER (dovecot_ro)

    def reader(self, database_url: str) -> dict[str, str]:
        """The values of the pgsql snippet's connect line that let Dovecot read the database
        of `database_url` as the read-only role."""
        return {
            "host": HOST,
            "port": str(self.port),
            "dbname": database_url.rsplit("/", 1)[1],
            "password": READER_PW,
            "sslrootcert": str(self.ca_file),
        }


def build(folder: Path, bin_dir: Path) -> Postgres:
    entry = pwd.getpwnam("postgres")
    os.chmod(folder, 0o755)
    (folder / "sock").mkdir()
    for path in (folder, folder / "sock"):
        os.chown(path, entry.pw_uid, entry.pw_gid)
    subprocess.run(
        [
            str(bin_dir / "initdb"),
            *("-D", str(folder / "data"), "-U", "postgres", "--auth=trust", "--no-sync"),
            *("--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions"),
        ],
        check=True,
        capture_output=True,
        user="postgres",
        group="postgres",
        extra_groups=[],
    )
    # Passwords checked for Sésame's and Dovecot's roles, as on a real server.
    hba = "local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n"
    (folder / "data/pg_hba.conf").write_text(hba)
    tls = folder / "tls"
    tls.mkdir()
    ca_file = make_ca(tls)
    for path in (tls, tls / "server.pem", tls / "server.key"):
        os.chown(path, entry.pw_uid, entry.pw_gid)
    (tls / "server.key").chmod(0o600)
    server = Postgres(folder=folder, port=free_port(), bin=bin_dir, ca_file=ca_file)
    return server


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    bin_dir = _bin_dir()
    if bin_dir is None:
        missing("PostgreSQL is not installed (Debian package postgresql)")
        raise AssertionError  # unreachable: missing() skips or fails
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        missing("the postgres user is missing (Debian package postgresql)")
    pytest.importorskip("psycopg")
    parent = Path(tempfile.mkdtemp(prefix="sesame-pg-"))
    os.chmod(parent, 0o755)
    folder = parent / "cluster"
    folder.mkdir()
    server = build(folder, bin_dir)
    server.start()
    try:
        server.admin(f"create role {ROLE} login password '{ROLE_PW}'")
        server.admin(f"create role {READER} login password '{READER_PW}'")
        yield server
    finally:
        server.stop()
        shutil.rmtree(parent, ignore_errors=True)
